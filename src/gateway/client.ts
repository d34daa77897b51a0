/**
 * AIGatewayClient: the gateway's OpenAI-compatible API over undici, with OAuth2 tokens,
 * timeouts and the project's single retry layer.
 *
 * The parts live by concern: client_setup.ts checks the address and builds the pool and the token
 * provider, request_attempt.ts sends one attempt (headers, timeouts, first-byte deadline, status
 * check), retry_loop.ts runs the attempts of every call (backoff, Retry-After, the one 401
 * refresh). Streams go through the same loop and only parse (chat_stream.ts): they are retried
 * until their first chunk reaches the caller, never after.
 */
import type { Dispatcher } from "undici";
import type { GatewayConfig } from "../config/config.js";
import { gatewayConfig, loadConfig } from "../config/config.js";
import { getLogger, type Logger } from "../logging/logger.js";
import { scrubText } from "../logging/redact.js";
import { AIGatewayError } from "./errors.js";
import { verifyTokenDetails, type VerifyTokenDetails } from "./verify_details.js";
import type { TokenFunction } from "./token_callback.js";
import { toGatewayError } from "./network_errors.js";
import { RequestHeaders } from "./request_headers.js";
import { RequestAttempts, type RequestOptions } from "./request_attempt.js";
import { RetryLoop } from "./retry_loop.js";
import type { RetryPolicy } from "./retry.js";
import { ChatCompletionStream } from "./chat_stream.js";
import { createClientPool, createTokenProvider, resolveApiEndpoint } from "./client_setup.js";
import { isSimulatedResponse, responseRequestId } from "./response_meta.js";
import { invalidResponseError } from "./status_errors.js";
import type { TokenProvider } from "./token_source.js";
import type { ChatCompletion, ChatCompletionRequest, Model, ModelList } from "./wire.js";

export type { RequestOptions };

/** Options of `AIGatewayClient`: any gateway setting, plus injectable parts. */
export interface AIGatewayClientOptions extends Partial<Omit<GatewayConfig, "timeouts" | "retry" | "token" | "models">> {
  timeouts?: Partial<GatewayConfig["timeouts"]>;
  retry?: Partial<RetryPolicy>;
  token?: Partial<GatewayConfig["token"]>;
  /**
   * Supplies bearer tokens instead of the configured credentials: a function
   * `() => Promise<string | { token, expiresAt }>` (e.g. @azure/identity's getBearerTokenProvider),
   * whose results are cached and refreshed like OAuth2 tokens, or a TokenProvider object.
   */
  tokenProvider?: TokenProvider | TokenFunction;
  /** undici dispatcher; default a keep-alive Agent owned (and closed) by this client. */
  dispatcher?: Dispatcher;
  /** Headers added to every API request (AI_GATEWAY_HEADERS); checked once, names not case-sensitive. */
  headers?: Record<string, string>;
  /** Logger for retries and debug traces; default the process logger. */
  logger?: Logger;
  /**
   * Register the client secret, API key and access tokens with the log redactor (default true).
   * False for credentials under test that came from an unauthenticated request: registering
   * those would let any caller steer what the logs hide.
   */
  redactSecrets?: boolean;
}

/** Result of `verifyCredentials()`; never thrown. */
export interface VerifyResult {
  ok: boolean;
  latencyMs: number;
  modelCount: number;
  error?: { code: string; message: string };
  /** How the token was obtained and what it is for; never the token itself. */
  token?: VerifyTokenDetails;
}

export type { VerifyTokenDetails };

/**
 * A completion plus the gateway's request id (`_request_id`, as in the openai client) and
 * `_simulated` when the answer came from this project's emulator (its SIMULATED_HEADER).
 */
export type ChatCompletionResponse = ChatCompletion & { _request_id?: string; _simulated?: boolean };

/** Client of the gateway's OpenAI-compatible API. Share one per process: it owns the token cache and the pool. */
export class AIGatewayClient {
  /** Base of the API, e.g. https://gateway.example.com/v1. */
  readonly apiBaseUrl: string;
  /** The token provider, exposed for stats and verify. */
  readonly tokens: TokenProvider;
  private readonly host: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly attempts: RequestAttempts;
  private readonly retries: RetryLoop;
  /** False: streams are asked for as plain JSON requests (AI_GATEWAY_STREAMING=false). */
  private readonly streaming: boolean;

  constructor(options: AIGatewayClientOptions = {}) {
    const { tokenProvider, dispatcher, headers, logger: givenLogger, redactSecrets = true, ...settings } = options;
    const logger = givenLogger ?? getLogger();
    const defaults = gatewayConfig();
    const cfg = gatewayConfig({
      ...settings,
      timeouts: { ...defaults.timeouts, ...settings.timeouts },
      retry: { ...defaults.retry, ...settings.retry },
      token: { ...defaults.token, ...settings.token },
    });
    const endpoint = resolveApiEndpoint(cfg);
    this.host = endpoint.host;
    this.apiBaseUrl = endpoint.origin + endpoint.pathPrefix;
    const pool = createClientPool(cfg, dispatcher);
    this.dispatcher = pool.dispatcher;
    this.ownsDispatcher = pool.owned;
    this.tokens = createTokenProvider(cfg, tokenProvider, pool, redactSecrets);
    const requestHeaders = new RequestHeaders(headers, cfg.publicHeaders, redactSecrets);
    this.streaming = cfg.streaming !== false;
    this.attempts = new RequestAttempts({ ...endpoint, dispatcher: this.dispatcher, timeouts: cfg.timeouts, requestHeaders, tokens: this.tokens, logger });
    this.retries = new RetryLoop(cfg.retry, this.tokens, this.host, logger);
  }

  /** Builds a client from the environment (see `.env.example`); throws a ConfigurationError naming bad variables. */
  static fromEnv(env: Record<string, string | undefined> = process.env): AIGatewayClient {
    return new AIGatewayClient(loadConfig(env).gateway);
  }

  /** Builds a client from an already-validated configuration. */
  static fromConfig(config: GatewayConfig, extra: Omit<AIGatewayClientOptions, keyof GatewayConfig> = {}): AIGatewayClient {
    return new AIGatewayClient({ ...config, ...extra });
  }

  /** Lists the models the gateway serves. */
  async listModels(options: RequestOptions = {}): Promise<Model[]> {
    const body = await this.execute("GET", "/models", undefined, options, false, (res) => res.body.json() as Promise<ModelList>);
    return Array.isArray(body?.data) ? body.data : [];
  }

  /** Creates a chat completion (non-streaming). */
  async createChatCompletion(request: ChatCompletionRequest, options: RequestOptions = {}): Promise<ChatCompletionResponse> {
    const payload = JSON.stringify(Object.assign({}, request, { stream: false }));
    return this.execute("POST", "/chat/completions", payload, options, false, async (res) => {
      const completion = (await res.body.json()) as ChatCompletionResponse;
      const requestId = responseRequestId(res.headers);
      if (requestId) Object.defineProperty(completion, "_request_id", { value: requestId, enumerable: false });
      if (isSimulatedResponse(res.headers)) Object.defineProperty(completion, "_simulated", { value: true, enumerable: false });
      return completion;
    });
  }

  /**
   * Streams a chat completion. Usage arrives on a final chunk (stream_options.include_usage)
   * unless `includeUsage` is false. Breaking out of the loop closes the request.
   */
  streamChatCompletion(
    request: ChatCompletionRequest,
    options: RequestOptions & { includeUsage?: boolean } = {},
  ): ChatCompletionStream {
    const sse = this.streaming;
    // Without SSE the answer comes as one JSON body, which the stream hands out as chunks.
    const body = sse
      ? JSON.stringify({
          ...request,
          stream: true,
          ...(options.includeUsage === false ? {} : { stream_options: { include_usage: true } }),
        })
      : JSON.stringify(Object.assign({}, request, { stream: false }));
    // The stream's start (up to its first chunk) is the attempt body, so the one loop here retries it.
    return new ChatCompletionStream((start) => this.execute("POST", "/chat/completions", body, options, sse, start), this.host, options.signal, sse);
  }

  /**
   * Checks the credentials by fetching a fresh token and listing models. Never throws:
   * failures come back as `{ ok: false, error }` with a message that holds no secret.
   */
  async verifyCredentials(options: RequestOptions = {}): Promise<VerifyResult> {
    const started = performance.now();
    try {
      const token = this.tokens.forceRefresh ? await this.tokens.forceRefresh(options.signal) : undefined;
      const models = await this.listModels(options);
      return { ok: true, latencyMs: Math.round(performance.now() - started), modelCount: models.length, token: verifyTokenDetails(this.tokens, token) };
    } catch (err) {
      const e = err instanceof AIGatewayError ? err : toGatewayError(err, this.host, "the AI gateway");
      return {
        ok: false,
        latencyMs: Math.round(performance.now() - started),
        modelCount: 0,
        error: { code: e.code, message: scrubText(e.message) },
      };
    }
  }

  /** Closes the connection pool when this client created it. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** A safe description: no credentials. */
  toJSON(): Record<string, unknown> {
    return { apiBaseUrl: this.apiBaseUrl };
  }

  /**
   * Runs one call's attempts through the retry loop. Each attempt reads its 2xx body with `read`,
   * so a connection cut or stalled after the headers is retried too (for a stream, only up to
   * its first chunk: `read` returns there).
   */
  private execute<T>(
    method: "GET" | "POST",
    path: string,
    body: string | undefined,
    options: RequestOptions,
    stream: boolean,
    read: (res: Dispatcher.ResponseData) => Promise<T>,
  ): Promise<T> {
    return this.retries.run(async () => {
      const res = await this.attempts.send(method, path, body, options, stream);
      try {
        return await read(res);
      } catch (err) {
        if (err instanceof SyntaxError) throw invalidResponseError(res, this.host);
        throw toGatewayError(err, this.host, "the AI gateway", options.signal);
      }
    }, options);
  }
}
