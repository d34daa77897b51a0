/**
 * Public types and constants of the local AI-gateway emulator. Kept apart from the
 * server so that tests, benchmarks and the CLI can import them without side effects.
 */
import type { RegisteredClientKey } from "./client_assertion.js";

/** Every fault the emulator can inject; see faults.ts for the observable effect of each. */
export type FaultKind =
  | "429"
  | "500"
  | "502"
  | "503"
  | "reset"
  | "slow-headers"
  | "stall"
  | "cut-before-first-token"
  | "cut-after-first-token"
  | "malformed-chunk"
  | "token-endpoint-down";

/** Options of `startEmulator`; every field is optional and has a documented default. */
export interface EmulatorOptions {
  /** Interface to bind; default "127.0.0.1" (loopback only: the control plane has no auth). */
  host?: string;
  /** Port to bind; default 0, i.e. an ephemeral port chosen by the OS. */
  port?: number;
  /** OAuth2 client id accepted by the token endpoint; default "emulator-client". */
  clientId?: string;
  /** OAuth2 client secret; default random per start so tests can prove it never leaks. */
  clientSecret?: string;
  /** Lifetime of issued access tokens in seconds; default 3600. */
  tokenTtlSeconds?: number;
  /** Leave `expires_in` out of token responses, to exercise a client's default lifetime. */
  omitExpiresIn?: boolean;
  /** Model ids served by `/v1/models` and accepted by chat; default DEFAULT_MODELS. */
  models?: string[];
  /** Simulated latency: before the first chunk / JSON body, and between streamed tokens. */
  latency?: { ttftMs?: number; perTokenMs?: number };
  /** Probability (0..1) that a valid chat request gets a random fault from `faultKinds`. */
  faultRate?: number;
  /** Seed of the PRNG that draws random faults, so a run is reproducible; default 1. */
  faultSeed?: number;
  /** Kinds random faults draw from; default TRANSIENT_FAULT_KINDS. */
  faultKinds?: FaultKind[];
  /** Retry-After (seconds) on injected 429s; default 1. */
  retryAfterSeconds?: number;
  /** Delay before the response headers for "slow-headers"; default 2000 ms. */
  slowHeadersMs?: number;
  /** After this many ms a "stall" gives up by destroying the socket; default: stall until the client closes. */
  stallMs?: number;
  /** Static bearer keys accepted besides OAuth2 tokens, so plain `apiKey` clients can be pointed here. */
  staticApiKeys?: string[];
  /**
   * Token the HTTP control plane (`/_emulator/*`) requires in `x-emulator-token`; default a
   * random one (see `EmulatorHandle.controlToken`), so a web page on this machine cannot script it.
   */
  controlToken?: string;
  /**
   * False answers every chat completion with one JSON body, streaming requests included, as a
   * gateway without server-sent events does; default true.
   */
  sse?: boolean;
  /** Public keys (PEM, JWK or KeyObject) registered for private_key_jwt client assertions; client_secret_jwt uses the secret. */
  clientPublicKeys?: RegisteredClientKey[];
  /**
   * Serve https with this certificate and key (PEM text). With `clientCa`, every connection must
   * present a client certificate signed by that CA (mTLS), and tls_client_auth is accepted.
   */
  tls?: { cert: string; key: string; clientCa?: string };
  /**
   * OAuth2 metadata the emulator publishes for its issuer (`baseUrl` + `path`): RFC 8414
   * `oauth-authorization-server` and/or OpenID `openid-configuration` (default both, no path).
   */
  issuerMetadata?: { documents?: ("oauth-authorization-server" | "openid-configuration")[]; path?: string };
}

/** One API request as the emulator saw it (the last 200 under /v1 are kept); credentials left out. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** Request headers, lower-case names, without authorization and cookie. */
  headers: Record<string, string>;
}

/** A canned answer for exactly one chat completion, overriding the simulated model. */
export interface ScriptedResponse {
  content?: string;
  toolCalls?: { id?: string; name: string; arguments: string }[];
  finishReason?: "stop" | "length" | "tool_calls";
  usage?: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number; reasoning_tokens?: number };
}

/** Counters of what the emulator saw since start or the last reset. */
export interface EmulatorStats {
  tokenRequests: number;
  chatRequests: number;
  modelRequests: number;
  faultsInjected: number;
  faultsByKind: Record<string, number>;
  openConnections: number;
  clientAbortedStreams: number;
  unauthorized: number;
  /** Successful token-endpoint client authentications, by method (client_secret_basic, private_key_jwt, ...). */
  authMethods: Record<string, number>;
  /** Requests for issuer metadata, by well-known path (answered or 404). */
  metadataRequests: Record<string, number>;
  /** TLS handshakes the server refused (e.g. no or an untrusted client certificate), in TLS mode. */
  tlsHandshakeFailures: number;
}

/** Options of an enqueued fault. */
export interface EnqueueFaultOptions {
  /** Retry-After in seconds (429, or any error fault when given explicitly). */
  retryAfterSeconds?: number;
  /** Adds a `retry-after-ms` header (the OpenAI client prefers it over Retry-After). */
  retryAfterMs?: number;
  /** Overrides the HTTP status of an error fault (e.g. "500" answered as 504). */
  status?: number;
}

/** A running emulator. */
export interface EmulatorHandle {
  /** Origin, e.g. "http://127.0.0.1:43123" (the gateway "base URL"). */
  baseUrl: string;
  /** `baseUrl + "/v1"`: what the openai client and ChatOpenAI use as baseURL. */
  apiUrl: string;
  /** `baseUrl + "/oauth2/token"`. */
  tokenUrl: string;
  /** The issuer identifier its metadata names: `baseUrl` plus `issuerMetadata.path`. */
  issuer: string;
  /** Client id the token endpoint accepts. */
  clientId: string;
  /** Client secret the token endpoint accepts. */
  clientSecret: string;
  /** What the HTTP control plane requires in the `x-emulator-token` header. */
  controlToken: string;
  /** Snapshot copy of the counters. */
  stats(): EmulatorStats;
  /** Zeroes the counters (openConnections keeps tracking live sockets). */
  resetStats(): void;
  /** The next chat completion (stream or not) answers exactly this; FIFO. */
  enqueueResponse(r: ScriptedResponse): void;
  /** The next matching request gets this fault; FIFO. "token-endpoint-down" targets token requests, others chat. */
  enqueueFault(kind: FaultKind, opts?: EnqueueFaultOptions): void;
  /** While down, the token endpoint answers 503. */
  setTokenEndpointDown(down: boolean): void;
  /** Forgets every issued token, so they all get 401 invalid_token. */
  revokeAllTokens(): void;
  /** The API requests received (oldest first, at most 200), so tests can see the headers that arrived. */
  requests(): RecordedRequest[];
  /** Closes the server and destroys open sockets (stalled streams included). */
  close(): Promise<void>;
}

/** Model ids served by default: chat models plus non-chat ones, so model discovery has something to filter. */
export const DEFAULT_MODELS: readonly string[] = [
  "gpt-5.1",
  "gpt-5.1-chat-latest",
  "gpt-5-mini",
  "gpt-5-nano",
  "gpt-5",
  "gpt-4.1",
  "gpt-4.1-mini",
  "gpt-4o-mini",
  "o4-mini",
  "text-embedding-3-small",
  "text-embedding-3-large",
  "whisper-1",
  "tts-1",
  "dall-e-3",
  "gpt-image-1",
  "omni-moderation-latest",
];

/** Every FaultKind, for validating header and control-plane input. */
export const FAULT_KINDS: readonly FaultKind[] = [
  "429",
  "500",
  "502",
  "503",
  "reset",
  "slow-headers",
  "stall",
  "cut-before-first-token",
  "cut-after-first-token",
  "malformed-chunk",
  "token-endpoint-down",
];

/** Faults a well-behaved client should survive by retrying; the default pool for random faults. */
export const TRANSIENT_FAULT_KINDS: readonly FaultKind[] = [
  "429",
  "500",
  "502",
  "503",
  "reset",
  "slow-headers",
  "cut-before-first-token",
];
