/**
 * A gateway that accepts connections and never answers (a half-up VPN), with an
 * OpenAI-compatible fallback (an emulator reached through OPENAI_BASE_URL). A call goes to the
 * fallback once the gateway has sent nothing for AI_GATEWAY_FIRST_BYTE_TIMEOUT_MS, without
 * asking the stalled host again; ten calls in flight open the breaker once; later calls skip
 * the gateway while it is open. Without a fallback the call waits the whole headers timeout,
 * once: a timeout at least as long as the first-byte budget is a stall and is not retried.
 * Timings are bounds far from the 30 s headers timeout, not tight measurements.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { AIGatewayTimeoutError } from "../../src/gateway/index.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import { captureEvents } from "../reliability/helpers.js";
import { emulator, silentLogger } from "../helpers/gateway.js";

const KEY = `sk-fallback-${randomBytes(8).toString("hex")}`;
const FIRST_BYTE_MS = 300;
const HEADERS_MS = 30_000;

/** A TCP listener that takes every connection and never says a word. */
interface BlackHole {
  url: string;
  /** Requests sent to it: connections that carried bytes (undici may also open a spare one after an abort). */
  requests(): number;
  close(): Promise<void>;
}

async function blackHole(): Promise<BlackHole> {
  const sockets = new Set<Socket>();
  let requests = 0;
  const server: Server = createServer((socket) => {
    socket.once("data", () => requests++);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let hole: BlackHole;
let fallback: EmulatorHandle;
beforeAll(async () => {
  hole = await blackHole();
  fallback = await emulator({ staticApiKeys: [KEY] });
});
afterAll(async () => {
  await hole.close();
  await fallback.close();
});

function registry(extra: Record<string, string> = {}, logger = silentLogger, withFallback = true) {
  return ProviderRegistry.create({
    env: {
      AI_GATEWAY_BASE_URL: hole.url,
      AI_GATEWAY_API_KEY: "gateway-static-key-0123456789",
      AI_GATEWAY_FIRST_BYTE_TIMEOUT_MS: String(FIRST_BYTE_MS),
      AI_GATEWAY_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
      AI_GATEWAY_RETRY_BASE_DELAY_MS: "10",
      BREAKER_FAILURES: "3",
      BREAKER_COOLDOWN_MS: "60000",
      ...(withFallback ? { OPENAI_BASE_URL: fallback.apiUrl, OPENAI_API_KEY: KEY, PROVIDER_ORDER: "gateway,openai" } : { PROVIDER_ORDER: "gateway" }),
      ...extra,
    },
    logger,
    discovery: { enabled: false },
  });
}

/** Streams one answer from the fast tier; returns its text, the provider that answered and the time it took. */
async function streamOnce(r: ProviderRegistry, prompt = "Say hello.") {
  const started = performance.now();
  let text = "";
  let provider: unknown;
  let fallbackFrom: unknown;
  for await (const chunk of await r.chatModel("fast").stream(prompt)) {
    text += chunk.text;
    provider ??= chunk.response_metadata?.provider;
    fallbackFrom ??= chunk.response_metadata?.fallback_from;
  }
  return { text, provider, fallbackFrom, ms: performance.now() - started };
}

describe("a gateway that accepts connections and never answers", () => {
  it("the first call is answered by the fallback after the first-byte budget, with one attempt on the stalled host", async () => {
    const r = await registry();
    try {
      const before = hole.requests();
      const first = await streamOnce(r);
      console.log(`stalled gateway: first call answered by ${String(first.provider)} in ${Math.round(first.ms)} ms (first-byte budget ${FIRST_BYTE_MS} ms, headers timeout ${HEADERS_MS} ms)`);
      expect(first.provider).toBe("openai");
      expect(first.fallbackFrom).toEqual(["gateway"]);
      expect(first.text).toMatch(/\S/);
      expect(first.ms).toBeGreaterThanOrEqual(FIRST_BYTE_MS - 10);
      // Far below one headers timeout, let alone (retries + 1) of them.
      expect(first.ms).toBeLessThan(HEADERS_MS / 3);
      expect(hole.requests() - before).toBe(1);
    } finally {
      await r.close();
    }
  });

  it("ten calls in flight open the breaker once, and later calls skip the gateway while it is open", async () => {
    const log = captureEvents();
    const r = await registry({}, log.logger);
    try {
      const before = hole.requests();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => streamOnce(r, `Say hello, caller ${i}.`)));
      expect(results.map((x) => x.provider)).toEqual(Array(10).fill("openai"));
      expect(Math.max(...results.map((x) => x.ms))).toBeLessThan(HEADERS_MS / 3);
      // One attempt each on the stalled host, none retried there.
      expect(hole.requests() - before).toBe(10);
      const opened = log.events("breaker_open");
      expect(opened).toHaveLength(1);
      expect(opened[0]).toMatchObject({ provider: "gateway", code: "timeout" });
      expect(r.status().find((s) => s.provider === "gateway")?.breaker).toBe("open");

      const atOpen = hole.requests();
      const streamed = [await streamOnce(r), await streamOnce(r)];
      const invoked = await r.chatModel("fast").invoke("And once more, not streamed.");
      expect(streamed.map((x) => x.provider)).toEqual(["openai", "openai"]);
      expect(invoked.response_metadata.provider).toBe("openai");
      expect(hole.requests()).toBe(atOpen);
      expect(log.events("breaker_open")).toHaveLength(1);
    } finally {
      await r.close();
    }
  });

  it("a non-streaming call fails over after the headers timeout, unretried (its headers come with the whole answer)", async () => {
    const r = await registry({ AI_GATEWAY_HEADERS_TIMEOUT_MS: "1000" });
    try {
      const before = hole.requests();
      const started = performance.now();
      const message = await r.chatModel("fast").invoke("Say hello.");
      const ms = performance.now() - started;
      expect(message.response_metadata.provider).toBe("openai");
      expect(ms).toBeGreaterThanOrEqual(990);
      expect(ms).toBeLessThan(HEADERS_MS / 3);
      expect(hole.requests() - before).toBe(1);

      // Structured output (the router's classifier, the planner) goes through the same hint.
      const structured = r.chatModel("fast").withStructuredOutput(z.object({ tier: z.enum(["fast", "standard", "premium"]) }), { name: "route_task", includeRaw: true });
      const routed = await structured.invoke("Pick a tier for: say hello.");
      expect((routed.raw.response_metadata as Record<string, unknown>).provider).toBe("openai");
      expect(hole.requests() - before).toBe(2);
    } finally {
      await r.close();
    }
  });

  it("with a fallback, a headers timeout shorter than the first-byte budget is a blip: retried on the gateway first", async () => {
    const r = await registry({ AI_GATEWAY_FIRST_BYTE_TIMEOUT_MS: "10000", AI_GATEWAY_HEADERS_TIMEOUT_MS: "400", AI_GATEWAY_MAX_RETRIES: "1" });
    try {
      const before = hole.requests();
      const answer = await streamOnce(r);
      expect(answer.provider).toBe("openai");
      expect(hole.requests() - before).toBe(2);
    } finally {
      await r.close();
    }
  });

  it("without a fallback the gateway gets its whole headers timeout, once: a stall is not retried", async () => {
    const r = await registry({ AI_GATEWAY_HEADERS_TIMEOUT_MS: "600", AI_GATEWAY_MAX_RETRIES: "2" }, silentLogger, false);
    try {
      const before = hole.requests();
      const err = await streamOnce(r).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AIGatewayTimeoutError);
      expect(err).toMatchObject({ phase: "headers", retryable: false });
      // Cut at the headers timeout, not the 300 ms first-byte budget, and the advice names the settings.
      expect((err as Error).message).toMatch(/within 600 ms \(AI_GATEWAY_HEADERS_TIMEOUT_MS\).*configure a fallback provider/);
      // One attempt, not 1 + AI_GATEWAY_MAX_RETRIES of the full timeout each.
      expect(hole.requests() - before).toBe(1);
    } finally {
      await r.close();
    }
  });

  it("without a fallback a headers timeout shorter than the first-byte budget is a blip: retried", async () => {
    const r = await registry({ AI_GATEWAY_FIRST_BYTE_TIMEOUT_MS: "10000", AI_GATEWAY_HEADERS_TIMEOUT_MS: "300", AI_GATEWAY_MAX_RETRIES: "1" }, silentLogger, false);
    try {
      const before = hole.requests();
      const err = await streamOnce(r).catch((e: unknown) => e);
      expect(err).toMatchObject({ phase: "headers", retryable: true });
      expect((err as Error).message).toMatch(/headers timeout/);
      expect(hole.requests() - before).toBe(2);
    } finally {
      await r.close();
    }
  });
});
