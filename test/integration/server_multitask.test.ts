/**
 * Runs sent to a thread that another run holds: `reject` (the default) answers 409, `enqueue`
 * waits its turn and completes after the run ahead, in arrival order, within RUN_QUEUE_MAX and
 * RUN_QUEUE_TIMEOUT_MS; `interrupt` stops the holder (409 `run_superseded`, or that `error`
 * event when streamed) and keeps its steps; `rollback` stops it and drops them (SQLite store
 * only, refused with a checkpointer passed in code). A configured default applies when a request
 * names none. Runs on other threads never wait. The model answers after 300 ms, so runs overlap.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { emulator } from "../helpers/gateway.js";
import { join } from "node:path";
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

async function server(env: Record<string, string> = {}, sqlite?: string): Promise<FastifyInstance> {
  const gateway = { AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret };
  // With a file, the server opens its own SQLite store (claims and retention in it), as in production.
  const app = sqlite
    ? await build(tmp.dir, { ...gateway, CHECKPOINT_SQLITE_PATH: join(tmp.dir, sqlite), ...env }, { checkpointer: undefined })
    : await build(tmp.dir, { ...gateway, ...env });
  apps.push(app);
  return app;
}

/** A streamed run: the SSE event names and the `error` event's code, if any. */
async function streamRun(app: FastifyInstance, payload: Record<string, unknown>, delayMs = 0): Promise<{ events: string[]; errorCode?: string }> {
  await new Promise((r) => setTimeout(r, delayMs));
  const res = await app.inject({ method: "POST", url: "/api/runs/stream", payload: { tier: "fast", ...payload } });
  const frames = res.body.split("\n\n").filter((f) => f.startsWith("event: "));
  const events = frames.map((f) => f.slice(7, f.indexOf("\n")));
  const error = frames.find((f) => f.startsWith("event: error\n"));
  return { events, errorCode: error ? (JSON.parse(error.slice(error.indexOf("data: ") + 6)) as { code: string }).code : undefined };
}

/** The thread's user turns with their unanswered mark. */
async function markedTurns(app: FastifyInstance, threadId: string): Promise<string[]> {
  const thread = (await app.inject({ method: "GET", url: `/api/threads/${threadId}` })).json() as { messages: { role: string; content: string; unanswered?: boolean }[] };
  return thread.messages.filter((m) => m.role === "user").map((m) => `${m.content}${m.unanswered ? " (unanswered)" : ""}`);
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
    expect(replies[1].body.error?.message).toMatch(/Waited 150 ms \(RUN_QUEUE_TIMEOUT_MS\)/);
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

  it("interrupt: the holder gets 409 run_superseded and keeps its steps, on the second and third runs", async () => {
    const app = await server();
    expect((await run(app, { task: "Say hello one", threadId: "int-t" })).status).toBe(200);
    const [two, three] = await Promise.all([run(app, { task: "Say hello two", threadId: "int-t" }), run(app, { task: "Say hello three", threadId: "int-t", multitaskStrategy: "interrupt" }, 60)]);
    expect(two.status).toBe(409);
    expect(two.body.error).toMatchObject({ code: "run_superseded" });
    expect(two.body.error?.message).toMatch(/multitaskStrategy interrupt\); the steps it completed are kept/);
    expect(three.status).toBe(200);
    expect(three.body.result?.answer).toBeTruthy();
    expect(await markedTurns(app, "int-t")).toEqual(["Say hello one", "Say hello two (unanswered)", "Say hello three"]);
    // With nothing running, interrupt just runs.
    expect((await run(app, { task: "Say hello four", threadId: "int-t", multitaskStrategy: "interrupt" })).status).toBe(200);
  });

  it("interrupt: a streamed holder ends with an error event run_superseded, then end", async () => {
    const app = await server();
    const [held, newer] = await Promise.all([streamRun(app, { task: "Say hello one", threadId: "int-sse" }), streamRun(app, { task: "Say hello two", threadId: "int-sse", multitaskStrategy: "interrupt" }, 60)]);
    expect(held.errorCode).toBe("run_superseded");
    expect(held.events.slice(-2)).toEqual(["error", "end"]);
    expect(held.events).not.toContain("final_answer");
    expect(newer.errorCode).toBeUndefined();
    expect(newer.events).toContain("final_answer");
    expect(await markedTurns(app, "int-sse")).toEqual(["Say hello one (unanswered)", "Say hello two"]);
  });

  it("rollback: the holder's steps are dropped (SQLite store), streamed and not, on the first, second and third runs", async () => {
    const app = await server({}, "rollback.sqlite");
    const [one, two] = await Promise.all([run(app, { task: "Say hello one", threadId: "rb-t" }), run(app, { task: "Say hello two", threadId: "rb-t", multitaskStrategy: "rollback" }, 60)]);
    expect(one.status).toBe(409);
    expect(one.body.error).toMatchObject({ code: "run_superseded" });
    expect(one.body.error?.message).toMatch(/rollback\); what it wrote is dropped/);
    expect(two.status).toBe(200);
    expect(await markedTurns(app, "rb-t")).toEqual(["Say hello two"]);
    const [three, four] = await Promise.all([streamRun(app, { task: "Say hello three", threadId: "rb-t" }), streamRun(app, { task: "Say hello four", threadId: "rb-t", multitaskStrategy: "rollback" }, 60)]);
    expect(three.errorCode).toBe("run_superseded");
    expect(four.events).toContain("final_answer");
    expect(await markedTurns(app, "rb-t")).toEqual(["Say hello two", "Say hello four"]);
    expect((await run(app, { task: "Say hello five", threadId: "rb-t" })).status).toBe(200);
    expect(await markedTurns(app, "rb-t")).toEqual(["Say hello two", "Say hello four", "Say hello five"]);
  });

  it("rollback is refused with 400 when the checkpointer was passed in code", async () => {
    const app = await server();
    const r = await run(app, { task: "Say hello", threadId: "rb-memory", multitaskStrategy: "rollback" });
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toMatch(/rollback needs the claims of a checkpoint store/);
  });

  it("refuses a strategy it does not know, naming the ones it does", async () => {
    const app = await server();
    for (const bad of ["sideways", "INTERRUPT", 7, "", null]) {
      const r = await run(app, { task: "Say hello", multitaskStrategy: bad });
      expect(r.status, String(bad)).toBe(400);
      expect(r.body.error?.message).toMatch(/multitaskStrategy must be one of reject, enqueue, interrupt, rollback/);
    }
  });

  it("a bad RUN_MULTITASK_STRATEGY stops startup naming the variable", async () => {
    await expect(server({ RUN_MULTITASK_STRATEGY: "sideways" })).rejects.toThrow(/RUN_MULTITASK_STRATEGY.*must be one of reject, enqueue, interrupt, rollback/);
  });
});
