/**
 * The OAuth2 side of the emulator: client authentication (client_secret_basic,
 * client_secret_post, client_secret_jwt and private_key_jwt assertions, and tls_client_auth
 * when the server runs TLS with client certificates), the client-credentials token endpoint
 * and the store of issued opaque bearer tokens that the API routes check.
 */
import { randomBytes, timingSafeEqual, type KeyObject } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { checkClientAssertion, JWT_BEARER_ASSERTION, type AssertionMethod } from "./client_assertion.js";
import type { FaultPlan, FaultSpec } from "./faults.js";
import { BodyTooLargeError, readBody, sendJson, sleep } from "./http_util.js";

/** Result of checking a bearer token. */
export type TokenStatus = "valid" | "unknown" | "expired";

/** Issued access tokens and their expiry instants. */
export class TokenStore {
  private readonly tokens = new Map<string, number>();

  /** Issues a fresh opaque token valid for `ttlSeconds`. */
  issue(ttlSeconds: number): string {
    this.prune();
    const token = randomBytes(32).toString("base64url");
    this.tokens.set(token, Date.now() + ttlSeconds * 1000);
    return token;
  }

  /** Whether a presented token is known and unexpired. */
  check(token: string): TokenStatus {
    const expiresAt = this.tokens.get(token);
    if (expiresAt === undefined) return "unknown";
    return Date.now() < expiresAt ? "valid" : "expired";
  }

  /** Forgets every token, as if the authorization server rotated its keys. */
  revokeAll(): void {
    this.tokens.clear();
  }

  // Long benchmark runs issue many tokens; drop the expired ones now and then.
  private prune(): void {
    if (this.tokens.size < 1000) return;
    const now = Date.now();
    for (const [token, expiresAt] of this.tokens) if (expiresAt <= now) this.tokens.delete(token);
  }
}

/** Client credentials presented by a token request. */
export interface PresentedCredentials {
  clientId: string;
  clientSecret: string;
  method: "client_secret_basic" | "client_secret_post";
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64; tolerate clients that skip it. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return value;
  }
}

/** Credentials from an `Authorization: Basic` header, else from the form body; undefined if none. */
export function presentedCredentials(authorization: string | undefined, form: URLSearchParams): PresentedCredentials | undefined {
  const match = /^basic\s+(.+)$/i.exec(authorization?.trim() ?? "");
  if (match) {
    const decoded = Buffer.from(match[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return undefined;
    return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)), method: "client_secret_basic" };
  }
  const clientId = form.get("client_id");
  const clientSecret = form.get("client_secret");
  if (clientId === null || clientSecret === null) return undefined;
  return { clientId, clientSecret, method: "client_secret_post" };
}

/** Constant-time string comparison, so the emulator does not model a timing oracle. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Every client authentication method the emulator can verify. */
export type EmulatorAuthMethod = PresentedCredentials["method"] | AssertionMethod | "tls_client_auth";

/** What the token endpoint needs from the server. */
export interface TokenEndpointContext {
  clientId: string;
  clientSecret: string;
  /** Public keys registered for private_key_jwt. */
  publicKeys: readonly { key: KeyObject; kid?: string }[];
  /** Values a client assertion's `aud` may hold (token endpoint URL, issuer). */
  audiences: readonly string[];
  /** jti values seen, for replay detection. */
  seenJti: Map<string, number>;
  /** Counts a successful client authentication by method. */
  countAuthMethod(method: EmulatorAuthMethod): void;
  ttlSeconds: number;
  omitExpiresIn: boolean;
  store: TokenStore;
  faults: FaultPlan;
  isDown(): boolean;
  slowHeadersMs: number;
  retryAfterSeconds: number;
  signal: AbortSignal;
  headerFault: FaultSpec["kind"] | undefined;
  countFault(kind: string): void;
  countUnauthorized(): void;
}

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

function oauthError(res: ServerResponse, status: number, error: string, description: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error, error_description: description }, { ...NO_STORE, ...headers });
}

/** Applies a fault to a token request; returns true when the request was answered (or dropped). */
async function applyTokenFault(req: IncomingMessage, res: ServerResponse, ctx: TokenEndpointContext): Promise<boolean> {
  const fault = ctx.faults.nextForToken(ctx.headerFault);
  if (!fault) return false;
  switch (fault.kind) {
    case "token-endpoint-down":
    case "500":
    case "502":
    case "503": {
      ctx.countFault(fault.kind);
      const status = fault.status ?? (fault.kind === "token-endpoint-down" ? 503 : Number(fault.kind));
      const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {};
      oauthError(res, status, "temporarily_unavailable", `The token endpoint is unavailable (simulated ${fault.kind} fault).`, headers);
      return true;
    }
    case "429":
      ctx.countFault(fault.kind);
      oauthError(res, fault.status ?? 429, "temporarily_unavailable", "Too many token requests (simulated 429 fault).", {
        "retry-after": String(fault.retryAfterSeconds ?? ctx.retryAfterSeconds),
      });
      return true;
    case "reset":
      ctx.countFault(fault.kind);
      req.socket.destroy();
      return true;
    case "slow-headers":
      ctx.countFault(fault.kind);
      return !(await sleep(ctx.slowHeadersMs, ctx.signal));
    default:
      // Stream faults mean nothing for a token request.
      return false;
  }
}

/** POST /oauth2/token: the client-credentials grant. */
export async function handleTokenRequest(req: IncomingMessage, res: ServerResponse, ctx: TokenEndpointContext): Promise<void> {
  let raw: Buffer;
  try {
    raw = await readBody(req);
  } catch (err) {
    if (err instanceof BodyTooLargeError) oauthError(res, 413, "invalid_request", "Request body too large.", { connection: "close" });
    return;
  }
  if (ctx.isDown()) {
    oauthError(res, 503, "temporarily_unavailable", "The token endpoint is down (simulated by the emulator).");
    return;
  }
  if (await applyTokenFault(req, res, ctx)) return;

  const contentType = (req.headers["content-type"] ?? "").toLowerCase();
  if (!contentType.startsWith("application/x-www-form-urlencoded")) {
    oauthError(res, 400, "invalid_request", "The token request must be sent as application/x-www-form-urlencoded.");
    return;
  }
  const form = new URLSearchParams(raw.toString("utf8"));
  const auth = authenticateClient(req, form, ctx);
  if (!auth.ok) {
    ctx.countUnauthorized();
    oauthError(res, 401, "invalid_client", `Client authentication failed: ${auth.reason}`, {
      "www-authenticate": 'Basic realm="ai-gateway-emulator"',
    });
    return;
  }
  ctx.countAuthMethod(auth.method);
  const grantType = form.get("grant_type");
  if (grantType === null) {
    oauthError(res, 400, "invalid_request", "Missing grant_type.");
    return;
  }
  if (grantType !== "client_credentials") {
    oauthError(res, 400, "unsupported_grant_type", `Grant type '${grantType}' is not supported; use client_credentials.`);
    return;
  }
  const body: Record<string, unknown> = { access_token: ctx.store.issue(ctx.ttlSeconds), token_type: "Bearer" };
  // OAuth says integer seconds; fractional TTLs (handy in tests) are rounded up on the wire.
  if (!ctx.omitExpiresIn) body.expires_in = Math.ceil(ctx.ttlSeconds);
  const scope = form.get("scope");
  if (scope !== null && scope !== "") body.scope = scope;
  sendJson(res, 200, body, NO_STORE);
}

/** Which client authenticated, and how; or why it did not. */
type ClientAuthResult = { ok: true; method: EmulatorAuthMethod } | { ok: false; reason: string };

/**
 * Authenticates the client of a token request: a JWT assertion, else HTTP Basic or form
 * credentials, else (on a TLS server) a client certificate that the client CA verified.
 */
function authenticateClient(req: IncomingMessage, form: URLSearchParams, ctx: TokenEndpointContext): ClientAuthResult {
  const assertionType = form.get("client_assertion_type");
  if (assertionType !== null) {
    const assertion = form.get("client_assertion");
    if (assertionType !== JWT_BEARER_ASSERTION || !assertion) return { ok: false, reason: `client_assertion_type must be ${JWT_BEARER_ASSERTION} with a client_assertion.` };
    const named = form.get("client_id");
    if (named !== null && !safeEqual(named, ctx.clientId)) return { ok: false, reason: "unknown client." };
    const checked = checkClientAssertion(assertion, {
      clientId: ctx.clientId,
      clientSecret: ctx.clientSecret,
      publicKeys: ctx.publicKeys,
      audiences: ctx.audiences,
      seenJti: ctx.seenJti,
    });
    return checked.ok ? { ok: true, method: checked.method } : checked;
  }
  const presented = presentedCredentials(req.headers.authorization, form);
  if (presented) {
    if (!safeEqual(presented.clientId, ctx.clientId) || !safeEqual(presented.clientSecret, ctx.clientSecret)) return { ok: false, reason: "unknown client or wrong secret." };
    return { ok: true, method: presented.method };
  }
  const clientId = form.get("client_id");
  const socket = req.socket as Partial<TLSSocket>;
  if (clientId !== null && socket.encrypted && socket.authorized) {
    // The TLS layer has already checked the certificate against the client CA.
    if (!safeEqual(clientId, ctx.clientId)) return { ok: false, reason: "unknown client." };
    return { ok: true, method: "tls_client_auth" };
  }
  return { ok: false, reason: "no client credentials (use HTTP Basic, client_id/client_secret in the body, a client_assertion, or a client certificate)." };
}
