/**
 * JWT client assertions at the emulator's token endpoint (RFC 7523 §2.2 and §3, as used by
 * OpenID Connect's private_key_jwt and client_secret_jwt): the signature is checked with a
 * registered public key (RS*, PS*, ES*, EdDSA) or with the client secret (HS256/384/512), then
 * iss = sub = the client id, aud names the token endpoint or the issuer, the time claims hold,
 * and a jti is accepted only once. Plain node:crypto, so the emulator needs no JOSE library.
 */
import { createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject, type JsonWebKey } from "node:crypto";

/** The assertion type RFC 7523 registers. */
export const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** A public key registered for private_key_jwt: PEM text, a JWK, or a KeyObject. */
export type RegisteredClientKey = string | JsonWebKey | KeyObject;

/** What an assertion is checked against. */
export interface AssertionExpectations {
  clientId: string;
  clientSecret: string;
  /** Registered public keys (private_key_jwt). */
  publicKeys: readonly { key: KeyObject; kid?: string }[];
  /** Values `aud` may hold: the token endpoint URL and the issuer. */
  audiences: readonly string[];
  /** jti values already used, with their expiry (ms), shared across requests. */
  seenJti: Map<string, number>;
  now?: () => number;
}

/** The method an accepted assertion authenticated with. */
export type AssertionMethod = "private_key_jwt" | "client_secret_jwt";

/** An accepted assertion, or why it was refused (an OAuth2 error description). */
export type AssertionResult = { ok: true; method: AssertionMethod } | { ok: false; reason: string };

/** Turns a registered key into a KeyObject (and its kid, for JWKs). */
export function toRegisteredKey(key: RegisteredClientKey): { key: KeyObject; kid?: string } {
  if (typeof key === "string") return { key: createPublicKey(key) };
  if ("asymmetricKeyType" in key && typeof (key as KeyObject).export === "function") return { key: key as KeyObject };
  const jwk = key as JsonWebKey;
  // A private JWK registered by mistake still yields only its public half.
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicPart } = jwk;
  return { key: createPublicKey({ key: publicPart, format: "jwk" }), kid: typeof jwk.kid === "string" ? jwk.kid : undefined };
}

const CLOCK_SKEW_S = 60;

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function verifySignature(alg: string, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  const bits = alg.slice(2);
  try {
    if (alg === "EdDSA" || alg === "Ed25519") return key.asymmetricKeyType === "ed25519" && verify(null, data, key, signature);
    if (/^RS(256|384|512)$/.test(alg)) return key.asymmetricKeyType === "rsa" && verify(`sha${bits}`, data, key, signature);
    if (/^PS(256|384|512)$/.test(alg)) {
      return verify(`sha${bits}`, data, { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: Number(bits) / 8 }, signature);
    }
    if (/^ES(256|384|512)$/.test(alg)) {
      const curve = { "256": "prime256v1", "384": "secp384r1", "512": "secp521r1" }[bits];
      const hash = bits === "512" ? "sha512" : `sha${bits}`;
      return key.asymmetricKeyDetails?.namedCurve === curve && verify(hash, data, { key, dsaEncoding: "ieee-p1363" }, signature);
    }
  } catch {
    return false;
  }
  return false;
}

/** Checks one client assertion; see the file comment. */
export function checkClientAssertion(assertion: string, expected: AssertionExpectations): AssertionResult {
  const parts = assertion.split(".");
  if (parts.length !== 3) return { ok: false, reason: "client_assertion is not a signed JWT." };
  const header = decodePart(parts[0]);
  const claims = decodePart(parts[1]);
  if (!header || !claims) return { ok: false, reason: "client_assertion has an undecodable header or payload." };
  const alg = typeof header.alg === "string" ? header.alg : "";
  const data = Buffer.from(`${parts[0]}.${parts[1]}`, "ascii");
  const signature = Buffer.from(parts[2], "base64url");
  let method: AssertionMethod;
  if (/^HS(256|384|512)$/.test(alg)) {
    const mac = createHmac(`sha${alg.slice(2)}`, expected.clientSecret).update(data).digest();
    if (mac.length !== signature.length || !timingSafeEqual(mac, signature)) return { ok: false, reason: "client_assertion signature does not match the client secret." };
    method = "client_secret_jwt";
  } else {
    const kid = typeof header.kid === "string" ? header.kid : undefined;
    const candidates = expected.publicKeys.filter((k) => kid === undefined || k.kid === undefined || k.kid === kid);
    if (candidates.length === 0) return { ok: false, reason: `no public key is registered for this client${kid ? ` with kid '${kid}'` : ""}.` };
    if (!candidates.some((k) => verifySignature(alg, k.key, data, signature))) {
      return { ok: false, reason: `client_assertion signature (${alg || "no alg"}) does not verify with the registered public key.` };
    }
    method = "private_key_jwt";
  }
  if (claims.iss !== expected.clientId || claims.sub !== expected.clientId) return { ok: false, reason: "client_assertion iss and sub must both be the client id." };
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.some((a) => typeof a === "string" && expected.audiences.includes(a))) {
    return { ok: false, reason: `client_assertion aud must name this token endpoint (${expected.audiences.join(" or ")}).` };
  }
  const nowS = Math.floor((expected.now ?? Date.now)() / 1000);
  if (typeof claims.exp !== "number" || claims.exp + CLOCK_SKEW_S < nowS) return { ok: false, reason: "client_assertion is expired or has no exp." };
  if (typeof claims.nbf === "number" && claims.nbf - CLOCK_SKEW_S > nowS) return { ok: false, reason: "client_assertion is not valid yet (nbf)." };
  if (typeof claims.jti !== "string" || claims.jti === "") return { ok: false, reason: "client_assertion has no jti." };
  for (const [jti, until] of expected.seenJti) if (until < nowS) expected.seenJti.delete(jti);
  if (expected.seenJti.has(claims.jti)) return { ok: false, reason: "client_assertion jti was already used (replay)." };
  expected.seenJti.set(claims.jti, claims.exp + CLOCK_SKEW_S);
  return { ok: true, method };
}
