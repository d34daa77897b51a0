/**
 * What `verifyCredentials()` tells about the token it fetched: how it was obtained (the token
 * source's own account) and, for a JWT access token, its claims read without verification.
 * The token itself never leaves this function.
 */
import { readJwtClaims } from "./jwt_claims.js";
import type { TokenProvider } from "./token_source.js";

/** What verify tells about the credentials: method, discovery, scope, expiry, audience. */
export interface VerifyTokenDetails {
  /** `client_secret_basic`, `private_key_jwt`, ..., `api_key` or `token_provider`. */
  authMethod: string;
  tokenEndpoint?: string;
  /** The issuer metadata document used (`oauth-authorization-server` or `openid-configuration`) and its URL. */
  discovery?: { document: string; url: string };
  /** Scope granted by the token endpoint (or, for a JWT, its `scp`/`scope` claim). */
  grantedScope?: string;
  /** Scope asked for (AI_GATEWAY_SCOPE). */
  requestedScope?: string;
  /** Expiry of the token, ISO 8601. */
  expiresAt?: string;
  /** `aud` of a JWT access token, decoded without verification. */
  audience?: string | string[];
}

/** The details of `token` from `tokens`; undefined when the provider cannot say how it got it. */
export function verifyTokenDetails(tokens: TokenProvider, token: string | undefined): VerifyTokenDetails | undefined {
  const info = tokens.info?.();
  if (!info) return undefined;
  const claims = token ? readJwtClaims(token) : undefined;
  const expiresAt = info.expiresAt ?? claims?.expiresAt;
  return {
    authMethod: info.authMethod,
    tokenEndpoint: info.tokenEndpoint,
    discovery: info.discovery,
    grantedScope: info.grantedScope ?? claims?.scope,
    requestedScope: info.requestedScope,
    expiresAt: expiresAt !== undefined ? new Date(expiresAt).toISOString() : undefined,
    audience: claims?.audience,
  };
}
