/**
 * OAuth2 client-credentials token source built on oauth4webapi.
 *
 * - Caches the token. Once inside the refresh margin (default 60 s, capped at a quarter of
 *   the token's lifetime so short-lived tokens are still reused) one background refresh starts
 *   while callers keep the still-valid token; after expiry callers wait for the refresh.
 * - Single flight: every caller that arrives while a refresh runs shares its promise.
 * - A response without `expires_in` is assumed to live `defaultTtlS` (default 300 s).
 * - RFC 6749 §5.2 errors become `AIGatewayAuthError` (not retried); 5xx and network
 *   errors are retried with backoff.
 */
import * as oauth from "oauth4webapi";
import { fetch as undiciFetch, type Dispatcher } from "undici";
import { getLogger } from "../logging/logger.js";
import { registerSecret, registerShortLivedSecret, scrubText } from "../logging/redact.js";
import {
  AIGatewayAuthError,
  AIGatewayError,
  AIGatewayHTTPError,
  AIGatewayNetworkError,
  AIGatewayTimeoutError,
} from "./errors.js";
import { toGatewayError } from "./network_errors.js";
import { backoffDelay, sleep, type RetryPolicy } from "./retry.js";

/** Settings of a client-credentials token source. */
export interface TokenSourceOptions {
  /** Token endpoint. When absent, `issuer` metadata names it; else `${baseUrl}/oauth2/token`. */
  tokenUrl?: string;
  issuer?: string;
  baseUrl?: string;
  clientId: string;
  clientSecret: string;
  authMethod?: "client_secret_basic" | "client_secret_post";
  scope?: string;
  resource?: string;
  audience?: string;
  /** Seconds before expiry at which a refresh starts. */
  refreshMarginS?: number;
  /** Lifetime assumed when the response has no expires_in. */
  defaultTtlS?: number;
  /** Time allowed for one token request. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** Permit http:// endpoints on hosts other than loopback. */
  allowInsecureHttp?: boolean;
  /** undici dispatcher (connection pool and connect timeout) shared with the API client. */
  dispatcher?: Dispatcher;
  /** Clock, for tests. */
  now?: () => number;
  /** Register the client secret and each access token with the log redactor (default true). */
  redactSecrets?: boolean;
}

/** Anything that hands out bearer tokens. */
export interface TokenProvider {
  /** A valid token, from cache when possible. */
  getToken(signal?: AbortSignal): Promise<string>;
  /** Drops `token` from the cache (after a 401) so the next call fetches a new one. */
  invalidate(token: string): void;
}

/** Default path of the token endpoint under the gateway base URL. */
export const DEFAULT_TOKEN_PATH = "/oauth2/token";

interface CachedToken {
  value: string;
  expiresAt: number;
  refreshAt: number;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Client-credentials token source; see the file comment for the caching rules. */
export class ClientCredentialsTokenSource implements TokenProvider {
  /** Number of token requests sent (each retry counts). */
  tokenRequests = 0;
  private cached?: CachedToken;
  private inflight?: Promise<CachedToken>;
  private server?: oauth.AuthorizationServer;
  private readonly options: Required<Pick<TokenSourceOptions, "refreshMarginS" | "defaultTtlS" | "timeoutMs" | "authMethod">> &
    TokenSourceOptions;
  private readonly client: oauth.Client;
  private readonly clientAuth: oauth.ClientAuth;
  private readonly now: () => number;

  constructor(options: TokenSourceOptions) {
    if (!options.clientId || !options.clientSecret) {
      throw new AIGatewayAuthError("OAuth2 client id and secret are required (AI_GATEWAY_CLIENT_ID, AI_GATEWAY_CLIENT_SECRET).", {
        code: "missing_credentials",
      });
    }
    if (!options.tokenUrl && !options.issuer && !options.baseUrl) {
      throw new AIGatewayAuthError("No token endpoint: set AI_GATEWAY_TOKEN_URL, AI_GATEWAY_ISSUER or AI_GATEWAY_BASE_URL.", {
        code: "missing_token_url",
      });
    }
    this.options = { refreshMarginS: 60, defaultTtlS: 300, timeoutMs: 10_000, authMethod: "client_secret_basic", ...options };
    if (options.redactSecrets !== false) registerSecret(options.clientSecret);
    this.client = { client_id: options.clientId };
    this.clientAuth =
      this.options.authMethod === "client_secret_post"
        ? oauth.ClientSecretPost(options.clientSecret)
        : oauth.ClientSecretBasic(options.clientSecret);
    this.now = options.now ?? Date.now;
  }

  /** The token endpoint URL once resolved (after the first request when an issuer is used). */
  get tokenEndpoint(): string | undefined {
    return this.server?.token_endpoint ?? this.options.tokenUrl ?? (this.options.issuer ? undefined : this.defaultTokenUrl());
  }

  async getToken(signal?: AbortSignal): Promise<string> {
    const cached = this.cached;
    if (cached) {
      const now = this.now();
      if (now < cached.refreshAt) return cached.value;
      if (now < cached.expiresAt) {
        // Still valid: refresh ahead in the background; a failure is retried by the next caller.
        this.refresh().catch(() => undefined);
        return cached.value;
      }
    }
    return (await this.refresh(signal)).value;
  }

  invalidate(token: string): void {
    if (this.cached?.value === token) this.cached = undefined;
  }

  /** Fetches a new token even when one is cached (used by verify). */
  async forceRefresh(signal?: AbortSignal): Promise<string> {
    this.cached = undefined;
    return (await this.refresh(signal)).value;
  }

  private refresh(signal?: AbortSignal): Promise<CachedToken> {
    if (!this.inflight) {
      // The shared request must not die with one caller's signal: other callers wait on it too.
      this.inflight = this.requestWithRetry().finally(() => {
        this.inflight = undefined;
      });
    }
    if (!signal) return this.inflight;
    return raceAbort(this.inflight, signal);
  }

  private async requestWithRetry(): Promise<CachedToken> {
    const retry = this.options.retry ?? { maxRetries: 2, baseDelayMs: 250, maxDelayMs: 20_000 };
    for (let attempt = 0; ; attempt++) {
      try {
        const token = await this.requestOnce();
        this.cached = token;
        return token;
      } catch (err) {
        const e = err instanceof AIGatewayError ? err : toGatewayError(err, this.host(), "the token endpoint");
        if (!e.retryable || attempt >= retry.maxRetries) throw e;
        await sleep(backoffDelay(attempt, retry));
      }
    }
  }

  private async requestOnce(): Promise<CachedToken> {
    const server = await this.authorizationServer();
    const params = new URLSearchParams();
    if (this.options.scope) params.set("scope", this.options.scope);
    if (this.options.resource) params.set("resource", this.options.resource);
    if (this.options.audience) params.set("audience", this.options.audience);
    this.tokenRequests++;
    let response: Response;
    try {
      response = await oauth.clientCredentialsGrantRequest(server, this.client, this.clientAuth, params, this.httpOptions());
    } catch (err) {
      if ((err as { name?: string } | undefined)?.name === "TimeoutError") {
        throw new AIGatewayTimeoutError(
          `The token endpoint at '${this.host()}' did not answer within ${this.options.timeoutMs} ms (AI_GATEWAY_TOKEN_TIMEOUT_MS).`,
          { phase: "token", cause: err },
        );
      }
      throw toGatewayError(err, this.host(), "the token endpoint");
    }
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      await response.body?.cancel();
      throw new AIGatewayHTTPError(
        `The token endpoint at '${this.host()}' answered ${response.status}; it may be down or overloaded. Try again later.`,
        { status: response.status, code: "token_endpoint_unavailable", retryable: true },
      );
    }
    let body: oauth.TokenEndpointResponse;
    try {
      body = await oauth.processClientCredentialsResponse(server, this.client, response);
    } catch (err) {
      throw await this.toAuthError(err, response);
    }
    if (this.options.redactSecrets !== false) registerShortLivedSecret(body.access_token);
    getLogger().debug({ tokenEndpoint: server.token_endpoint, expiresInS: body.expires_in ?? null }, "Fetched an OAuth2 access token");
    const issuedAt = this.now();
    const ttlMs = (typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : this.options.defaultTtlS) * 1000;
    const marginMs = Math.min(this.options.refreshMarginS * 1000, ttlMs / 4);
    return { value: body.access_token, expiresAt: issuedAt + ttlMs, refreshAt: issuedAt + ttlMs - marginMs };
  }

  private async toAuthError(err: unknown, response: Response): Promise<AIGatewayError> {
    let code: string | undefined;
    let description: string | undefined;
    if (err instanceof oauth.ResponseBodyError) {
      code = err.error;
      description = err.error_description;
    } else if (err instanceof oauth.WWWAuthenticateChallengeError) {
      // The challenge check runs before the body is read, so the RFC 6749 body is still there.
      const json = (await err.response.json().catch(() => undefined)) as { error?: unknown; error_description?: unknown } | undefined;
      code = typeof json?.error === "string" ? json.error : "invalid_client";
      description = typeof json?.error_description === "string" ? json.error_description : undefined;
    } else {
      return new AIGatewayAuthError(
        `The token endpoint at '${this.host()}' sent a response that is not a valid OAuth2 token response (status ${response.status}).`,
        { status: response.status, code: "invalid_token_response", cause: err },
      );
    }
    const advice =
      code === "invalid_client"
        ? "Check AI_GATEWAY_CLIENT_ID and AI_GATEWAY_CLIENT_SECRET, and AI_GATEWAY_AUTH_METHOD (basic or post)."
        : code === "invalid_scope"
          ? "Check AI_GATEWAY_SCOPE."
          : code === "invalid_target"
            ? "Check AI_GATEWAY_RESOURCE / AI_GATEWAY_AUDIENCE."
            : "Check the gateway's OAuth2 client settings.";
    return new AIGatewayAuthError(
      `The token endpoint rejected the client credentials: ${code}${description ? ` (${scrubText(description).slice(0, 300)})` : ""}. ${advice}`,
      { status: response.status, code, description, cause: undefined },
    );
  }

  private async authorizationServer(): Promise<oauth.AuthorizationServer> {
    if (this.server) return this.server;
    const { tokenUrl, issuer } = this.options;
    if (tokenUrl || !issuer) {
      const endpoint = tokenUrl ?? this.defaultTokenUrl();
      this.server = { issuer: new URL(endpoint).origin, token_endpoint: endpoint };
      return this.server;
    }
    const issuerUrl = new URL(issuer);
    try {
      const res = await oauth.discoveryRequest(issuerUrl, { ...this.httpOptions(), algorithm: "oauth2" });
      this.server = await oauth.processDiscoveryResponse(issuerUrl, res);
    } catch (err) {
      const mapped = toGatewayError(err, issuerUrl.host, "the OAuth2 issuer");
      if (mapped instanceof AIGatewayNetworkError || mapped.retryable) throw mapped;
      throw new AIGatewayAuthError(
        `Could not read OAuth2 metadata from the issuer '${issuerUrl.origin}'. Check AI_GATEWAY_ISSUER or set AI_GATEWAY_TOKEN_URL.`,
        { code: "issuer_metadata", cause: err },
      );
    }
    if (!this.server.token_endpoint) {
      throw new AIGatewayAuthError(`The issuer '${issuerUrl.origin}' does not advertise a token endpoint; set AI_GATEWAY_TOKEN_URL.`, {
        code: "issuer_metadata",
      });
    }
    return this.server;
  }

  private httpOptions(): oauth.HttpRequestOptions<"POST", URLSearchParams> & oauth.HttpRequestOptions<"GET"> {
    const dispatcher = this.options.dispatcher;
    const endpoint = this.options.tokenUrl ?? this.options.issuer ?? this.options.baseUrl ?? "";
    const url = new URL(endpoint);
    const insecureOk = url.protocol === "http:" && (LOOPBACK.test(url.hostname) || !!this.options.allowInsecureHttp);
    return {
      signal: AbortSignal.timeout(this.options.timeoutMs),
      [oauth.allowInsecureRequests]: insecureOk,
      [oauth.customFetch]: (input: string, init: RequestInit) =>
        undiciFetch(input, { ...(init as object), dispatcher, redirect: "manual" } as Parameters<typeof undiciFetch>[1]) as unknown as Promise<Response>,
    };
  }

  private defaultTokenUrl(): string {
    return `${(this.options.baseUrl ?? "").replace(/\/+$/, "")}${DEFAULT_TOKEN_PATH}`;
  }

  private host(): string {
    try {
      return new URL(this.tokenEndpoint ?? this.options.issuer ?? "").host;
    } catch {
      return "(unknown)";
    }
  }
}

/** A fixed bearer token (AI_GATEWAY_API_KEY / `apiKey`), for gateways that issue API keys. */
export class StaticTokenProvider implements TokenProvider {
  constructor(
    private readonly token: string,
    /** Register the key with the log redactor (false for keys under test from an unauthenticated request). */
    redactSecret = true,
  ) {
    if (redactSecret) registerSecret(token);
  }
  getToken(): Promise<string> {
    return Promise.resolve(this.token);
  }
  invalidate(): void {
    // A static key cannot be refreshed; the 401 surfaces as an auth error.
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
