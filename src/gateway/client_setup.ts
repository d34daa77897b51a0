/**
 * What an AIGatewayClient is built from: the checked API address, its connection pool (with the
 * mTLS settings) and its token provider. Every check here runs before anything is sent.
 */
import { Agent, type Dispatcher } from "undici";
import type { GatewayConfig } from "../config/config.js";
import { hasClientCredentials } from "../config/config.js";
import { plainHttpProblem } from "../net/plain_http.js";
import { alertAwareConnector, loadTlsConnectOptions } from "./client_auth.js";
import { AIGatewayAuthError, AIGatewayConfigError, AIGatewayError } from "./errors.js";
import { FunctionTokenProvider, type TokenFunction } from "./token_callback.js";
import { ClientCredentialsTokenSource, insecureUrlError, StaticTokenProvider, type TokenProvider } from "./token_source.js";

/** The API's address, split the way requests use it. */
export interface ApiEndpoint {
  /** Scheme, host and port. */
  origin: string;
  /** Host (and port), for messages. */
  host: string;
  /** Path before each endpoint's own: the base URL's path plus AI_GATEWAY_API_PATH. */
  pathPrefix: string;
}

/** Checks AI_GATEWAY_BASE_URL (present, no user info, https unless allowed) and splits it. */
export function resolveApiEndpoint(cfg: GatewayConfig): ApiEndpoint {
  if (!cfg.baseUrl) {
    throw new AIGatewayError("No gateway base URL: set AI_GATEWAY_BASE_URL or pass baseUrl.", { code: "missing_base_url" });
  }
  const base = new URL(cfg.baseUrl);
  if (base.username || base.password) {
    throw new AIGatewayError("The gateway base URL must not contain a user name or password.", { code: "invalid_base_url" });
  }
  // Checked before anything is sent: the bearer token must not travel in clear text.
  if (plainHttpProblem(base, cfg.allowInsecureHttp)) throw insecureUrlError("AI_GATEWAY_BASE_URL", base);
  return { origin: base.origin, host: base.host, pathPrefix: base.pathname.replace(/\/+$/, "") + cfg.apiPath };
}

/** The client's connection pool, and whether it presents a client certificate. */
export interface ClientPool {
  dispatcher: Dispatcher;
  /** True when the pool was made here, so the client closes it. */
  owned: boolean;
  clientCertificate: boolean;
}

/**
 * The caller's dispatcher, or a keep-alive Agent with the configured timeouts and TLS files.
 * TLS files with a caller's dispatcher are refused: they could not reach its connections.
 */
export function createClientPool(cfg: GatewayConfig, given: Dispatcher | undefined): ClientPool {
  const tls = loadTlsConnectOptions(cfg);
  if (tls && given) {
    throw new AIGatewayConfigError(
      "AI_GATEWAY_TLS_CERT, AI_GATEWAY_TLS_KEY and AI_GATEWAY_TLS_CA apply to the client's own connection pool: set them on the connect options of the dispatcher you pass, or pass none.",
      { code: "tls_with_dispatcher", variable: "AI_GATEWAY_TLS_CERT" },
    );
  }
  if (given) return { dispatcher: given, owned: false, clientCertificate: false };
  const dispatcher = new Agent({
    connect: alertAwareConnector({ timeout: cfg.timeouts.connectMs, ...tls?.connect }),
    headersTimeout: cfg.timeouts.headersMs,
    bodyTimeout: cfg.timeouts.idleMs,
    keepAliveTimeout: 30_000,
  });
  return { dispatcher, owned: true, clientCertificate: !!tls?.clientCertificate };
}

/**
 * The client's token provider: the caller's (a function is wrapped so its results are cached
 * and refreshed like OAuth2 tokens), else OAuth2 client credentials, else the static API key.
 */
export function createTokenProvider(
  cfg: GatewayConfig,
  given: TokenProvider | TokenFunction | undefined,
  pool: ClientPool,
  redactSecrets: boolean,
): TokenProvider {
  if (typeof given === "function") {
    return new FunctionTokenProvider(given, { refreshMarginS: cfg.token.refreshMarginS, defaultTtlS: cfg.token.defaultTtlS, redactSecrets });
  }
  if (given) return given;
  if (hasClientCredentials(cfg)) {
    return new ClientCredentialsTokenSource({
      tokenUrl: cfg.tokenUrl,
      issuer: cfg.issuer,
      baseUrl: cfg.baseUrl,
      clientId: cfg.clientId ?? "",
      clientSecret: cfg.clientSecret,
      authMethod: cfg.authMethod,
      clientKeyFile: cfg.clientKeyFile,
      clientKeyId: cfg.clientKeyId,
      clientKeyAlg: cfg.clientKeyAlg,
      clientAssertionAudience: cfg.clientAssertionAudience,
      useMtlsEndpoints: pool.clientCertificate,
      scope: cfg.scope,
      resource: cfg.resource,
      audience: cfg.audience,
      refreshMarginS: cfg.token.refreshMarginS,
      defaultTtlS: cfg.token.defaultTtlS,
      timeoutMs: cfg.timeouts.tokenMs,
      retry: cfg.retry,
      allowInsecureHttp: cfg.allowInsecureHttp,
      dispatcher: pool.dispatcher,
      redactSecrets,
    });
  }
  if (cfg.apiKey) return new StaticTokenProvider(cfg.apiKey, redactSecrets);
  throw new AIGatewayAuthError(
    "No gateway credentials: set AI_GATEWAY_CLIENT_ID and AI_GATEWAY_CLIENT_SECRET (OAuth2) or AI_GATEWAY_API_KEY.",
    { code: "missing_credentials" },
  );
}
