/**
 * Typed errors of the gateway client. Every message tells a person what to do next and
 * never contains a secret, a token or an Authorization header.
 */
import { scrubText } from "../logging/redact.js";
import { AIGatewayAgentsError } from "../errors.js";

/** Fields every gateway error carries. */
export interface AIGatewayErrorInit {
  status?: number;
  code?: string;
  requestId?: string;
  retryable?: boolean;
  /** Wait the server asked for (Retry-After / retry-after-ms), in ms. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * Base class of every error raised by the gateway client. `status` is the HTTP status when a
 * response was received; `code` the server's error code or one of ours (`timeout`, `dns`, ...);
 * `requestId` the gateway's `x-request-id`, to quote when asking the gateway's operators for help.
 */
export class AIGatewayError extends AIGatewayAgentsError {
  override readonly name: string = "AIGatewayError";
  /** Whether the client's retry policy treats this error as transient. */
  readonly retryable: boolean;
  /** Wait the server asked for before another attempt, in ms, when it sent one. */
  readonly retryAfterMs?: number;

  constructor(message: string, init: AIGatewayErrorInit & { code: string }) {
    // The root scrubs the message: upstream bodies quoted in it may echo a credential back.
    super(message, init);
    this.retryable = init.retryable ?? false;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** Credentials were rejected by the token endpoint or the API (RFC 6749 §5.2 errors, 401, 403). Not retried. */
export class AIGatewayAuthError extends AIGatewayError {
  override readonly name = "AIGatewayAuthError";
  /** `error_description` from the token endpoint, when it sent one. */
  readonly description?: string;
  constructor(message: string, init: AIGatewayErrorInit & { code: string; description?: string }) {
    super(message, { ...init, retryable: false });
    // The token endpoint's own words, which may quote the client secret it was sent.
    this.description = init.description === undefined ? undefined : scrubText(init.description);
  }
}

/**
 * A setting is wrong or a server does not speak the protocol it should: OAuth2 metadata missing
 * or invalid, an issuer mismatch, plain http where a credential would travel, a token response
 * that is not OAuth2, an unreadable key or certificate file. Never retried: trying again cannot
 * fix it. `variable` names the setting to fix, and the message says how.
 */
export class AIGatewayConfigError extends AIGatewayError {
  override readonly name = "AIGatewayConfigError";
  /** The environment variable (or variables, comma-separated) to fix. */
  readonly variable: string;
  constructor(message: string, init: AIGatewayErrorInit & { code: string; variable: string }) {
    super(message, { ...init, retryable: false });
    this.variable = init.variable;
  }

  /** Adds the variable to the safe serialisation. */
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), variable: this.variable };
  }
}

/** 429 from the gateway; `retryAfterMs` is the server's hint when it sent one. */
export class AIGatewayRateLimitError extends AIGatewayError {
  override readonly name = "AIGatewayRateLimitError";
  constructor(message: string, init: AIGatewayErrorInit) {
    super(message, { ...init, status: 429, code: init.code ?? "rate_limited", retryable: true });
  }
}

/** Which limit a gateway said is used up: a spending budget, or a usage quota. */
export type GatewayLimit = "budget" | "quota";

/**
 * The gateway refused the call because a spending budget or a usage quota is used up (LiteLLM's
 * budget_exceeded, OpenAI's insufficient_quota, API Management's quota policy), whatever status it
 * used. Not the request's fault and not a passing rate limit: never retried, since every attempt
 * is refused the same until the limit resets or is raised. Its code is `gateway_budget_exceeded`
 * or `gateway_quota_exceeded`; the server's own code is kept in `upstreamCode`.
 */
export class AIGatewayQuotaError extends AIGatewayError {
  override readonly name = "AIGatewayQuotaError";
  /** Whether a budget (money) or a quota (usage) ran out. */
  readonly limit: GatewayLimit;
  /** The code the gateway sent (`budget_exceeded`, `insufficient_quota`, ...), when it sent one. */
  readonly upstreamCode?: string;
  constructor(message: string, init: AIGatewayErrorInit & { status: number; limit: GatewayLimit; upstreamCode?: string }) {
    super(message, { ...init, code: init.limit === "budget" ? "gateway_budget_exceeded" : "gateway_quota_exceeded", retryable: false });
    this.limit = init.limit;
    this.upstreamCode = init.upstreamCode;
  }

  /** Adds the limit to the safe serialisation. */
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), limit: this.limit };
  }
}

/** Any other non-2xx status. Retryable for 408/500/502/503/504. */
export class AIGatewayHTTPError extends AIGatewayError {
  override readonly name = "AIGatewayHTTPError";
  constructor(message: string, init: AIGatewayErrorInit & { status: number; code?: string }) {
    super(message, { ...init, code: init.code ?? `http_${init.status}` });
  }
}

/** Which phase of a request ran out of time. */
export type TimeoutPhase = "connect" | "headers" | "idle" | "token";

/** A connect, headers or between-chunks idle timeout fired. */
export class AIGatewayTimeoutError extends AIGatewayError {
  override readonly name = "AIGatewayTimeoutError";
  /** The phase that timed out. */
  readonly phase: TimeoutPhase;
  constructor(message: string, init: AIGatewayErrorInit & { phase: TimeoutPhase }) {
    super(message, { ...init, code: "timeout", retryable: init.retryable ?? true });
    this.phase = init.phase;
  }
}

/**
 * The gateway accepted the request (2xx) but its body cannot be read: not JSON (a proxy's login
 * page, a captive portal), or cut off. An upstream fault, not the caller's: retried, and it
 * counts against the gateway's circuit breaker like a 5xx.
 */
export class AIGatewayResponseError extends AIGatewayError {
  override readonly name = "AIGatewayResponseError";
  constructor(message: string, init: AIGatewayErrorInit & { status: number }) {
    super(message, { ...init, code: init.code ?? "invalid_response", retryable: init.retryable ?? true });
  }
}

/** A stream broke: cut short, malformed chunk, or an error event in the middle of it. */
export class AIGatewayStreamError extends AIGatewayError {
  override readonly name = "AIGatewayStreamError";
  constructor(message: string, init: AIGatewayErrorInit & { code: string }) {
    super(message, init);
  }
}

/** The gateway could not be reached: DNS failure, refused or reset connection, TLS failure. */
export class AIGatewayNetworkError extends AIGatewayError {
  override readonly name = "AIGatewayNetworkError";
  /** The host we tried to reach. */
  readonly host?: string;
  constructor(message: string, init: AIGatewayErrorInit & { code: string; host?: string }) {
    super(message, { ...init, retryable: init.retryable ?? true });
    this.host = init.host;
  }
}

/** The caller's AbortSignal fired. */
export class AIGatewayAbortError extends AIGatewayError {
  override readonly name = "AbortError";
  constructor(message = "The request was aborted by the caller.") {
    super(message, { code: "aborted", retryable: false });
  }
}

/** Whether an error came from the gateway client's retry-worthy failure classes. */
export function isRetryableGatewayError(error: unknown): boolean {
  return error instanceof AIGatewayError && error.retryable;
}
