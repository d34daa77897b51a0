/** FunctionTokenProvider: how a caller's token function's results are cached, refreshed and expired. */
import { describe, expect, it } from "vitest";
import { FunctionTokenProvider, readJwtClaims, type TokenFunctionResult } from "../../src/gateway/index.js";

/** A provider over `results` with a hand-driven clock. */
function provider(results: (now: number) => TokenFunctionResult, options: { refreshMarginS?: number; defaultTtlS?: number } = {}) {
  let now = 1_700_000_000_000;
  const p = new FunctionTokenProvider(async () => results(now), { ...options, redactSecrets: false, now: () => now });
  return { p, advance: (ms: number) => (now += ms) };
}

const jwtWithExp = (expS: number) => `e30.${Buffer.from(JSON.stringify({ exp: expS, aud: ["a", "b"], scp: ["x", "y"] })).toString("base64url")}.sig`;

describe("FunctionTokenProvider", () => {
  it("reuses an { token, expiresAt } result until the refresh margin, refreshes in the background, then waits after expiry", async () => {
    let n = 0;
    const t = provider((now) => ({ token: `token-${++n}`, expiresAt: now + 100_000 }), { refreshMarginS: 10 });
    expect(await t.p.getToken()).toBe("token-1");
    t.advance(89_000);
    expect(await t.p.getToken()).toBe("token-1");
    expect(t.p.calls).toBe(1);
    t.advance(2_000); // inside the margin: still valid, one background refresh
    expect(await t.p.getToken()).toBe("token-1");
    await expect.poll(() => t.p.calls).toBe(2);
    expect(await t.p.getToken()).toBe("token-2");
  });

  it("reads expiresAt as a Date, as ms, or as seconds when the number is that small", async () => {
    for (const make of [(now: number) => new Date(now + 50_000), (now: number) => now + 50_000, (now: number) => Math.floor((now + 50_000) / 1000)]) {
      let n = 0;
      const t = provider((now) => ({ token: `t${++n}`, expiresAt: make(now) }), { refreshMarginS: 0 });
      await t.p.getToken();
      t.advance(49_000);
      await t.p.getToken();
      expect(t.p.calls).toBe(1);
      t.advance(2_000);
      expect(await t.p.getToken()).toBe("t2");
    }
  });

  it("takes a plain string's expiry from its JWT exp, else the default lifetime", async () => {
    const t = provider((now) => jwtWithExp(Math.floor(now / 1000) + 30), { refreshMarginS: 0, defaultTtlS: 300 });
    await t.p.getToken();
    t.advance(31_000);
    await t.p.getToken();
    expect(t.p.calls).toBe(2);

    let n = 0;
    const opaque = provider(() => `opaque-${++n}`, { refreshMarginS: 0, defaultTtlS: 300 });
    await opaque.p.getToken();
    opaque.advance(299_000);
    expect(await opaque.p.getToken()).toBe("opaque-1");
    opaque.advance(2_000);
    expect(await opaque.p.getToken()).toBe("opaque-2");
  });

  it("asks again after invalidate (a 401), but not for a token it no longer holds", async () => {
    let n = 0;
    const t = provider(() => `tok-${++n}`);
    const first = await t.p.getToken();
    t.p.invalidate("some-other-token");
    expect(await t.p.getToken()).toBe(first);
    t.p.invalidate(first);
    expect(await t.p.getToken()).toBe("tok-2");
    expect(t.p.calls).toBe(2);
  });

  it("calls the function once for concurrent callers", async () => {
    let n = 0;
    const p = new FunctionTokenProvider(async () => {
      await new Promise((r) => setTimeout(r, 5));
      return `c-${++n}`;
    }, { redactSecrets: false });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => p.getToken()));
    expect(new Set(tokens)).toEqual(new Set(["c-1"]));
    expect(p.calls).toBe(1);
  });

  it("rejects an empty result as a typed error", async () => {
    const p = new FunctionTokenProvider(async () => ({ token: "" }), { redactSecrets: false });
    await expect(p.getToken()).rejects.toMatchObject({ name: "AIGatewayAuthError", code: "token_provider_failed" });
  });

  it("a function that throws gives a typed error without the function's own message, as text or as its cause", async () => {
    const p = new FunctionTokenProvider(async () => {
      throw new Error("login failed for secret-password-123");
    }, { redactSecrets: false });
    const err = (await p.getToken().catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ name: "AIGatewayAuthError", code: "token_provider_failed" });
    expect(err.message).not.toContain("secret-password-123");
    expect(err.cause).toBeUndefined();
  });
});

describe("readJwtClaims", () => {
  it("reads aud, exp and scp without verifying, and ignores what is not a JWT", () => {
    expect(readJwtClaims(jwtWithExp(2_000_000_000))).toEqual({ audience: ["a", "b"], expiresAt: 2_000_000_000_000, scope: "x y" });
    expect(readJwtClaims("opaque-token")).toBeUndefined();
    expect(readJwtClaims("a.bm90IGpzb24.c")).toBeUndefined();
  });
});
