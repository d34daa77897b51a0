/**
 * The one zod schema for environment configuration. `.env.example` lists the same variables;
 * a test keeps the two in step.
 */
import { z } from "zod";
import { checkHeaders, parseMetadataHeaderMap } from "./headers.js";
import { optionalString, optionalUrl } from "./env_fields.js";
import { FALLBACK_PROVIDER_ENV, FALLBACK_PROVIDER_NAMES, providerEnvShape, providerSecretVars } from "./provider_env.js";

/** A blank value (`NAME=` in a .env file) means "not set", so the default applies. */
const blankAsUnset = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema);

const bool = (fallback: boolean) =>
  blankAsUnset(z
    .stringbool({ error: "must be true/false, 1/0, yes/no or on/off" })
    .optional())
    .transform((v) => v ?? fallback);

/** What a run on a thread that another run holds does (LangGraph Platform's names). */
export const MULTITASK_STRATEGIES = ["reject", "enqueue", "interrupt", "rollback"] as const;
/** One of MULTITASK_STRATEGIES. */
export type MultitaskStrategy = (typeof MULTITASK_STRATEGIES)[number];

const int = (fallback: number, min = 0) =>
  blankAsUnset(z.coerce
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(min, { error: `must be at least ${min}` })
    .optional())
    .transform((v) => v ?? fallback);

/** Provider names, in the default fallback order: the gateway, then the fallback providers of provider_env.ts. */
export const PROVIDER_NAMES = ["gateway", ...FALLBACK_PROVIDER_NAMES] as const;

/** Client authentication methods at the token endpoint (RFC 6749, RFC 7523, RFC 8705). */
export const CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"] as const;

/** JWS algorithms a private_key_jwt assertion may be signed with. */
export const CLIENT_ASSERTION_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"] as const;

/** Model tiers, cheapest first. */
export const TIER_NAMES = ["fast", "standard", "premium"] as const;

const modelId = (fallback: string) => optionalString.transform((v) => v ?? fallback);

/** AI_GATEWAY_HEADERS: a JSON object of header names to string values; `${NAME}` references are resolved in loadConfig. */
const headerObject = z.string().transform((text, ctx): Record<string, string> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    ctx.addIssue({ code: "custom", message: 'must be a JSON object of header names to values, e.g. {"Ocp-Apim-Subscription-Key":"${APIM_KEY}"}' });
    return z.NEVER;
  }
  try {
    // Values are checked again once their ${NAME} references are resolved (loadConfig).
    checkHeaders(parsed as Record<string, unknown>, "");
  } catch (err) {
    ctx.addIssue({ code: "custom", message: err instanceof Error ? err.message.replace(/\.$/, "") : String(err) });
    return z.NEVER;
  }
  return parsed as Record<string, string>;
});

/** A comma-separated list of header names, lower-cased. */
const headerNameList = optionalString.pipe(
  z
    .string()
    .transform((v) => v.split(",").map((h) => h.trim().toLowerCase()).filter((h) => h !== ""))
    .superRefine((list, ctx) => {
      // Issues carry no path, so the message names the variable itself.
      list.forEach((h, i) => {
        if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(h)) ctx.addIssue({ code: "custom", message: `entry ${i + 1} is not an HTTP header name` });
      });
    })
    .optional(),
);

/** AI_GATEWAY_METADATA_HEADERS: `key=header-name` pairs. */
const metadataHeaderMap = optionalString.pipe(
  z
    .string()
    .transform((text, ctx): Record<string, string> => {
      try {
        return parseMetadataHeaderMap(text, "");
      } catch (err) {
        ctx.addIssue({ code: "custom", message: err instanceof Error ? err.message.replace(/\.$/, "") : String(err) });
        return z.NEVER;
      }
    })
    .optional(),
);

/** OTEL_EXPORTER_OTLP_HEADERS: `name=value` pairs separated by commas, values URL-encoded (the OpenTelemetry format). */
const otlpHeaders = optionalString.pipe(
  z
    .string()
    .transform((text, ctx): Record<string, string> => {
      const out: Record<string, string> = {};
      for (const [i, pair] of text.split(",").entries()) {
        if (pair.trim() === "") continue;
        const eq = pair.indexOf("=");
        const name = (eq < 0 ? "" : pair.slice(0, eq)).trim().toLowerCase();
        let value: string | undefined;
        try {
          value = decodeURIComponent(pair.slice(eq + 1).trim());
        } catch {
          value = undefined;
        }
        // The message names the entry, never its value: a value here is a credential.
        if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name) || value === undefined) {
          ctx.addIssue({ code: "custom", message: `entry ${i + 1} must be name=value with an HTTP header name and a URL-encoded value` });
          return z.NEVER;
        }
        out[name] = value;
      }
      return out;
    })
    .optional(),
);

/** OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL: OTLP over HTTP, JSON or binary protobuf (gRPC is not supported). */
const otlpProtocol = blankAsUnset(
  z.enum(["http/json", "http/protobuf"], { error: "must be http/json or http/protobuf: traces are sent over OTLP/HTTP (grpc is not supported)" }).optional(),
);

/** Every environment variable the project reads, with its default. */
export const envSchema = z.object({
  /** Turn the gateway provider off without removing its settings. */
  AI_GATEWAY_ENABLED: bool(true),
  /** Origin (plus optional path prefix) of the gateway, e.g. https://ai-gateway.example.com. */
  AI_GATEWAY_BASE_URL: optionalUrl,
  /** Path of the OpenAI-compatible API under the base URL; `/` means the base URL itself. */
  AI_GATEWAY_API_PATH: blankAsUnset(
    z
      .string()
      .trim()
      .regex(/^\/?([A-Za-z0-9._~-]+\/?)*$/, { error: "must be a path such as /v1 (use / for the root)" })
      // "." and ".." segments would step outside the base URL's path.
      .refine((p) => !p.split("/").some((seg) => seg === "." || seg === ".."), { error: "must not contain . or .. segments" })
      .optional(),
  ).transform((v) => v ?? "/v1"),
  /** OAuth2 client id. */
  AI_GATEWAY_CLIENT_ID: optionalString,
  /** OAuth2 client secret. */
  AI_GATEWAY_CLIENT_SECRET: optionalString,
  /** Static bearer token used instead of OAuth2 (when the gateway hands out API keys). */
  AI_GATEWAY_API_KEY: optionalString,
  /** Token endpoint; wins over the issuer and the default. */
  AI_GATEWAY_TOKEN_URL: optionalUrl,
  /** OAuth2 issuer whose metadata names the token endpoint. */
  AI_GATEWAY_ISSUER: optionalUrl,
  /** Space-separated OAuth2 scopes. */
  AI_GATEWAY_SCOPE: optionalString,
  /** RFC 8707 resource indicator for the token request. */
  AI_GATEWAY_RESOURCE: optionalString,
  /** Audience parameter some identity providers expect instead of a resource. */
  AI_GATEWAY_AUDIENCE: optionalString,
  /** How the client authenticates to the token endpoint. */
  AI_GATEWAY_AUTH_METHOD: blankAsUnset(
    z.enum(CLIENT_AUTH_METHODS, { error: `must be one of ${CLIENT_AUTH_METHODS.join(", ")}` }).optional(),
  ).transform((v) => v ?? "client_secret_basic"),
  /** private_key_jwt: file holding the client's private key, PEM (PKCS#8, PKCS#1 or SEC1) or a JWK. */
  AI_GATEWAY_CLIENT_KEY_FILE: optionalString,
  /** private_key_jwt: `kid` put in the assertion's header (default: the JWK's own kid, if any). */
  AI_GATEWAY_CLIENT_KEY_ID: optionalString,
  /** private_key_jwt: signing algorithm (default from the key: RS256, ES256/384/512 by curve, or EdDSA). */
  AI_GATEWAY_CLIENT_KEY_ALG: blankAsUnset(
    z.enum(CLIENT_ASSERTION_ALGS, { error: `must be one of ${CLIENT_ASSERTION_ALGS.join(", ")}` }).optional(),
  ),
  /** private_key_jwt / client_secret_jwt: the assertion's `aud` (default: the token endpoint URL). */
  AI_GATEWAY_CLIENT_ASSERTION_AUDIENCE: optionalString,
  /** mTLS: client certificate file (PEM), sent to the token endpoint and the API. */
  AI_GATEWAY_TLS_CERT: optionalString,
  /** mTLS: private key file (PEM) of AI_GATEWAY_TLS_CERT. */
  AI_GATEWAY_TLS_KEY: optionalString,
  /** CA certificate file (PEM) trusted for the token endpoint and the API, besides Node's built-in CAs. */
  AI_GATEWAY_TLS_CA: optionalString,
  /** Model used when no tier is involved. */
  AI_GATEWAY_DEFAULT_MODEL: modelId("gpt-5.1"),
  /** Fast-tier model; when set, it wins over discovery. */
  AI_GATEWAY_FAST_MODEL: optionalString,
  /** Standard-tier model; when set, it wins over discovery. */
  AI_GATEWAY_STANDARD_MODEL: optionalString,
  /** Premium-tier model; when set, it wins over discovery. */
  AI_GATEWAY_PREMIUM_MODEL: optionalString,
  /** TCP/TLS connect timeout. */
  AI_GATEWAY_CONNECT_TIMEOUT_MS: int(5_000, 1),
  /** Time allowed until response headers arrive. */
  AI_GATEWAY_HEADERS_TIMEOUT_MS: int(60_000, 1),
  /** Longest silence allowed between two chunks of a response body (streams included). */
  AI_GATEWAY_IDLE_TIMEOUT_MS: int(30_000, 1),
  /** Time allowed for one token request. */
  AI_GATEWAY_TOKEN_TIMEOUT_MS: int(10_000, 1),
  /** Retries after the first attempt for transient failures (0 disables retries). */
  AI_GATEWAY_MAX_RETRIES: int(2, 0),
  /** First backoff delay; doubles each retry, with full jitter. */
  AI_GATEWAY_RETRY_BASE_DELAY_MS: int(250, 0),
  /** Cap on any single wait, including a server's Retry-After. Longer hints are not waited for. */
  AI_GATEWAY_RETRY_MAX_DELAY_MS: int(20_000, 0),
  /** Refresh a token this many seconds before it expires. */
  AI_GATEWAY_TOKEN_REFRESH_MARGIN_S: int(60, 0),
  /** Lifetime assumed for a token response without expires_in. */
  AI_GATEWAY_TOKEN_DEFAULT_TTL_S: int(300, 1),
  /** Allow plain-http gateway, token and issuer URLs to non-loopback hosts (never in production). */
  AI_GATEWAY_ALLOW_INSECURE_HTTP: bool(false),
  /** JSON object of extra headers for every gateway API request; a value may read another variable as ${NAME}. */
  AI_GATEWAY_HEADERS: optionalString.pipe(headerObject.optional()),
  /** Comma-separated header names whose values may be logged; every other extra header's value is redacted. */
  AI_GATEWAY_HEADERS_PUBLIC: headerNameList.transform((v) => v ?? []),
  /** Comma-separated key=header-name pairs: the keys of an HTTP run's `metadata` and the gateway headers they become. */
  AI_GATEWAY_METADATA_HEADERS: metadataHeaderMap.transform((v) => v ?? {}),
  /** Stream chat completions over SSE; false sends every call as a plain JSON request (gateways without SSE). */
  AI_GATEWAY_STREAMING: bool(true),
  /** With a fallback provider configured: how long a streaming call waits for the gateway's first byte before it fails over. */
  AI_GATEWAY_FIRST_BYTE_TIMEOUT_MS: int(10_000, 1),
  /** Providers tried for each call, in order; only configured ones take part. */
  PROVIDER_ORDER: blankAsUnset(
    z
      .string()
      .trim()
      .transform((v) => v.split(",").map((p) => p.trim().toLowerCase()).filter((p) => p !== ""))
      .superRefine((list, ctx) => {
        // Issues carry no path, so the message names the variable itself (as in ".1" it would not).
        if (list.length === 0) ctx.addIssue({ code: "custom", message: "must name at least one provider" });
        list.forEach((p, i) => {
          if (!(PROVIDER_NAMES as readonly string[]).includes(p)) {
            ctx.addIssue({ code: "custom", message: `entry ${i + 1} is not one of ${PROVIDER_NAMES.join(", ")}` });
          }
        });
        if (new Set(list).size !== list.length) ctx.addIssue({ code: "custom", message: "must not name a provider twice" });
      })
      .transform((list) => list as (typeof PROVIDER_NAMES)[number][])
      .optional(),
  ).transform((v) => v ?? [...PROVIDER_NAMES]),
  /** Each fallback provider's variables (OPENAI_API_KEY, OLLAMA_BASE_URL, ...), documented in provider_env.ts. */
  ...providerEnvShape(FALLBACK_PROVIDER_ENV),
  /** Path of a JSON or YAML file with per-tier settings (models, limits, tools, prices). */
  TIERS_CONFIG: optionalString,
  /** Tier used when a caller names none; wins over the tiers file. */
  DEFAULT_TIER: blankAsUnset(z.enum(TIER_NAMES, { error: `must be one of ${TIER_NAMES.join(", ")}` }).optional()),
  /** How long a model discovery result is reused, in seconds. */
  DISCOVERY_TTL_S: int(600, 0),
  /** Longest wait for the gateway's model list at startup, in ms. */
  DISCOVERY_TIMEOUT_MS: int(3_000, 1),
  /** Consecutive failures that open a provider's circuit breaker. */
  BREAKER_FAILURES: int(3, 1),
  /** How long an open breaker skips its provider before one probe call, in ms. */
  BREAKER_COOLDOWN_MS: int(30_000, 1),
  /** Offer the http_get tool to agents (off unless set). */
  HTTP_GET_ENABLED: bool(false),
  /** Comma-separated hosts http_get may fetch: exact names or `*.example.com` for subdomains. */
  HTTP_GET_ALLOWED_HOSTS: blankAsUnset(
    z
      .string()
      .trim()
      .transform((v) => v.split(",").map((h) => h.trim().toLowerCase()).filter((h) => h !== ""))
      .pipe(
        z.array(
          z.string().regex(/^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$|^\[[0-9a-f:.]+\]$/, {
            error: "each entry must be a host name, an IP address or *.domain",
          }),
        ),
      )
      .optional(),
  ).transform((v) => v ?? []),
  /** Let http_get use plain http, but only to loopback hosts (tests, local services). */
  HTTP_GET_ALLOW_HTTP_LOOPBACK: bool(false),
  /** Most response-body bytes http_get reads; the rest is cut off. */
  HTTP_GET_MAX_BYTES: int(102_400, 1),
  /** Time allowed for one http_get request, body included. */
  HTTP_GET_TIMEOUT_MS: int(5_000, 1),
  /** PostgreSQL URL for graph checkpoints; when unset they go to a SQLite file. */
  DATABASE_URL: optionalString.pipe(
    z.string().regex(/^postgres(ql)?:\/\//, { error: "must be a postgres:// or postgresql:// URL" }).optional(),
  ),
  /** SQLite file for graph checkpoints when DATABASE_URL is unset. */
  CHECKPOINT_SQLITE_PATH: optionalString.transform((v) => v ?? ".data/checkpoints.sqlite"),
  /** Checkpoints each thread keeps after a run (the newest; an orchestrator run makes about four); 0 keeps all. */
  CHECKPOINT_KEEP: int(12, 0),
  /** pino log level. */
  LOG_LEVEL: blankAsUnset(
    z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
        error: "must be one of fatal, error, warn, info, debug, trace, silent",
      })
      .optional(),
  ).transform((v) => v ?? "info"),
  /** Log format: json, or pretty (the default when stderr is a terminal). */
  LOG_FORMAT: blankAsUnset(z.enum(["json", "pretty"], { error: "must be json or pretty" }).optional()),
  /** Turns OpenTelemetry off whatever the other OTEL_* variables say. */
  OTEL_SDK_DISABLED: bool(false),
  /** Trace exporter: otlp or none; unset means otlp once an OTLP endpoint is set, and no tracing otherwise. */
  OTEL_TRACES_EXPORTER: blankAsUnset(z.enum(["otlp", "none"], { error: "must be otlp or none" }).optional()),
  /** OTLP/HTTP base URL of the collector (traces go to <url>/v1/traces); setting it turns tracing on. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  /** Full URL the traces are posted to; wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
  /** OTLP protocol; only http/json is supported. */
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol,
  /** OTLP protocol of the traces; only http/json is supported. */
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol,
  /** Headers sent to the collector, as name=value pairs separated by commas (values URL-encoded); a secret. */
  OTEL_EXPORTER_OTLP_HEADERS: otlpHeaders,
  /** service.name of the exported spans. */
  OTEL_SERVICE_NAME: optionalString.transform((v) => v ?? "ai-gateway-agents"),
  /** Put prompts, answers, tool arguments and tool results on the spans; off, spans carry no message text. */
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: bool(false),
  /** Send LangChain's run traces to LangSmith (needs LANGSMITH_API_KEY); LangChain itself reads it. */
  LANGSMITH_TRACING: bool(false),
  /** LangSmith API key; a secret. */
  LANGSMITH_API_KEY: optionalString,
  /** LangSmith API URL (default https://api.smith.langchain.com). */
  LANGSMITH_ENDPOINT: optionalUrl,
  /** LangSmith project the runs are filed under (default "default"). */
  LANGSMITH_PROJECT: optionalString,
  /** Port of the LangGraph dev server started by `npm run studio` (read by scripts/studio.mjs). */
  STUDIO_PORT: int(2024, 1),
  /** Host the LangGraph dev server binds to. */
  STUDIO_HOST: optionalString.transform((v) => v ?? "localhost"),
  /** Port of the HTTP API (`npm run serve`); 0 picks a free one. */
  PORT: blankAsUnset(
    z.coerce.number({ error: "must be a number" }).int({ error: "must be a whole number" }).min(0, { error: "must be 0-65535" }).max(65_535, { error: "must be 0-65535" }).optional(),
  ).transform((v) => v ?? 8787),
  /** Interface the HTTP API binds; loopback unless set. */
  HOST: optionalString.transform((v) => v ?? "127.0.0.1"),
  /** Key for the admin endpoints (POST /api/providers/configure); unset means they are denied. */
  ADMIN_API_KEY: optionalString.pipe(z.string().min(16, { error: "must be at least 16 characters" }).optional()),
  /** Key for the data-plane endpoints (/api/runs, /api/threads, /api/models, /api/providers); unset means open. */
  API_KEY: optionalString.pipe(z.string().min(16, { error: "must be at least 16 characters" }).optional()),
  /** Data-plane keys issued per tenant, as tenant=key pairs separated by commas; a run with one is that tenant's (usage, budgets). */
  API_TENANT_KEYS: blankAsUnset(
    z
      .string()
      .transform((v, ctx) => {
        const out: Record<string, string> = {};
        v.split(",").map((p) => p.trim()).filter((p) => p !== "").forEach((pair, i) => {
          const eq = pair.indexOf("=");
          const tenant = eq > 0 ? pair.slice(0, eq).trim() : "";
          const key = eq > 0 ? pair.slice(eq + 1).trim() : "";
          // Issues name the entry by position only: the key itself is a secret.
          if (!/^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}$/.test(tenant)) ctx.addIssue({ code: "custom", message: `entry ${i + 1} must be tenant=key with a tenant name of letters, digits and _ . @ : -` });
          else if (key.length < 16) ctx.addIssue({ code: "custom", message: `entry ${i + 1} (tenant ${tenant}) needs a key of at least 16 characters` });
          else if (Object.values(out).includes(key)) ctx.addIssue({ code: "custom", message: `entry ${i + 1} (tenant ${tenant}) repeats another tenant's key` });
          else out[tenant] = key;
        });
        if (Object.keys(out).length === 0 && !ctx.issues?.length) ctx.addIssue({ code: "custom", message: "must list at least one tenant=key" });
        return out;
      })
      .optional(),
  ),
  /** JSON file where provider settings changed over HTTP are kept (mode 0600); with DATABASE_URL, PostgreSQL is used. */
  CONFIG_STORE_PATH: optionalString.transform((v) => v ?? ".data/providers.json"),
  /** Let provider URLs given over HTTP use plain http to loopback (development and tests only). */
  ALLOW_INSECURE_LOOPBACK_PROVIDERS: bool(false),
  /** Accept `system` and `assistant` messages from clients of the HTTP API (default: user messages only). */
  ALLOW_CLIENT_ROLES: bool(false),
  /** Largest request body the HTTP API accepts, in bytes. */
  SERVER_BODY_LIMIT_BYTES: int(65_536, 1_024),
  /** Credential checks (POST /api/providers/verify) allowed per client IP per window. */
  VERIFY_RATE_LIMIT_MAX: int(10, 1),
  /** Window of VERIFY_RATE_LIMIT_MAX, in ms. */
  VERIFY_RATE_LIMIT_WINDOW_MS: int(60_000, 1_000),
  /** Runs (POST /api/runs and /api/runs/stream) one client may start per window: per API key, else per client IP. */
  RUN_RATE_LIMIT_MAX: int(120, 1),
  /** Window of RUN_RATE_LIMIT_MAX, in ms. */
  RUN_RATE_LIMIT_WINDOW_MS: int(60_000, 1_000),
  /** Runs one client may have in flight at once (waiting in a queue counts); more get 503 with Retry-After. */
  RUN_CONCURRENCY_MAX: int(8, 1),
  /** What a run on a busy thread does by default: reject (409 thread_busy), enqueue (wait its turn), interrupt (stop the running one, keeping its steps) or rollback (stop it and drop its steps). */
  RUN_MULTITASK_STRATEGY: blankAsUnset(z.enum(MULTITASK_STRATEGIES, { error: `must be one of ${MULTITASK_STRATEGIES.join(", ")}` }).default("reject")),
  /** How long a run waits for its thread (its turn, or the stopped run's end) before it gets 409, in ms. */
  RUN_QUEUE_TIMEOUT_MS: int(120_000, 100),
  /** Most runs one server holds waiting for one thread; more get 429 queue_full. */
  RUN_QUEUE_MAX: int(10, 1),
  /** Most messages a thread may hold; a run on a fuller thread gets 409 (start a new thread). */
  THREAD_MAX_MESSAGES: int(500, 2),
  /** Most bytes of message text a thread may hold; a run on a bigger thread gets 409. */
  THREAD_MAX_BYTES: int(2_000_000, 1_024),
  /** Trust X-Forwarded-For for the client IP (only behind your own reverse proxy). */
  SERVER_TRUST_PROXY: bool(false),
  /** Host names (besides loopback ones) that requests may name in their Host header; comma-separated. */
  ALLOWED_HOSTS: blankAsUnset(
    z
      .string()
      .trim()
      .transform((v) => v.split(",").map((h) => h.trim().toLowerCase()).filter((h) => h !== ""))
      .pipe(
        z.array(
          z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$|^\[[0-9a-f:.]+\]$/, {
            error: "each entry must be a host name or an IP address (no port, no scheme)",
          }),
        ),
      )
      .optional(),
  ).transform((v) => v ?? []),
});

/** Parsed environment, before it is shaped into `AppConfig`. */
export type Env = z.output<typeof envSchema>;

/** Names of the variables whose values are secrets and must never be printed. */
export const SECRET_ENV_VARS = [
  "AI_GATEWAY_CLIENT_SECRET",
  // May hold a subscription key or another credential.
  "AI_GATEWAY_HEADERS",
  "AI_GATEWAY_API_KEY",
  ...providerSecretVars(FALLBACK_PROVIDER_ENV),
  // Holds the database password.
  "DATABASE_URL",
  "ADMIN_API_KEY",
  "API_KEY",
  "API_TENANT_KEYS",
  // The collector's credentials (an API key header, say).
  "OTEL_EXPORTER_OTLP_HEADERS",
  "LANGSMITH_API_KEY",
] as const;
