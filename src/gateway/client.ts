/**
 * AIGatewayClient: the gateway's OpenAI-compatible API over undici, with OAuth2 tokens,
 * timeouts and the project's single retry layer.
 *
 * Retries: 408/429/500/502/503/504, connection failures and timeouts are retried up to
 * `retry.maxRetries` times with exponential backoff and jitter; a server's Retry-After
 * (seconds or HTTP date) or retry-after-ms is honoured up to `retry.maxDelayMs`, and a longer
 * hint is surfaced at once rather than slept on. Other 4xx are not retried. A 401 drops the
 * token, fetches a new one and retries exactly once. A stream is retried only until its first
 * chunk reaches the caller.
 */
import { Agent, type Dispatcher } from "undici";
import type { GatewayConfig } from "../config/config.js";
import { gatewayConfig, loadConfig } from "../config/config.js";
import { getLogger, type Logger } from "../logging/logger.js";
import { scrubText } from "../logging/redact.js";
import {
  AIGatewayAbortError,
  AIGatewayAuthError,
  AIGatewayError,
} from "./errors.js";
import { isAbortError, toGatewayError } from "./network_errors.js";
import { backoffDelay, sleep, type RetryPolicy } from "./retry.js";
import { ChatCompletionStream } from "./chat_stream.js";
import { statusError } from "./status_errors.js";
import { ClientCredentialsTokenSource, StaticTokenProvider, type TokenProvider } from "./token_source.js";
import {
  REQUEST_ID_HEADER,
  SIMULATED_HEADER,
  type ChatCompletion,
  type ChatCompletionRequest,
  type Model,
  type ModelList,
} from "./wire.js";

/** Options of `AIGatewayClient`: any gateway setting, plus injectable parts. */
export interface AIGatewayClientOptions extends Partial<Omit<GatewayConfig, "timeouts" | "retry" | "token" | "models">> {
  timeouts?: Partial<GatewayConfig["timeouts"]>;
  retry?: Partial<RetryPolicy>;
  token?: Partial<GatewayConfig["token"]>;
  /** Supplies bearer tokens; default is built from the credentials. */
  tokenProvider?: TokenProvider;
  /** undici dispatcher; default a keep-alive Agent owned (and closed) by this client. */
  dispatcher?: Dispatcher;
  /** Headers added to every API request. */
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

/** Per-call options. */
export interface RequestOptions {
  signal?: AbortSignal;
  /** Overrides the headers timeout for this call. */
  timeoutMs?: number;
  /** Overrides `retry.maxRetries` for this call. */
  maxRetries?: number;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
}

/** Result of `verifyCredentials()`; never thrown. */
export interface VerifyResult {
  ok: boolean;
  latencyMs: number;
  modelCount: number;
  error?: { code: string; message: string };
}

/**
 * A completion plus the gateway's request id (`_request_id`, as in the openai client) and
 * `_simulated` when the answer came from this project's emulator (its SIMULATED_HEADER).
 */
export type ChatCompletionResponse = ChatCompletion & { _request_id?: string; _simulated?: boolean };


/** Errors from a layer that retried on its own (the token source); never retried again. */
const alreadyRetried = new WeakSet<AIGatewayError>();

/** Which token an HTTP-status error was answered to, for the 401 refresh. */
const tokenUsedBy = new WeakMap<AIGatewayError, string>();

/** Client of the gateway's OpenAI-compatible API. Share one per process: it owns the token cache and the pool. */
export class AIGatewayClient {
  /** Base of the API, e.g. https://gateway.example.com/v1. */
  readonly apiBaseUrl: string;
  /** The token provider, exposed for stats and verify. */
  readonly tokens: TokenProvider;
  private readonly origin: string;
  private readonly pathPrefix: string;
  private readonly host: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly retryPolicy: RetryPolicy;
  private readonly timeouts: GatewayConfig["timeouts"];
  private readonly baseHeaders: Record<string, string>;
  private readonly streamHeaders: Record<string, string>;
  private readonly logger: Logger;

  constructor(options: AIGatewayClientOptions = {}) {
    const { tokenProvider, dispatcher, headers, logger, redactSecrets = true, ...settings } = options;
    this.logger = logger ?? getLogger();
    const defaults = gatewayConfig();
    const cfg = gatewayConfig({
      ...settings,
      timeouts: { ...defaults.timeouts, ...settings.timeouts },
      retry: { ...defaults.retry, ...settings.retry },
      token: { ...defaults.token, ...settings.token },
    });
    if (!cfg.baseUrl) {
      throw new AIGatewayError("No gateway base URL: set AI_GATEWAY_BASE_URL or pass baseUrl.", { code: "missing_base_url" });
    }
    const base = new URL(cfg.baseUrl);
    if (base.username || base.password) {
      throw new AIGatewayError("The gateway base URL must not contain a user name or password.", { code: "invalid_base_url" });
    }
    this.origin = base.origin;
    this.host = base.host;
    this.pathPrefix = base.pathname.replace(/\/+$/, "") + cfg.apiPath;
    this.apiBaseUrl = this.origin + this.pathPrefix;
    this.retryPolicy = cfg.retry;
    this.timeouts = cfg.timeouts;
    this.ownsDispatcher = !dispatcher;
    this.dispatcher =
      dispatcher ??
      new Agent({
        connect: { timeout: cfg.timeouts.connectMs },
        headersTimeout: cfg.timeouts.headersMs,
        bodyTimeout: cfg.timeouts.idleMs,
        keepAliveTimeout: 30_000,
      });
    this.tokens = tokenProvider ?? createTokenProvider(cfg, this.dispatcher, redactSecrets);
    this.baseHeaders = { "content-type": "application/json", accept: "application/json", ...headers };
    this.streamHeaders = { ...this.baseHeaders, accept: "text/event-stream" };
  }

  /** Builds a client from the environment (see `.env.example`); throws ConfigError naming bad variables. */
  static fromEnv(env: Record<string, string | undefined> = process.env): AIGatewayClient {
    return new AIGatewayClient(loadConfig(env).gateway);
  }

  /** Builds a client from an already-validated configuration. */
  static fromConfig(config: GatewayConfig, extra: Omit<AIGatewayClientOptions, keyof GatewayConfig> = {}): AIGatewayClient {
    return new AIGatewayClient({ ...config, ...extra });
  }

  /** Lists the models the gateway serves. */
  async listModels(options: RequestOptions = {}): Promise<Model[]> {
    const body = await this.execute("GET", "/models", undefined, options, (res) => res.body.json() as Promise<ModelList>);
    return Array.isArray(body?.data) ? body.data : [];
  }

  /** Creates a chat completion (non-streaming). */
  async createChatCompletion(request: ChatCompletionRequest, options: RequestOptions = {}): Promise<ChatCompletionResponse> {
    const payload = JSON.stringify(Object.assign({}, request, { stream: false }));
    return this.execute("POST", "/chat/completions", payload, options, async (res) => {
      const completion = (await res.body.json()) as ChatCompletionResponse;
      const requestId = headerValue(res.headers[REQUEST_ID_HEADER]);
      if (requestId) Object.defineProperty(completion, "_request_id", { value: requestId, enumerable: false });
      if (headerValue(res.headers[SIMULATED_HEADER]) === "simulated") Object.defineProperty(completion, "_simulated", { value: true, enumerable: false });
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
    const body = JSON.stringify({
      ...request,
      stream: true,
      ...(options.includeUsage === false ? {} : { stream_options: { include_usage: true } }),
    });
    return new ChatCompletionStream(this, body, options);
  }

  /**
   * Checks the credentials by fetching a fresh token and listing models. Never throws:
   * failures come back as `{ ok: false, error }` with a message that holds no secret.
   */
  async verifyCredentials(options: RequestOptions = {}): Promise<VerifyResult> {
    const started = performance.now();
    try {
      if (this.tokens instanceof ClientCredentialsTokenSource) await this.tokens.forceRefresh(options.signal);
      const models = await this.listModels(options);
      return { ok: true, latencyMs: Math.round(performance.now() - started), modelCount: models.length };
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

  /** @internal One attempt: token, request, status check. Throws typed errors. */
  async attempt(
    method: "GET" | "POST",
    path: string,
    body: string | undefined,
    options: RequestOptions,
    stream: boolean,
  ): Promise<{ res: Dispatcher.ResponseData; token: string }> {
    let token: string;
    try {
      token = await this.tokens.getToken(options.signal);
    } catch (err) {
      // The token source has already retried by itself; retrying here would multiply attempts.
      if (err instanceof AIGatewayError) alreadyRetried.add(err);
      throw err;
    }
    // Object.assign rather than spreads: measurably cheaper per call on Node 20's V8.
    const headers: Record<string, string> = Object.assign({}, stream ? this.streamHeaders : this.baseHeaders, options.headers);
    headers.authorization = `Bearer ${token}`;
    // The logger's redaction hides the authorization header; the guard keeps the hot path free.
    if (this.logger.isLevelEnabled("trace")) this.logger.trace({ method, path: this.pathPrefix + path, headers }, "gateway request");
    let res: Dispatcher.ResponseData;
    try {
      res = await this.dispatcher.request({
        origin: this.origin,
        path: this.pathPrefix + path,
        method,
        body,
        signal: options.signal,
        headersTimeout: options.timeoutMs ?? this.timeouts.headersMs,
        bodyTimeout: this.timeouts.idleMs,
        headers,
      });
    } catch (err) {
      throw toGatewayError(err, this.host, "the AI gateway", options.signal);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return { res, token };
    const error = await statusError(res, this.host);
    // Kept off the error object so the token can never be serialised with it.
    tokenUsedBy.set(error, token);
    throw error;
  }

  /**
   * @internal Runs attempts with the retry policy and reads each 2xx body with `read` inside
   * the same attempt, so a connection cut or stalled after the headers is retried too.
   */
  async execute<T>(
    method: "GET" | "POST",
    path: string,
    body: string | undefined,
    options: RequestOptions,
    read: (res: Dispatcher.ResponseData) => Promise<T>,
  ): Promise<T> {
    const state = this.retryState(options);
    for (;;) {
      try {
        const { res } = await this.attempt(method, path, body, options, false);
        try {
          return await read(res);
        } catch (err) {
          if (err instanceof SyntaxError) {
            throw new AIGatewayError(`The AI gateway at '${this.host}' sent a response body that is not valid JSON.`, {
              code: "invalid_response",
              status: res.statusCode,
              requestId: headerValue(res.headers[REQUEST_ID_HEADER]),
              retryable: true,
            });
          }
          throw toGatewayError(err, this.host, "the AI gateway", options.signal);
        }
      } catch (err) {
        await this.beforeRetry(err, state, options.signal);
      }
    }
  }

  /** @internal Fresh retry bookkeeping for one logical call. */
  retryState(options: RequestOptions): RetryState {
    return { attempt: 0, refreshed401: false, maxRetries: options.maxRetries ?? this.retryPolicy.maxRetries };
  }

  /**
   * @internal Decides whether `err` gets another attempt: waits the backoff and returns,
   * or rethrows it as a typed error.
   */
  async beforeRetry(err: unknown, state: RetryState, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || isAbortError(err, signal)) throw new AIGatewayAbortError();
    const e = err instanceof AIGatewayError ? err : toGatewayError(err, this.host, "the AI gateway", signal);
    const usedToken = tokenUsedBy.get(e);
    if (e instanceof AIGatewayAuthError && e.status === 401 && !state.refreshed401 && usedToken !== undefined) {
      // One refresh-and-retry per call: a second 401 means the credentials, not the token, are wrong.
      state.refreshed401 = true;
      this.logger.info({ requestId: e.requestId }, "AI gateway rejected the access token; fetching a new one and retrying once");
      this.tokens.invalidate(usedToken);
      return;
    }
    if (!e.retryable || alreadyRetried.has(e) || state.attempt >= state.maxRetries) throw e;
    let delay = backoffDelay(state.attempt, this.retryPolicy);
    if (e.retryAfterMs !== undefined) {
      if (e.retryAfterMs > this.retryPolicy.maxDelayMs) throw e;
      delay = Math.max(e.retryAfterMs, 0);
    }
    state.attempt++;
    this.logger.warn(
      { attempt: state.attempt, maxRetries: state.maxRetries, delayMs: delay, code: e.code, status: e.status, requestId: e.requestId },
      `Retrying AI gateway request after ${e.name}`,
    );
    try {
      await sleep(delay, signal);
    } catch {
      throw new AIGatewayAbortError();
    }
  }



  /** @internal Host name used in messages. */
  get hostForMessages(): string {
    return this.host;
  }
}

/** Per-call retry bookkeeping. */
export interface RetryState {
  attempt: number;
  refreshed401: boolean;
  maxRetries: number;
}

function createTokenProvider(cfg: GatewayConfig, dispatcher: Dispatcher, redactSecrets: boolean): TokenProvider {
  if (cfg.clientId && cfg.clientSecret) {
    return new ClientCredentialsTokenSource({
      tokenUrl: cfg.tokenUrl,
      issuer: cfg.issuer,
      baseUrl: cfg.baseUrl,
      clientId: cfg.clientId,
      clientSecret: cfg.clientSecret,
      authMethod: cfg.authMethod,
      scope: cfg.scope,
      resource: cfg.resource,
      audience: cfg.audience,
      refreshMarginS: cfg.token.refreshMarginS,
      defaultTtlS: cfg.token.defaultTtlS,
      timeoutMs: cfg.timeouts.tokenMs,
      retry: cfg.retry,
      allowInsecureHttp: cfg.allowInsecureHttp,
      dispatcher,
      redactSecrets,
    });
  }
  if (cfg.apiKey) return new StaticTokenProvider(cfg.apiKey, redactSecrets);
  throw new AIGatewayAuthError(
    "No gateway credentials: set AI_GATEWAY_CLIENT_ID and AI_GATEWAY_CLIENT_SECRET (OAuth2) or AI_GATEWAY_API_KEY.",
    { code: "missing_credentials" },
  );
}

/** @internal First value of a response header. */
export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

