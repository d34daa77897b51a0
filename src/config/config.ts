/** Shapes the validated environment into the configuration objects the layers use. */
import { existsSync } from "node:fs";
import { checkHeaders, resolveEnvReferences } from "./headers.js";
import { FALLBACK_PROVIDER_ENV, providerEnvConfig, type ProviderEnvConfig } from "./provider_env.js";
import {
  envSchema,
  type CLIENT_ASSERTION_ALGS,
  type CLIENT_AUTH_METHODS,
  type Env,
  type MULTITASK_STRATEGIES,
  type PROVIDER_NAMES,
  type TIER_NAMES,
} from "./schema.js";
import { ConfigurationError } from "../errors.js";

/** Client authentication methods supported at the token endpoint. */
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** JWS algorithm of a private_key_jwt client assertion. */
export type ClientAssertionAlg = (typeof CLIENT_ASSERTION_ALGS)[number];

/** Auth methods that need AI_GATEWAY_CLIENT_SECRET. */
const SECRET_METHODS: ReadonlySet<ClientAuthMethod> = new Set(["client_secret_basic", "client_secret_post", "client_secret_jwt"]);
// RFC 8705 §2: the client certificate on the TLS connection is the credential, CA-issued or self-signed.
const CERTIFICATE_METHODS: ReadonlySet<ClientAuthMethod> = new Set(["tls_client_auth", "self_signed_tls_client_auth"]);

/** Everything the gateway client needs; built from the environment or by hand. */
export interface GatewayConfig {
  /** False when AI_GATEWAY_ENABLED=false. */
  enabled: boolean;
  /** Gateway origin plus optional prefix, without a trailing slash. */
  baseUrl?: string;
  /** Path of the OpenAI-compatible API under baseUrl, e.g. "/v1". */
  apiPath: string;
  clientId?: string;
  clientSecret?: string;
  /** Static bearer token used instead of OAuth2. */
  apiKey?: string;
  tokenUrl?: string;
  issuer?: string;
  scope?: string;
  resource?: string;
  audience?: string;
  authMethod: ClientAuthMethod;
  /** private_key_jwt: path of the private key file (PEM or JWK); the key itself is never kept in the config. */
  clientKeyFile?: string;
  /** private_key_jwt: `kid` of the assertion header. */
  clientKeyId?: string;
  /** private_key_jwt: signing algorithm; default from the key type. */
  clientKeyAlg?: ClientAssertionAlg;
  /** JWT client assertions: `aud`; default the token endpoint URL. */
  clientAssertionAudience?: string;
  /** mTLS client certificate file (PEM). */
  tlsCert?: string;
  /** Private key file (PEM) of `tlsCert`. */
  tlsKey?: string;
  /** Extra CA certificate file (PEM) trusted for the token endpoint and the API. */
  tlsCa?: string;
  models: { default: string; fast?: string; standard?: string; premium?: string };
  /**
   * `firstByteMs`: with a fallback provider, a gateway silent this long is stalled: a stream is cut
   * then and fails over; a non-streaming call (headers come with its whole answer) keeps `headersMs`
   * and is not retried once it runs out. Without a fallback nothing is cut early, but a `headersMs`
   * of at least `firstByteMs` that runs out is not retried either. See gateway/first_byte.ts.
   */
  timeouts: { connectMs: number; headersMs: number; idleMs: number; tokenMs: number; firstByteMs: number };
  retry: { maxRetries: number; baseDelayMs: number; maxDelayMs: number };
  token: { refreshMarginS: number; defaultTtlS: number };
  allowInsecureHttp: boolean;
  /** Extra headers for every API request (AI_GATEWAY_HEADERS, `${NAME}` resolved), names in lower case. */
  headers?: Record<string, string>;
  /** Header names whose values may be logged (AI_GATEWAY_HEADERS_PUBLIC); others are redacted. */
  publicHeaders?: string[];
  /** False sends every chat completion as a plain JSON request, never SSE (AI_GATEWAY_STREAMING). */
  streaming?: boolean;
}

/** Name of a chat-model provider. */
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** Name of a model tier. */
export type TierName = (typeof TIER_NAMES)[number];

/** What each fallback provider's variables say, by provider (`openai: { apiKey?, baseUrl? }`); see provider_env.ts. */
export type FallbackProvidersConfig = ProviderEnvConfig<typeof FALLBACK_PROVIDER_ENV>;

/** Settings of the providers besides the gateway, and of discovery and the circuit breakers. */
export interface ProvidersConfig extends FallbackProvidersConfig {
  /** Providers tried for each call, in this order (PROVIDER_ORDER). */
  order: ProviderName[];
  /** Path of the per-tier settings file (TIERS_CONFIG). */
  tiersConfigPath?: string;
  /** Tier used when none is named (DEFAULT_TIER); wins over the file. */
  defaultTier?: TierName;
  discovery: { ttlS: number; timeoutMs: number };
  breaker: { failures: number; cooldownMs: number };
}

/** Top-level configuration. */
export interface AppConfig {
  gateway: GatewayConfig;
  providers: ProvidersConfig;
  log: { level: Env["LOG_LEVEL"]; format?: Env["LOG_FORMAT"] };
  /** Settings of the agents' tools (HTTP_GET_*). */
  tools: ToolsConfig;
  /** Where graph checkpoints are kept (DATABASE_URL, CHECKPOINT_SQLITE_PATH). */
  persistence: PersistenceConfig;
  /** The HTTP API (`npm run serve`). */
  server: ServerConfig;
}

/** Settings of the HTTP API. */
export interface ServerConfig {
  port: number;
  host: string;
  /** Admin key for configuration endpoints; undefined denies them. */
  adminApiKey?: string;
  /** Data-plane key; undefined leaves those endpoints open (unless tenant keys are set). */
  apiKey?: string;
  /** Data-plane keys per tenant (API_TENANT_KEYS): a request with one runs as that tenant. */
  tenantKeys: Record<string, string>;
  /** Where provider settings changed over HTTP are saved. */
  configStorePath: string;
  /** Plain http to loopback for provider URLs given over HTTP (development only). */
  allowInsecureLoopbackProviders: boolean;
  /** Accept client-sent `system` and `assistant` messages. */
  allowClientRoles: boolean;
  bodyLimitBytes: number;
  verifyRateLimit: { max: number; windowMs: number };
  /** Runs per client per window, and in flight at once. */
  runLimits: { max: number; windowMs: number; concurrency: number };
  /** A busy thread: reject, or enqueue up to `queueMax` runs per thread for up to `queueTimeoutMs`. */
  multitask: { strategy: (typeof MULTITASK_STRATEGIES)[number]; queueTimeoutMs: number; queueMax: number };
  /** Size limits of a thread, checked before a run on it. */
  threadLimits: { maxMessages: number; maxBytes: number };
  trustProxy: boolean;
  /** Host header names accepted besides loopback ones (DNS-rebinding defence). */
  allowedHosts: string[];
  /** Run `metadata` key -> gateway header name (AI_GATEWAY_METADATA_HEADERS); keys not listed are refused. */
  metadataHeaders: Record<string, string>;
}

/** Settings of the agents' tools. */
export interface ToolsConfig {
  /** The http_get tool: off unless enabled, and only to allowlisted hosts. */
  httpGet: { enabled: boolean; allowedHosts: string[]; allowHttpLoopback: boolean; maxBytes: number; timeoutMs: number };
}

/** Checkpoint storage: PostgreSQL when a URL is set, else a SQLite file. */
export interface PersistenceConfig {
  databaseUrl?: string;
  sqlitePath: string;
  /** Checkpoints each thread keeps after a run; 0 keeps all. */
  keepCheckpoints: number;
}

/**
 * The ConfigurationError (`invalid_environment`) raised at startup when the environment is
 * invalid: its message names every bad variable, one per line, and `problems` lists them.
 */
export function invalidEnvironment(problems: { variable: string; message: string }[]): ConfigurationError {
  return new ConfigurationError(
    "invalid_environment",
    `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` + problems.map((p) => `  - ${p.variable}: ${p.message}`).join("\n"),
    { problems },
  );
}

const trimSlash = (url: string): string => url.replace(/\/+$/, "");

/** "v1/" -> "/v1"; "/" -> "" (the API sits at the base URL itself). */
function normaliseApiPath(path: string): string {
  const inner = path.replace(/^\/+|\/+$/g, "");
  return inner === "" ? "" : `/${inner}`;
}

/**
 * Validates `env` (default `process.env`) and returns the configuration.
 * Messages are built from the variable name and the rule broken, never from the value,
 * so a secret pasted into the wrong variable is not echoed.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      variable: issue.path.map(String).join(".") || "(environment)",
      message: issue.message,
    }));
    throw invalidEnvironment(problems);
  }
  const e = parsed.data;
  const problems: { variable: string; message: string }[] = [];
  const method = e.AI_GATEWAY_AUTH_METHOD;
  if (e.AI_GATEWAY_CLIENT_ID && !e.AI_GATEWAY_CLIENT_SECRET && SECRET_METHODS.has(method)) {
    problems.push({ variable: "AI_GATEWAY_CLIENT_SECRET", message: `is required when AI_GATEWAY_CLIENT_ID is set and AI_GATEWAY_AUTH_METHOD is ${method}` });
  }
  if (e.AI_GATEWAY_CLIENT_ID && method === "private_key_jwt" && !e.AI_GATEWAY_CLIENT_KEY_FILE) {
    problems.push({ variable: "AI_GATEWAY_CLIENT_KEY_FILE", message: "is required when AI_GATEWAY_AUTH_METHOD is private_key_jwt" });
  }
  if (e.AI_GATEWAY_CLIENT_ID && CERTIFICATE_METHODS.has(method) && !e.AI_GATEWAY_TLS_CERT) {
    problems.push({ variable: "AI_GATEWAY_TLS_CERT", message: `is required when AI_GATEWAY_AUTH_METHOD is ${method}` });
  }
  if (!!e.AI_GATEWAY_TLS_CERT !== !!e.AI_GATEWAY_TLS_KEY) {
    const missing = e.AI_GATEWAY_TLS_CERT ? "AI_GATEWAY_TLS_KEY" : "AI_GATEWAY_TLS_CERT";
    problems.push({ variable: missing, message: "is required when the other of AI_GATEWAY_TLS_CERT and AI_GATEWAY_TLS_KEY is set" });
  }
  if (e.AI_GATEWAY_CLIENT_SECRET && !e.AI_GATEWAY_CLIENT_ID) {
    problems.push({ variable: "AI_GATEWAY_CLIENT_ID", message: "is required when AI_GATEWAY_CLIENT_SECRET is set" });
  }
  if ((e.AI_GATEWAY_CLIENT_ID || e.AI_GATEWAY_API_KEY) && !e.AI_GATEWAY_BASE_URL) {
    problems.push({ variable: "AI_GATEWAY_BASE_URL", message: "is required when gateway credentials are set" });
  }
  const headers = staticHeaders(e.AI_GATEWAY_HEADERS, env, problems);
  if (problems.length > 0) throw invalidEnvironment(problems);

  return {
    gateway: {
      enabled: e.AI_GATEWAY_ENABLED,
      baseUrl: e.AI_GATEWAY_BASE_URL ? trimSlash(e.AI_GATEWAY_BASE_URL) : undefined,
      apiPath: normaliseApiPath(e.AI_GATEWAY_API_PATH),
      clientId: e.AI_GATEWAY_CLIENT_ID,
      clientSecret: e.AI_GATEWAY_CLIENT_SECRET,
      apiKey: e.AI_GATEWAY_API_KEY,
      tokenUrl: e.AI_GATEWAY_TOKEN_URL,
      issuer: e.AI_GATEWAY_ISSUER,
      scope: e.AI_GATEWAY_SCOPE,
      resource: e.AI_GATEWAY_RESOURCE,
      audience: e.AI_GATEWAY_AUDIENCE,
      authMethod: e.AI_GATEWAY_AUTH_METHOD,
      clientKeyFile: e.AI_GATEWAY_CLIENT_KEY_FILE,
      clientKeyId: e.AI_GATEWAY_CLIENT_KEY_ID,
      clientKeyAlg: e.AI_GATEWAY_CLIENT_KEY_ALG,
      clientAssertionAudience: e.AI_GATEWAY_CLIENT_ASSERTION_AUDIENCE,
      tlsCert: e.AI_GATEWAY_TLS_CERT,
      tlsKey: e.AI_GATEWAY_TLS_KEY,
      tlsCa: e.AI_GATEWAY_TLS_CA,
      models: {
        default: e.AI_GATEWAY_DEFAULT_MODEL,
        fast: e.AI_GATEWAY_FAST_MODEL,
        standard: e.AI_GATEWAY_STANDARD_MODEL,
        premium: e.AI_GATEWAY_PREMIUM_MODEL,
      },
      timeouts: {
        connectMs: e.AI_GATEWAY_CONNECT_TIMEOUT_MS,
        headersMs: e.AI_GATEWAY_HEADERS_TIMEOUT_MS,
        idleMs: e.AI_GATEWAY_IDLE_TIMEOUT_MS,
        tokenMs: e.AI_GATEWAY_TOKEN_TIMEOUT_MS,
        firstByteMs: e.AI_GATEWAY_FIRST_BYTE_TIMEOUT_MS,
      },
      retry: {
        maxRetries: e.AI_GATEWAY_MAX_RETRIES,
        baseDelayMs: e.AI_GATEWAY_RETRY_BASE_DELAY_MS,
        maxDelayMs: e.AI_GATEWAY_RETRY_MAX_DELAY_MS,
      },
      token: { refreshMarginS: e.AI_GATEWAY_TOKEN_REFRESH_MARGIN_S, defaultTtlS: e.AI_GATEWAY_TOKEN_DEFAULT_TTL_S },
      allowInsecureHttp: e.AI_GATEWAY_ALLOW_INSECURE_HTTP,
      headers,
      publicHeaders: e.AI_GATEWAY_HEADERS_PUBLIC,
      streaming: e.AI_GATEWAY_STREAMING,
    },
    providers: {
      order: e.PROVIDER_ORDER,
      ...providerEnvConfig(FALLBACK_PROVIDER_ENV, e),
      tiersConfigPath: e.TIERS_CONFIG,
      defaultTier: e.DEFAULT_TIER,
      discovery: { ttlS: e.DISCOVERY_TTL_S, timeoutMs: e.DISCOVERY_TIMEOUT_MS },
      breaker: { failures: e.BREAKER_FAILURES, cooldownMs: e.BREAKER_COOLDOWN_MS },
    },
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT },
    tools: {
      httpGet: {
        enabled: e.HTTP_GET_ENABLED,
        allowedHosts: e.HTTP_GET_ALLOWED_HOSTS,
        allowHttpLoopback: e.HTTP_GET_ALLOW_HTTP_LOOPBACK,
        maxBytes: e.HTTP_GET_MAX_BYTES,
        timeoutMs: e.HTTP_GET_TIMEOUT_MS,
      },
    },
    persistence: { databaseUrl: e.DATABASE_URL, sqlitePath: e.CHECKPOINT_SQLITE_PATH, keepCheckpoints: e.CHECKPOINT_KEEP },
    server: {
      port: e.PORT,
      host: e.HOST,
      adminApiKey: e.ADMIN_API_KEY,
      apiKey: e.API_KEY,
      tenantKeys: e.API_TENANT_KEYS ?? {},
      configStorePath: e.CONFIG_STORE_PATH,
      allowInsecureLoopbackProviders: e.ALLOW_INSECURE_LOOPBACK_PROVIDERS,
      allowClientRoles: e.ALLOW_CLIENT_ROLES,
      bodyLimitBytes: e.SERVER_BODY_LIMIT_BYTES,
      verifyRateLimit: { max: e.VERIFY_RATE_LIMIT_MAX, windowMs: e.VERIFY_RATE_LIMIT_WINDOW_MS },
      trustProxy: e.SERVER_TRUST_PROXY,
      runLimits: { max: e.RUN_RATE_LIMIT_MAX, windowMs: e.RUN_RATE_LIMIT_WINDOW_MS, concurrency: e.RUN_CONCURRENCY_MAX },
      multitask: { strategy: e.RUN_MULTITASK_STRATEGY, queueTimeoutMs: e.RUN_QUEUE_TIMEOUT_MS, queueMax: e.RUN_QUEUE_MAX },
      threadLimits: { maxMessages: e.THREAD_MAX_MESSAGES, maxBytes: e.THREAD_MAX_BYTES },
      allowedHosts: e.ALLOWED_HOSTS,
      metadataHeaders: e.AI_GATEWAY_METADATA_HEADERS,
    },
  };
}

/**
 * AI_GATEWAY_HEADERS with its `${NAME}` references resolved from `env` and every value checked.
 * Problems name the header and the variable, never a value.
 */
function staticHeaders(
  raw: Record<string, string> | undefined,
  env: Record<string, string | undefined>,
  problems: { variable: string; message: string }[],
): Record<string, string> | undefined {
  if (!raw) return undefined;
  const resolved = resolveEnvReferences(raw, env);
  if ("missing" in resolved) {
    problems.push({ variable: "AI_GATEWAY_HEADERS", message: `header ${JSON.stringify(resolved.header.slice(0, 64))} refers to \${${resolved.missing}}, which is not set` });
    return undefined;
  }
  try {
    return checkHeaders(resolved.headers, "");
  } catch (err) {
    problems.push({ variable: "AI_GATEWAY_HEADERS", message: err instanceof Error ? err.message.replace(/\.$/, "") : String(err) });
    return undefined;
  }
}

/** Whether `g` has what its auth method needs besides the client id: a secret, a key file or a client certificate. */
export function hasClientCredentials(g: Pick<GatewayConfig, "clientId" | "clientSecret" | "authMethod" | "clientKeyFile" | "tlsCert">): boolean {
  if (!g.clientId) return false;
  if (g.authMethod === "private_key_jwt") return !!g.clientKeyFile;
  if (CERTIFICATE_METHODS.has(g.authMethod)) return !!g.tlsCert;
  return !!g.clientSecret;
}

/** True when the gateway has a base URL and either OAuth2 client credentials or a static key. */
export function isGatewayConfigured(g: GatewayConfig): boolean {
  return g.enabled && !!g.baseUrl && (hasClientCredentials(g) || !!g.apiKey);
}

/** Defaults for tiers when neither env nor discovery names a model (the system we replace used these). */
export const DEFAULT_TIER_MODELS = { fast: "gpt-5.1-chat-latest", standard: "gpt-5.1", premium: "gpt-5.1" } as const;

/**
 * Gateway configuration with every default applied, for code that builds a client by hand
 * (tests, the emulator launcher, embedding apps).
 */
export function gatewayConfig(overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  const base = loadConfig({}).gateway;
  return {
    ...base,
    ...overrides,
    models: { ...base.models, ...overrides.models },
    timeouts: { ...base.timeouts, ...overrides.timeouts },
    retry: { ...base.retry, ...overrides.retry },
    token: { ...base.token, ...overrides.token },
  };
}

/**
 * Loads `path` (default `.env` in the working directory) into `process.env` when it exists.
 * Variables already set in the environment win over the file.
 */
export function loadDotEnv(path = ".env"): boolean {
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}
