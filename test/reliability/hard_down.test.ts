/**
 * The gateway goes hard down in the middle of a load, then comes back. Two emulators: the
 * gateway (OAuth2) behind a switchable TCP proxy, and an OpenAI-compatible secondary reached
 * through OPENAI_BASE_URL / OPENAI_API_KEY. While the proxy is down, nothing listens on the
 * gateway's address (connections refused, open ones cut), as when its host dies.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type EmulatorHandle } from "../../src/emulator/index.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import { captureEvents, ContinuousLoad, watchUnhandledRejections } from "./helpers.js";
import { SwitchProxy } from "./switch_proxy.js";
import { Workload, type CallOutcome } from "./workload.js";

const KEY = `sk-secondary-${randomBytes(8).toString("hex")}`;
const CONNECT_MS = 1_000;
const HEADERS_MS = 1_000;
const COOLDOWN_MS = 1_000;
const CONCURRENCY = 16;
/**
 * Coarse bound on any call while the gateway is down: one connect timeout plus a margin. A
 * refused connection costs no timeout at all (only the client's two short backoffs, 20 + 40 ms at
 * most), and once the breaker is open the gateway is skipped outright; the margin covers a busy
 * test machine. Not a tight timing.
 */
const DOWN_CALL_BOUND_MS = CONNECT_MS + 1_000;

let gateway: EmulatorHandle;
let secondary: EmulatorHandle;
let proxy: SwitchProxy;

beforeAll(async () => {
  gateway = await startEmulator({ port: 0 });
  secondary = await startEmulator({ port: 0, staticApiKeys: [KEY] });
  proxy = await SwitchProxy.start(Number(new URL(gateway.baseUrl).port));
});
afterAll(async () => {
  await proxy?.close();
  await Promise.all([gateway?.close(), secondary?.close()]);
});

const describeCall = (o: CallOutcome) => `call ${o.index} (${o.kind}) ${o.ok ? `served by ${o.provider}` : `failed: ${o.error}`}${o.mismatch ? ` — ${o.mismatch}` : ""} in ${Math.round(o.ms)} ms`;

describe("gateway hard down in the middle of a load", () => {
  it("serves from the secondary within one timeout's worth of delay, then returns to the gateway after the cool-down", async () => {
    const unhandled = watchUnhandledRejections();
    const log = captureEvents();
    const registry = await ProviderRegistry.create({
      env: {
        AI_GATEWAY_BASE_URL: proxy.url,
        AI_GATEWAY_CLIENT_ID: gateway.clientId,
        AI_GATEWAY_CLIENT_SECRET: gateway.clientSecret,
        OPENAI_BASE_URL: secondary.apiUrl,
        OPENAI_API_KEY: KEY,
        PROVIDER_ORDER: "gateway,openai",
      },
      logger: log.logger,
      gatewayClientOptions: {
        retry: { maxRetries: 2, baseDelayMs: 20, maxDelayMs: 1_000 },
        timeouts: { connectMs: CONNECT_MS, headersMs: HEADERS_MS, idleMs: 5_000 },
      },
      breaker: { failures: 3, cooldownMs: COOLDOWN_MS },
    });
    const breaker = () => registry.status().find((s) => s.provider === "gateway")?.breaker;
    const load = new ContinuousLoad(new Workload(registry), CONCURRENCY);
    let outcomes: CallOutcome[] = [];
    let tDown = 0;
    let tUp = 0;
    let tClosed = 0;
    try {
      const t0 = performance.now();
      await load.waitFor(t0, 60, 500);

      tDown = performance.now();
      await proxy.down();
      // Bytes already on their way through the proxy may still land; after that, nothing can.
      await new Promise((r) => setTimeout(r, 100));
      const gatewayAtDown = gateway.stats().chatRequests;
      // Long enough for the breaker to open, cool down and fail a half-open probe at least once.
      await load.waitFor(tDown, 60, COOLDOWN_MS + 800);
      const gatewayWhileDown = gateway.stats().chatRequests;

      tUp = performance.now();
      await proxy.up();
      const deadline = tUp + COOLDOWN_MS + 3_000;
      while (breaker() !== "closed" && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      tClosed = performance.now();
      expect(breaker()).toBe("closed");
      await load.waitFor(tClosed, 60, 500);
      outcomes = await load.stop();

      // While down, no request reached the gateway; once back, it got the traffic again.
      expect(gatewayWhileDown - gatewayAtDown).toBe(0);
      expect(gateway.stats().chatRequests - gatewayWhileDown).toBeGreaterThanOrEqual(60);
    } finally {
      await load.stop();
      await registry.close();
      unhandled.stop();
    }

    const ended = (o: CallOutcome) => o.startedAt + o.ms;
    const before = outcomes.filter((o) => ended(o) < tDown);
    const inFlightAtDown = outcomes.filter((o) => o.startedAt < tDown && ended(o) >= tDown);
    const whileDown = outcomes.filter((o) => o.startedAt >= tDown && ended(o) < tUp);
    const afterClosed = outcomes.filter((o) => o.startedAt >= tClosed);
    const rest = outcomes.filter((o) => !before.includes(o) && !inFlightAtDown.includes(o) && !whileDown.includes(o) && !afterClosed.includes(o));

    const maxMs = (list: CallOutcome[]) => Math.round(Math.max(0, ...list.map((o) => o.ms)));
    console.log(
      `hard down: ${outcomes.length} calls; before ${before.length} (gateway); in flight at the cut ${inFlightAtDown.length} ` +
        `(${inFlightAtDown.filter((o) => !o.ok).length} streams failed after their first chunk, ` +
        `${inFlightAtDown.filter((o) => o.ok && o.provider === "openai").length} fell back); while down ${whileDown.length} ` +
        `(openai, slowest ${maxMs(whileDown)} ms, bound ${DOWN_CALL_BOUND_MS} ms); breaker closed ${Math.round(tClosed - tUp)} ms after the restore ` +
        `(cool-down ${COOLDOWN_MS} ms); after that ${afterClosed.length} (gateway, slowest ${maxMs(afterClosed)} ms)`,
    );

    // Before the outage: the gateway answers everything.
    expect(before.length).toBeGreaterThanOrEqual(60);
    expect(before.filter((o) => !o.ok || o.provider !== "gateway" || o.mismatch).map(describeCall)).toEqual([]);

    // During the outage: every call is answered by the secondary, correctly, and none waits long.
    expect(whileDown.length).toBeGreaterThanOrEqual(60);
    expect(whileDown.filter((o) => !o.ok || o.provider !== "openai" || o.mismatch).map(describeCall)).toEqual([]);
    expect(whileDown.every((o) => o.fallbackFrom?.[0] === "gateway")).toBe(true);
    expect(whileDown.filter((o) => o.ms >= DOWN_CALL_BOUND_MS).map(describeCall)).toEqual([]);

    // Cut mid-flight: a call either still succeeds (retried or fallen back before its first token),
    // or it is a stream that had already delivered part of its answer: by design it is not
    // restarted elsewhere, since the caller would see two different answers.
    expect(inFlightAtDown.filter((o) => !o.ok && !(o.partial && (o.kind === "stream" || o.kind === "tool-stream"))).map(describeCall)).toEqual([]);
    expect(inFlightAtDown.filter((o) => o.ok && o.mismatch).map(describeCall)).toEqual([]);

    // Between the restore and the breaker closing: answered by one provider or the other.
    expect(rest.filter((o) => !o.ok || o.mismatch).map(describeCall)).toEqual([]);

    // Back: the breaker closed within the cool-down (plus a margin) and the gateway answers everything again.
    expect(tClosed - tUp).toBeLessThan(COOLDOWN_MS + 2_000);
    expect(afterClosed.length).toBeGreaterThanOrEqual(60);
    expect(afterClosed.filter((o) => !o.ok || o.provider !== "gateway" || o.fallbackFrom || o.mismatch).map(describeCall)).toEqual([]);

    // The outage was reported by the breaker (opened, probed, closed), not by a hang.
    expect(log.events("breaker_open").length).toBeGreaterThanOrEqual(1);
    expect(log.events("breaker_open").every((e) => e.provider === "gateway")).toBe(true);
    expect(log.events("breaker_open").some((e) => e.code === "connection_refused")).toBe(true);
    expect(log.events("breaker_half_open").length).toBeGreaterThanOrEqual(2);
    expect(log.events("breaker_closed").length).toBe(1);
    expect(secondary.stats().chatRequests).toBeGreaterThanOrEqual(whileDown.length);
    expect(unhandled.count()).toBe(0);
  }, 60_000);
});
