/**
 * OAuth2 client-credentials token source built on oauth4webapi.
 *
 * - Caching and single flight follow token_cache.ts: reused until the refresh margin (default
 *   60 s, capped at a quarter of the lifetime), then one background refresh.
 * - A response without `expires_in` is assumed to live `defaultTtlS` (default 300 s).
 * - The token endpoint is `tokenUrl`, else the issuer's metadata (token_discovery.ts), else
 *   `${baseUrl}/oauth2/token`. Every one of those URLs follows the plain-http rule of src/net,
 *   checked before anything is sent.
 * - RFC 6749 §5.2 errors become `AIGatewayAuthError`; protocol and configuration errors
 *   (metadata, issuer mismatch, plain http, a response that is not OAuth2) `AIGatewayConfigError`.
 *   Neither is retried. 5xx, 408, 429 and network errors are retried with backoff, or after the
 *   endpoint's Retry-After when it sends one of at most TOKEN_RETRY_AFTER_MAX_MS.
 */
import * as oauth from "oauth4webapi";
import { fetch as undiciFetch, type Dispatcher } from "undici";
import type { ClientAssertionAlg, ClientAuthMethod } from "../config/config.js";
import { getLogger } from "../logging/logger.js";
import { registerSecret, registerShortLivedSecret } from "../logging/redact.js";
import { plainHttpProblem } from "../net/plain_http.js";
import { createClientAuth, loadClientSigningKey, type ClientSigningKey } from "./client_auth.js";
import { AIGatewayAuthError, AIGatewayConfigError, AIGatewayError, AIGatewayHTTPError, AIGatewayTimeoutError } from "./errors.js";
import { toGatewayError } from "./network_errors.js";
import { rejectsCredentials, tokenErrorMessage } from "./token_errors.js";
import { backoffDelay, parseRetryAfter, sleep, type RetryPolicy } from "./retry.js";
import { CachedTokenProvider, TokenCache, type FetchedToken } from "./token_cache.js";
import { withSpan } from "./tracing.js";
import { SpanKind } from "@opentelemetry/api";
import { describeOAuthError, discoverIssuer, type MetadataDocument } from "./token_discovery.js";

/** Settings of a client-credentials token source. */
export interface TokenSourceOptions {
  /** Token endpoint. When absent, `issuer` metadata names it; else `${baseUrl}/oauth2/token`. */
  tokenUrl?: string;
  issuer?: string;
  baseUrl?: string;
  clientId: string;
  /** Needed by client_secret_basic, client_secret_post and client_secret_jwt. */
  clientSecret?: string;
  authMethod?: ClientAuthMethod;
  /** private_key_jwt: path of the private key file (PEM or JWK). */
  clientKeyFile?: string;
  /** private_key_jwt: `kid` of the assertion header. */
  clientKeyId?: string;
  /** private_key_jwt: signing algorithm; default from the key. */
  clientKeyAlg?: ClientAssertionAlg;
  /** JWT assertions: `aud`; default the token endpoint URL. */
  clientAssertionAudience?: string;
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
  /** undici dispatcher (connection pool, connect timeout, mTLS) shared with the API client. */
  dispatcher?: Dispatcher;
  /** Use the issuer's `mtls_endpoint_aliases` (set when a client certificate is configured). */
  useMtlsEndpoints?: boolean;
  /** Clock, for tests. */
  now?: () => number;
  /** Waits between token request attempts, for tests; default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Register the client secret and each access token with the log redactor (default true). */
  redactSecrets?: boolean;
}

/** What a token source can say about how it got its token, for verify. Holds no secret. */
export interface TokenSourceInfo {
  /** `client_secret_basic`, ..., `api_key` for a static key, `token_provider` for a caller's function. */
  authMethod: string;
  tokenEndpoint?: string;
  /** The metadata document that named the token endpoint, when an issuer was used. */
  discovery?: { document: MetadataDocument; url: string };
  /** Scope the token endpoint granted (its `scope` field), when it said. */
  grantedScope?: string;
  /** Scope asked for. */
  requestedScope?: string;
  /** Expiry of the cached token (ms since the epoch). */
  expiresAt?: number;
}

/** Anything that hands out bearer tokens. */
export interface TokenProvider {
  /** A valid token, from cache when possible. */
  getToken(signal?: AbortSignal): Promise<string>;
  /** Drops `token` from the cache (after a 401) so the next call fetches a new one. */
  invalidate(token: string): void;
  /** Fetches a new token even when one is cached (verify); absent for tokens that cannot be renewed. */
  forceRefresh?(signal?: AbortSignal): Promise<string>;
  /** How the token was obtained, for verify. */
  info?(): TokenSourceInfo;
}

/** Default path of the token endpoint under the gateway base URL. */
export const DEFAULT_TOKEN_PATH = "/oauth2/token";

const TOKEN_SPAN_ATTRIBUTES = { "oauth2.grant_type": "client_credentials" } as const;

/**
 * Longest Retry-After from the token endpoint that is waited out. Every model call waits on the
 * token, so a longer hint is reported at once rather than slept on.
 */
const TOKEN_RETRY_AFTER_MAX_MS = 5_000;

/** Which variable set the URL a request goes to, for messages. */
type UrlSource = "AI_GATEWAY_TOKEN_URL" | "AI_GATEWAY_ISSUER" | "AI_GATEWAY_BASE_URL";

/** The error for a credential-carrying URL that breaks the plain-http rule. */
export function insecureUrlError(variable: string, url: URL, detail = ""): AIGatewayConfigError {
  const problem = plainHttpProblem(url, false);
  const what = problem === "unsupported_scheme" ? `is not an http(s) URL` : `uses plain http to '${url.host}', which is not loopback`;
  return new AIGatewayConfigError(
    `${variable} ${what}${detail}: a credential would travel in clear text. Use https, or set ` +
      "AI_GATEWAY_ALLOW_INSECURE_HTTP=true to allow plain http (development only, never in production).",
    { code: "insecure_http", variable },
  );
}

/** Client-credentials token source; see the file comment for the rules. */
export class ClientCredentialsTokenSource extends CachedTokenProvider implements TokenProvider {
  /** Number of token requests sent (each retry counts). */
  tokenRequests = 0;
  private server?: oauth.AuthorizationServer;
  private discovered?: { document: MetadataDocument; url: string };
  private grantedScope?: string;
  private readonly options: Required<Pick<TokenSourceOptions, "refreshMarginS" | "defaultTtlS" | "timeoutMs" | "authMethod">> &
    TokenSourceOptions;
  private readonly client: oauth.Client;
  private readonly signingKey?: ClientSigningKey;
  private clientAuth?: Promise<oauth.ClientAuth>;
  protected readonly cache: TokenCache;
  private readonly now: () => number;

  constructor(options: TokenSourceOptions) {
    super();
    const authMethod = options.authMethod ?? "client_secret_basic";
    const needsSecret = authMethod === "client_secret_basic" || authMethod === "client_secret_post" || authMethod === "client_secret_jwt";
    if (!options.clientId || (needsSecret && !options.clientSecret)) {
      throw new AIGatewayAuthError("OAuth2 client id and secret are required (AI_GATEWAY_CLIENT_ID, AI_GATEWAY_CLIENT_SECRET).", {
        code: "missing_credentials",
      });
    }
    if (!options.tokenUrl && !options.issuer && !options.baseUrl) {
      throw new AIGatewayAuthError("No token endpoint: set AI_GATEWAY_TOKEN_URL, AI_GATEWAY_ISSUER or AI_GATEWAY_BASE_URL.", {
        code: "missing_token_url",
      });
    }
    this.options = { refreshMarginS: 60, defaultTtlS: 300, timeoutMs: 10_000, ...options, authMethod };
    const [variable, first] = this.firstUrl();
    this.checkUrl(first, variable);
    if (authMethod === "private_key_jwt") {
      if (!options.clientKeyFile) {
        throw new AIGatewayConfigError("AI_GATEWAY_CLIENT_KEY_FILE is required when AI_GATEWAY_AUTH_METHOD is private_key_jwt.", {
          code: "missing_client_key",
          variable: "AI_GATEWAY_CLIENT_KEY_FILE",
        });
      }
      this.signingKey = loadClientSigningKey(options.clientKeyFile, { alg: options.clientKeyAlg, kid: options.clientKeyId });
    }
    if (options.redactSecrets !== false && options.clientSecret) registerSecret(options.clientSecret);
    this.client = { client_id: options.clientId, ...(options.useMtlsEndpoints ? { use_mtls_endpoint_aliases: true } : {}) };
    this.now = options.now ?? Date.now;
    // One span per token fetch (retries included), a child of the call that needed the token.
    this.cache = new TokenCache(() => withSpan("oauth2.token", () => this.requestWithRetry(), TOKEN_SPAN_ATTRIBUTES, SpanKind.CLIENT), { refreshMarginS: this.options.refreshMarginS, now: this.now });
  }

  /** The token endpoint URL once resolved (after the first request when an issuer is used). */
  get tokenEndpoint(): string | undefined {
    return this.server?.token_endpoint ?? this.options.tokenUrl ?? (this.options.issuer ? undefined : this.defaultTokenUrl());
  }

  /** How the current token was obtained; see TokenSourceInfo. */
  info(): TokenSourceInfo {
    return {
      authMethod: this.options.authMethod,
      tokenEndpoint: this.tokenEndpoint,
      discovery: this.discovered,
      grantedScope: this.grantedScope,
      requestedScope: this.options.scope,
      expiresAt: this.cache.current?.expiresAt,
    };
  }

  private async requestWithRetry(): Promise<FetchedToken> {
    const retry = this.options.retry ?? { maxRetries: 2, baseDelayMs: 250, maxDelayMs: 20_000 };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce();
      } catch (err) {
        const e = err instanceof AIGatewayError ? err : toGatewayError(err, this.host(), "the token endpoint");
        if (!e.retryable || attempt >= retry.maxRetries) throw e;
        if (e.retryAfterMs !== undefined && e.retryAfterMs > Math.min(TOKEN_RETRY_AFTER_MAX_MS, retry.maxDelayMs)) throw e;
        await (this.options.sleep ?? sleep)(e.retryAfterMs ?? backoffDelay(attempt, retry));
      }
    }
  }

  private async requestOnce(): Promise<FetchedToken> {
    const server = await this.authorizationServer();
    const clientAuth = await (this.clientAuth ??= createClientAuth(this.options, this.signingKey).catch((err: unknown) => {
      this.clientAuth = undefined;
      throw err;
    }));
    const params = new URLSearchParams();
    if (this.options.scope) params.set("scope", this.options.scope);
    if (this.options.resource) params.set("resource", this.options.resource);
    if (this.options.audience) params.set("audience", this.options.audience);
    this.tokenRequests++;
    let response: Response;
    try {
      const endpoint = new URL(this.tokenEndpointFor(server));
      response = await oauth.clientCredentialsGrantRequest(server, this.client, clientAuth, params, this.httpOptions(endpoint));
    } catch (err) {
      if ((err as { name?: string } | undefined)?.name === "TimeoutError") {
        throw new AIGatewayTimeoutError(
          `The token endpoint at '${this.host()}' did not answer within ${this.options.timeoutMs} ms (AI_GATEWAY_TOKEN_TIMEOUT_MS).`,
          { phase: "token", cause: err },
        );
      }
      if (err instanceof oauth.OperationProcessingError || err instanceof oauth.UnsupportedOperationError) {
        throw new AIGatewayConfigError(
          `The token request to '${this.host()}' could not be made (${describeOAuthError(err)}). Check ${this.endpointVariable()}.`,
          { code: "invalid_token_request", variable: this.endpointVariable() },
        );
      }
      throw toGatewayError(err, this.host(), "the token endpoint");
    }
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      await response.body?.cancel();
      throw this.unavailableError(response);
    }
    let body: oauth.TokenEndpointResponse;
    try {
      body = await oauth.processClientCredentialsResponse(server, this.client, response);
    } catch (err) {
      throw await this.toAuthError(err, response);
    }
    if (this.options.redactSecrets !== false) registerShortLivedSecret(body.access_token);
    this.grantedScope = typeof body.scope === "string" && body.scope !== "" ? body.scope : undefined;
    getLogger().debug({ tokenEndpoint: server.token_endpoint, expiresInS: body.expires_in ?? null }, "Fetched an OAuth2 access token");
    const ttlS = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : this.options.defaultTtlS;
    return { value: body.access_token, expiresAt: this.now() + ttlS * 1000 };
  }

  /** A 408, 429 or 5xx from the token endpoint, with the wait it asked for (RFC 9110 Retry-After). */
  private unavailableError(response: Response): AIGatewayHTTPError {
    const status = response.status;
    const retryAfterMs = parseRetryAfter({
      "retry-after": response.headers.get("retry-after") ?? undefined,
      "retry-after-ms": response.headers.get("retry-after-ms") ?? undefined,
    });
    const what = status === 429 ? "is rate limiting token requests" : "may be down or overloaded";
    const wait = retryAfterMs === undefined ? "" : ` It asked to wait ${Math.ceil(retryAfterMs / 1000)} s.`;
    const requestId = response.headers.get("x-ms-request-id") ?? response.headers.get("x-request-id") ?? undefined;
    return new AIGatewayHTTPError(
      `The token endpoint at '${this.host()}' answered ${status}: it ${what}.${wait} Try again later; the AI gateway itself was not called.`,
      { status, code: "token_endpoint_unavailable", retryable: true, retryAfterMs, requestId },
    );
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
      const variable = this.endpointVariable();
      return new AIGatewayConfigError(
        `The token endpoint at '${this.host()}' sent a response that is not a valid OAuth2 token response (status ${response.status}). ` +
          `Check ${variable}: it does not look like an OAuth2 token endpoint.`,
        { status: response.status, code: "invalid_token_response", variable, cause: err },
      );
    }
    const rejected = rejectsCredentials(response.status, code, description);
    return new AIGatewayAuthError(tokenErrorMessage(response.status, code, description, rejected, this.invalidClientAdvice()), {
      status: response.status,
      // One code for rejected credentials, whatever the identity provider called them, so every surface gives the same advice.
      code: rejected ? "invalid_client" : code,
      description,
      cause: undefined,
    });
  }

  private invalidClientAdvice(): string {
    switch (this.options.authMethod) {
      case "private_key_jwt":
        return "Check AI_GATEWAY_CLIENT_ID and AI_GATEWAY_CLIENT_KEY_FILE (the public key the server has registered), AI_GATEWAY_CLIENT_KEY_ID and AI_GATEWAY_CLIENT_ASSERTION_AUDIENCE.";
      case "client_secret_jwt":
        return "The client id or secret is wrong, or the secret has expired: check AI_GATEWAY_CLIENT_ID and AI_GATEWAY_CLIENT_SECRET, and AI_GATEWAY_CLIENT_ASSERTION_AUDIENCE.";
      case "tls_client_auth":
      case "self_signed_tls_client_auth":
        return "Check AI_GATEWAY_CLIENT_ID and the client certificate (AI_GATEWAY_TLS_CERT) the server has registered.";
      default:
        return "The client id or secret is wrong, or the secret has expired: check AI_GATEWAY_CLIENT_ID and AI_GATEWAY_CLIENT_SECRET, and AI_GATEWAY_AUTH_METHOD (basic or post).";
    }
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
    const found = await withSpan("oauth2.discovery", () => discoverIssuer(issuerUrl, (url) => this.httpOptions(url)), undefined, SpanKind.CLIENT);
    const endpoint = this.tokenEndpointFor(found.server, false);
    if (!endpoint) {
      throw new AIGatewayConfigError(`The issuer '${issuerUrl.origin}' does not advertise a token endpoint (${found.url}); set AI_GATEWAY_TOKEN_URL.`, {
        code: "issuer_metadata",
        variable: "AI_GATEWAY_ISSUER",
      });
    }
    this.checkUrl(new URL(endpoint), "AI_GATEWAY_ISSUER", ` (the token endpoint its metadata names: ${endpoint})`);
    getLogger().debug({ issuer: issuerUrl.href, document: found.document, tokenEndpoint: endpoint }, "Read the OAuth2 issuer's metadata");
    this.discovered = { document: found.document, url: found.url };
    this.server = found.server;
    return this.server;
  }

  /** The endpoint oauth4webapi will post to (the mTLS alias when the client uses one). */
  private tokenEndpointFor(server: oauth.AuthorizationServer, required = true): string {
    const alias = this.client.use_mtls_endpoint_aliases ? server.mtls_endpoint_aliases?.token_endpoint : undefined;
    const endpoint = alias ?? server.token_endpoint;
    if (!endpoint && required) throw new AIGatewayConfigError("No token endpoint is known; set AI_GATEWAY_TOKEN_URL.", { code: "missing_token_url", variable: "AI_GATEWAY_TOKEN_URL" });
    return endpoint ?? "";
  }

  private httpOptions(url: URL): oauth.HttpRequestOptions<"POST", URLSearchParams> & oauth.HttpRequestOptions<"GET"> {
    const dispatcher = this.options.dispatcher;
    return {
      signal: AbortSignal.timeout(this.options.timeoutMs),
      // Our own rule (src/net) has already vetted every URL; oauth4webapi's https check would only repeat it.
      [oauth.allowInsecureRequests]: url.protocol === "http:" && plainHttpProblem(url, this.options.allowInsecureHttp) === undefined,
      [oauth.customFetch]: (input: string, init: RequestInit) =>
        undiciFetch(input, { ...(init as object), dispatcher, redirect: "manual" } as Parameters<typeof undiciFetch>[1]) as unknown as Promise<Response>,
    };
  }

  private checkUrl(url: URL, variable: string, detail = ""): void {
    if (plainHttpProblem(url, this.options.allowInsecureHttp)) throw insecureUrlError(variable, url, detail);
  }

  /** The URL first contacted and the variable that set it. */
  private firstUrl(): [UrlSource, URL] {
    const { tokenUrl, issuer } = this.options;
    const [variable, raw]: [UrlSource, string] = tokenUrl
      ? ["AI_GATEWAY_TOKEN_URL", tokenUrl]
      : issuer
        ? ["AI_GATEWAY_ISSUER", issuer]
        : ["AI_GATEWAY_BASE_URL", this.defaultTokenUrl()];
    try {
      return [variable, new URL(raw)];
    } catch {
      throw new AIGatewayConfigError(`${variable} is not a valid URL.`, { code: "invalid_url", variable });
    }
  }

  private endpointVariable(): UrlSource {
    return this.options.tokenUrl ? "AI_GATEWAY_TOKEN_URL" : this.options.issuer ? "AI_GATEWAY_ISSUER" : "AI_GATEWAY_BASE_URL";
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
  info(): TokenSourceInfo {
    return { authMethod: "api_key" };
  }
}
