/**
 * Limits on runs: a rate limit and a concurrency cap per client (API key, else address), and a
 * thread size limit. Before, one client could start any number of runs, and a thread grew
 * without bound (30 runs of 60 KB grew the SQLite file by 410 MB).
 */
import { MemorySaver } from "@langchain/langgraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import type { ProviderRegistry } from "../../src/providers/index.js";
import { emulatorRegistry } from "../helpers/gateway.js";
import { API_KEY, build, tempDir } from "../integration/server_helpers.js";

let emu: EmulatorHandle;
let registry: ProviderRegistry;
let closeGateway: () => Promise<void>;
const tmp = tempDir();
beforeAll(async () => {
  // Slow answers keep runs in flight long enough to overlap.
  ({ emu, registry, close: closeGateway } = await emulatorRegistry({ latency: { ttftMs: 400 } }));
});
afterAll(async () => {
  await closeGateway();
  tmp.cleanup();
});

const run = (app: Awaited<ReturnType<typeof build>>, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
  app.inject({ method: "POST", url: "/api/runs", payload: { tier: "fast", routingMode: "rules", ...payload }, headers });

describe("run limits", () => {
  it("a client's runs beyond RUN_CONCURRENCY_MAX get 503 with Retry-After; another client is not held up", async () => {
    const app = await build(tmp.dir, { RUN_CONCURRENCY_MAX: "2" }, { registry, checkpointer: new MemorySaver() });
    try {
      const before = emu.stats().chatRequests;
      const first = [run(app, { task: "Say hi" }), run(app, { task: "Say hello" })];
      // Both runs are in flight once both reached the (slow) model.
      for (const deadline = Date.now() + 10_000; emu.stats().chatRequests - before < 2 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
      const third = await run(app, { task: "Say hey" });
      expect(third.statusCode).toBe(503);
      expect(third.headers["retry-after"]).toBe("1");
      expect(third.json().error).toMatchObject({ code: "too_many_runs", message: expect.stringContaining("RUN_CONCURRENCY_MAX=2") });
      // A different address is its own client.
      const other = await app.inject({ method: "POST", url: "/api/runs", payload: { task: "Say yo", tier: "fast" }, remoteAddress: "127.0.0.2" });
      expect(other.statusCode).toBe(200);
      expect((await Promise.all(first)).map((r) => r.statusCode)).toEqual([200, 200]);
      // Once they finished, the client may run again.
      expect((await run(app, { task: "Say hi again" })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it("beyond RUN_RATE_LIMIT_MAX a client gets 429 with Retry-After, counted per API key", async () => {
    const app = await build(tmp.dir, { RUN_RATE_LIMIT_MAX: "2", API_KEY }, { registry, checkpointer: new MemorySaver() });
    try {
      const headers = { "x-api-key": API_KEY };
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push(await run(app, { task: `Say ${i}` }, headers));
      expect(statuses.map((r) => r.statusCode)).toEqual([200, 200, 429]);
      expect(statuses[2].headers["retry-after"]).toBeDefined();
      expect(statuses[2].json().error).toMatchObject({ code: "rate_limited" });
    } finally {
      await app.close();
    }
  });

  it("a thread past THREAD_MAX_MESSAGES or THREAD_MAX_BYTES gets 409 and keeps what it has", async () => {
    const app = await build(tmp.dir, { THREAD_MAX_MESSAGES: "4", THREAD_MAX_BYTES: "4096" }, { registry, checkpointer: new MemorySaver() });
    try {
      expect((await run(app, { task: "Say hi", threadId: "small" })).statusCode).toBe(200); // human + answer: 2 messages
      // 2 held + 1 new = 3, within 4: allowed (the thread then holds 4).
      expect((await run(app, { task: "Say hi", threadId: "small" })).statusCode).toBe(200);
      // 4 held + 1 new = 5: refused.
      const third = await run(app, { task: "Say hi", threadId: "small" });
      expect(third.statusCode).toBe(409);
      expect(third.json().error).toMatchObject({ code: "thread_full", message: expect.stringContaining("Start a new thread") });
      const thread = await app.inject({ url: "/api/threads/small" });
      expect(thread.statusCode).toBe(200);
      expect(thread.json().messages.length).toBeGreaterThanOrEqual(2);
      // Bytes: one big task fills the byte budget, and the next run on that thread is refused.
      expect((await run(app, { task: "x ".repeat(2_500), threadId: "big" })).statusCode).toBe(200);
      expect((await run(app, { task: "Say hi", threadId: "big" })).json().error).toMatchObject({ code: "thread_full" });
      // A new thread is fine.
      expect((await run(app, { task: "Say hi", threadId: "fresh" })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
