import * as crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";

// Spy on the real timingSafeEqual, to see what the comparison is built from.
vi.mock("node:crypto", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:crypto")>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

const { safeEqual } = await import("../../src/server/auth.js");

describe("safeEqual (constant-time by construction)", () => {
  it("accepts the same key and rejects a different one", () => {
    expect(safeEqual("admin-key-0123456789", "admin-key-0123456789")).toBe(true);
    expect(safeEqual("admin-key-0123456789", "admin-key-0123456788")).toBe(false);
  });

  it("rejects keys of other lengths without throwing (timingSafeEqual alone would throw)", () => {
    expect(() => crypto.timingSafeEqual(Buffer.from("a"), Buffer.from("ab"))).toThrow();
    for (const presented of ["", "a", "admin-key", "admin-key-0123456789-and-more", "x".repeat(10_000), "ключ-ключ-ключ-ключ"]) {
      expect(safeEqual(presented, "admin-key-0123456789")).toBe(false);
    }
  });

  it("compares two 32-byte SHA-256 digests with crypto.timingSafeEqual", () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    safeEqual("short", "a-much-longer-expected-key");
    expect(spy).toHaveBeenCalledTimes(1);
    const [a, b] = spy.mock.calls[0] as [Buffer, Buffer];
    expect(a.length).toBe(32);
    expect(b.length).toBe(32);
    expect(Buffer.from(a).equals(crypto.createHash("sha256").update("short").digest())).toBe(true);
  });
});
