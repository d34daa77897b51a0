/**
 * Runs sent to a thread that another run holds: `reject` (the default) answers 409, `enqueue`
 * waits its turn and completes after the run ahead, in arrival order, within RUN_QUEUE_MAX and
 * RUN_QUEUE_TIMEOUT_MS; a configured default applies when a request names none. Runs on other
 * threads never wait. The model answers after 300 ms, so runs overlap.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { emulator } from "../helpers/gateway.js";
import { build, tempDir } from "./server_helpers.js";

let emu: EmulatorHandle;
const tmp = tempDir();
const apps: FastifyInstance[] = [];
beforeAll(async () => {
  emu = await emulator({ latency: { ttftMs: 300 } });
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await emu.close();
  tmp.cleanup();
});

async function server(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await build(tmp.dir, { AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret, ...env });
  apps.push(app);
  return app;
}

type RunReply = { status: number; body: { result?: { answer: string }; error?: { code: string; message: string } }; at: number };

/** Sends a run; `delayMs` later than the call, so arrival order is known. */
async function run(app: FastifyInstance, payload: Record<string, unknown>, delayMs = 0): Promise<RunReply> {
  await new Promise((r) => setTimeout(r, delayMs));
  const res = await app.inject({ method: "POST", url: "/api/runs", payload: { tier: "fast", ...payload } });
  return { status: res.statusCode, body: res.json(), at: performance.now() };
}

async function userTurns(app: FastifyInstance, threadId: string): Promise<string[]> {
  const thread = (await app.inject({ method: "GET", url: `/api/threads/${threadId}` })).json() as { messages: { role: string; content: string }[] };
  return thread.messages.filter((m) => m.role === "user").map((m) => m.content);
}

describe("a run on a busy thread", () => {
  it("is refused with 409 by default, naming the way to wait; another thread is not held up", async () => {
    const app = await server();
    const [first, second, elsewhere] = await Promise.all([
      run(app, { task: "Say hello one", threadId: "reject-t" }),
      run(app, { task: "Say hello two", threadId: "reject-t" }, 50),
      run(app, { task: "Say hello three", threadId: "reject-other" }, 50),
    ]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: "thread_busy" });
    expect(second.body.error?.message).toContain('multitaskStrategy: "enqueue"');
    expect(elsewhere.status).toBe(200);
    expect(await userTurns(app, "reject-t")).toEqual(["Say hello one"]);
  });

  it("enqueue: each waits its turn and completes after the one ahead, in arrival order, on the second and third runs", async () => {
    const app = await server();
    const replies = await Promise.all(["A", "B", "C"].map((name, i) => run(app, { task: `Say hello ${name}`, threadId: "queue-t", multitaskStrategy: "enqueue" }, i * 40)));
    for (const r of replies) expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(replies[0].at).toBeLessThan(replies[1].at);
    expect(replies[1].at).toBeLessThan(replies[2].at);
    expect(await userTurns(app, "queue-t")).toEqual(["Say hello A", "Say hello B", "Say hello C"]);
  });

  it("enqueue is bounded: past RUN_QUEUE_MAX a run gets 429 queue_full, past RUN_QUEUE_TIMEOUT_MS 409; nothing is run twice", async () => {
    const app = await server({ RUN_QUEUE_MAX: "1", RUN_QUEUE_TIMEOUT_MS: "150" });
    const replies = await Promise.all([
      run(app, { task: "Say hello first", threadId: "bounded-t" }),
      run(app, { task: "Say hello waits", threadId: "bounded-t", multitaskStrategy: "enqueue" }, 30),
      run(app, { task: "Say hello full", threadId: "bounded-t", multitaskStrategy: "enqueue" }, 60),
    ]);
    expect(replies.map((r) => r.status)).toEqual([200, 409, 429]);
    expect(replies[1].body.error?.message).toMatch(/Waited 0\.15 s \(RUN_QUEUE_TIMEOUT_MS\)/);
    expect(replies[2].body.error).toMatchObject({ code: "queue_full" });
    expect(await userTurns(app, "bounded-t")).toEqual(["Say hello first"]);
  });

  it("RUN_MULTITASK_STRATEGY=enqueue is the default a request can override", async () => {
    const app = await server({ RUN_MULTITASK_STRATEGY: "enqueue" });
    const [a, b, c] = await Promise.all([
      run(app, { task: "Say hello one", threadId: "default-t" }),
      run(app, { task: "Say hello two", threadId: "default-t" }, 40),
      run(app, { task: "Say hello three", threadId: "default-t", multitaskStrategy: "reject" }, 80),
    ]);
    expect([a.status, b.status, c.status]).toEqual([200, 200, 409]);
    expect(await userTurns(app, "default-t")).toEqual(["Say hello one", "Say hello two"]);
  });

  it("refuses a strategy it does not know, naming the ones it does", async () => {
    const app = await server();
    for (const bad of ["interrupt", "rollback", 7, ""]) {
      const r = await run(app, { task: "Say hello", multitaskStrategy: bad });
      expect(r.status, String(bad)).toBe(400);
      expect(r.body.error?.message).toMatch(/multitaskStrategy must be one of reject, enqueue \(interrupt and rollback are not supported yet\)/);
    }
  });

  it("a bad RUN_MULTITASK_STRATEGY stops startup naming the variable", async () => {
    await expect(server({ RUN_MULTITASK_STRATEGY: "interrupt" })).rejects.toThrow(/RUN_MULTITASK_STRATEGY.*must be one of reject, enqueue/);
  });
});
