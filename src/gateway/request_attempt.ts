/**
 * One attempt of a gateway call: the bearer token, the request's headers (static, per call, W3C
 * trace context), its timeouts and first-byte deadline, the undici request and the status check.
 * It never retries: a failure is thrown typed and the client's retry loop (retry_loop.ts) decides.
 */
import type { Dispatcher } from "undici";
import type { GatewayConfig } from "../config/config.js";
import type { Logger } from "../logging/logger.js";
import { AIGatewayError } from "./errors.js";
import { attemptFailure, firstByteGuard } from "./first_byte.js";
import type { RequestHeaders } from "./request_headers.js";
import { markAlreadyRetried, markTokenUsed } from "./retry_loop.js";
import { statusError } from "./status_errors.js";
import type { TokenProvider } from "./token_source.js";
import { injectTraceHeaders } from "./tracing.js";

/** Per-call options. */
export interface RequestOptions {
  signal?: AbortSignal;
  /** Overrides the headers timeout for this call. */
  timeoutMs?: number;
  /** Overrides `retry.maxRetries` for this call. */
  maxRetries?: number;
  /** Extra headers for this call; they win over the static ones. */
  headers?: Record<string, string>;
  /**
   * Another provider can take this call (the fallback loop says so). A gateway silent for
   * AI_GATEWAY_FIRST_BYTE_TIMEOUT_MS is then stalled and not asked again: a stream is cut at that
   * budget; a non-streaming call, whose headers only come with its whole answer, keeps its
   * headers timeout and, once that runs out, is not retried. Headers timeouts shorter than the
   * budget are retried as usual.
   */
  hasFallback?: boolean;
}

/** Where and how the attempts of one client are sent. */
export interface AttemptSettings {
  /** Scheme, host and port of the API. */
  origin: string;
  /** Path before each endpoint's own, e.g. `/v1`. */
  pathPrefix: string;
  /** Host, for messages. */
  host: string;
  dispatcher: Dispatcher;
  timeouts: GatewayConfig["timeouts"];
  requestHeaders: RequestHeaders;
  tokens: TokenProvider;
  logger: Logger;
}

/** Sends single attempts; shared by every call of one client. */
export class RequestAttempts {
  constructor(private readonly s: AttemptSettings) {}

  /**
   * One attempt: token, request, status check. Resolves with a 2xx response whose body the
   * caller reads; throws typed errors. `stream` asks for server-sent events.
   */
  async send(method: "GET" | "POST", path: string, body: string | undefined, options: RequestOptions, stream: boolean): Promise<Dispatcher.ResponseData> {
    const s = this.s;
    let token: string;
    try {
      token = await s.tokens.getToken(options.signal);
    } catch (err) {
      // The token source has already retried by itself; retrying here would multiply attempts.
      markAlreadyRetried(err);
      throw err;
    }
    const headers = s.requestHeaders.build(stream, options.headers, token);
    // W3C traceparent of the active span (nothing when tracing is off), so the gateway's logs join the trace.
    injectTraceHeaders(headers);
    // Extra headers' values are redacted unless public; the guard keeps the hot path free.
    if (s.logger.isLevelEnabled("trace")) s.logger.trace({ method, path: s.pathPrefix + path, headers: s.requestHeaders.forLog(headers) }, "gateway request");
    const headersTimeout = options.timeoutMs ?? s.timeouts.headersMs;
    // Only a call with somewhere else to go has a first-byte deadline (first_byte.ts); the rest keep the hot path bare.
    const guard = options.hasFallback
      ? firstByteGuard({ hasFallback: true, signal: options.signal, stream, headersTimeoutMs: headersTimeout, firstByteMs: s.timeouts.firstByteMs, host: s.host })
      : undefined;
    let res: Dispatcher.ResponseData;
    try {
      res = await s.dispatcher.request({
        origin: s.origin,
        path: s.pathPrefix + path,
        method,
        body,
        signal: guard ? guard.signal : options.signal,
        headersTimeout,
        bodyTimeout: s.timeouts.idleMs,
        headers,
      });
    } catch (err) {
      throw guard ? guard.failure(err) : attemptFailure(err, { signal: options.signal, headersTimeoutMs: headersTimeout, firstByteMs: s.timeouts.firstByteMs, host: s.host });
    } finally {
      guard?.clear();
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    const error: AIGatewayError = await statusError(res, s.host);
    markTokenUsed(error, token);
    throw error;
  }
}
