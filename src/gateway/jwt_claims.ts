/**
 * Reads the claims of a JWT access token without verifying it. Only for facts the client may
 * show or plan with (expiry, audience): the gateway, not this client, verifies tokens.
 */

/** The claims this project reads from an access token. */
export interface AccessTokenClaims {
  /** `aud`: who the token is for. */
  audience?: string | string[];
  /** `exp` in ms since the epoch. */
  expiresAt?: number;
  /** `scp` or `scope`, as the identity provider wrote it. */
  scope?: string;
}

/** The claims of `token` when it is a JWS-compact JWT with a JSON payload; else undefined. */
export function readJwtClaims(token: string): AccessTokenClaims | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1])) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return undefined;
  const p = payload as { aud?: unknown; exp?: unknown; scp?: unknown; scope?: unknown };
  const claims: AccessTokenClaims = {};
  if (typeof p.aud === "string") claims.audience = p.aud;
  else if (Array.isArray(p.aud) && p.aud.every((a) => typeof a === "string")) claims.audience = p.aud as string[];
  if (typeof p.exp === "number" && Number.isFinite(p.exp)) claims.expiresAt = p.exp * 1000;
  const scope = Array.isArray(p.scp) ? p.scp.filter((s) => typeof s === "string").join(" ") : typeof p.scp === "string" ? p.scp : p.scope;
  if (typeof scope === "string" && scope !== "") claims.scope = scope;
  return claims;
}
