/** The emulator's check of JWT client assertions (RFC 7523): signature, claims, audience and replay. */
import { createHmac, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkClientAssertion, toRegisteredKey, type AssertionExpectations } from "../../src/emulator/client_assertion.js";

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
const now = 1_700_000_000;
const claims = (over: Record<string, unknown> = {}) => ({ iss: "client-1", sub: "client-1", aud: "https://gw/oauth2/token", iat: now, exp: now + 60, jti: `jti-${Math.random()}`, ...over });

function es256(key: KeyObject, payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${b64({ alg: "ES256", ...header })}.${b64(payload)}`;
  return `${input}.${sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
}

function hs256(secret: string, payload: Record<string, unknown>): string {
  const input = `${b64({ alg: "HS256" })}.${b64(payload)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
const expectations = (over: Partial<AssertionExpectations> = {}): AssertionExpectations => ({
  clientId: "client-1",
  clientSecret: "the-secret",
  publicKeys: [{ ...toRegisteredKey(pair.publicKey.export({ format: "jwk" })), kid: "k1" }],
  audiences: ["https://gw/oauth2/token", "https://gw"],
  seenJti: new Map(),
  now: () => now * 1000,
  ...over,
});

describe("checkClientAssertion", () => {
  it("accepts a private_key_jwt assertion signed by the registered key, once per jti", () => {
    const exp = expectations();
    const assertion = es256(pair.privateKey, claims({ jti: "once" }), { kid: "k1" });
    expect(checkClientAssertion(assertion, exp)).toEqual({ ok: true, method: "private_key_jwt" });
    expect(checkClientAssertion(assertion, exp)).toMatchObject({ ok: false, reason: expect.stringMatching(/replay/) });
  });

  it("accepts a client_secret_jwt assertion made with the secret", () => {
    expect(checkClientAssertion(hs256("the-secret", claims()), expectations())).toEqual({ ok: true, method: "client_secret_jwt" });
    expect(checkClientAssertion(hs256("a-wrong-secret", claims()), expectations())).toMatchObject({ ok: false });
  });

  it.each([
    ["another key", () => es256(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey, claims())],
    ["an unknown kid", () => es256(pair.privateKey, claims(), { kid: "k2" })],
    ["a wrong issuer", () => es256(pair.privateKey, claims({ iss: "someone" }))],
    ["another audience", () => es256(pair.privateKey, claims({ aud: "https://elsewhere/token" }))],
    ["an expired assertion", () => es256(pair.privateKey, claims({ exp: now - 600 }))],
    ["no jti", () => es256(pair.privateKey, claims({ jti: undefined }))],
    ["a tampered payload", () => es256(pair.privateKey, claims()).replace(/\.[^.]+\./, `.${b64(claims({ sub: "client-1", extra: 1 }))}.`)],
    ["alg none", () => `${b64({ alg: "none" })}.${b64(claims())}.`],
  ])("refuses %s", (_label, make) => {
    expect(checkClientAssertion(make(), expectations()).ok).toBe(false);
  });
});
