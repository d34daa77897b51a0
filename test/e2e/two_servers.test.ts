/**
 * Two real server processes on one store (a SQLite file, then one PostgreSQL): concurrent runs
 * on one thread, sent to both at once, never interleave. Each run completes or gets 409
 * `thread_busy`, and the thread ends with exactly the messages of the runs that completed:
 * none lost, none duplicated. A run sent to one with `interrupt` or `rollback` stops the run the
 * other holds (409 `run_superseded`), which keeps or drops its steps. The model answers after
 * 300 ms, so the runs overlap.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { emulator } from "../helpers/gateway.js";
import { startServerProcess } from "../helpers/server_process.js";
import { startPostgres, type PostgresCluster } from "../helpers/postgres.js";
import { tempDir } from "../integration/server_helpers.js";

const tmp = tempDir();
let emu: EmulatorHandle;
let pgCluster: PostgresCluster | undefined;
const children: ChildProcess[] = [];
/** What each server wrote to stderr, by URL, for failure messages. */
const logs = new Map<string, () => string>();

beforeAll(async () => {
  emu = await emulator({ latency: { ttftMs: 300 } });
});
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await emu.close();
  await pgCluster?.stop();
  tmp.cleanup();
});

/** Starts a server process on the given store; resolves its URL. */
async function startServer(name: string, store: Record<string, string>): Promise<string> {
  const server = await startServerProcess(emu, { CONFIG_STORE_PATH: join(tmp.dir, `${name}-providers.json`), ...store }, children);
  logs.set(server.url, server.stderr);
  return server.url;
}

const run = (url: string, task: string, threadId: string, multitaskStrategy?: string) =>
  fetch(`${url}/api/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ task, threadId, tier: "fast", multitaskStrategy }) }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { error?: { code: string } },
  }));

/** Rounds of two concurrent runs on one thread, one to each server; returns how many completed. */
async function contend(a: string, b: string, threadId: string, rounds: number): Promise<{ completed: string[]; statuses: number[] }> {
  const completed: string[] = [];
  const statuses: number[] = [];
  for (let i = 1; i <= rounds; i++) {
    const tasks = [`Say hello, round ${i} via A`, `Say hello, round ${i} via B`];
    const results = await Promise.all([run(a, tasks[0], threadId), run(b, tasks[1], threadId)]);
    results.forEach((r, j) => {
      statuses.push(r.status);
      if (r.status === 200) completed.push(tasks[j]);
      else expect(r.body.error?.code, logs.get(j === 0 ? a : b)?.().slice(-3000)).toBe("thread_busy");
    });
  }
  return { completed, statuses };
}

type ThreadView = { messages: { role: string; content: string; toolCalls?: unknown[] }[]; checkpoints: { kept: number; pruned: number; keep: number } };
const threadView = async (url: string, threadId: string) => (await (await fetch(`${url}/api/threads/${threadId}`)).json()) as ThreadView;

async function checkThread(url: string, threadId: string, completed: string[]): Promise<void> {
  const thread = await threadView(url, threadId);
  const users = thread.messages.filter((m) => m.role === "user").map((m) => m.content);
  // Exactly the completed runs' turns: none lost, none duplicated, each answered.
  expect([...users].sort()).toEqual([...completed].sort());
  expect(thread.messages.filter((m) => m.role === "assistant" && !m.toolCalls)).toHaveLength(completed.length);
  // Both processes prune the thread after their runs (default: the newest 12 checkpoints); the
  // last run's prune may still be going when its answer arrives.
  expect(thread.checkpoints.keep).toBe(12);
  expect(thread.checkpoints.pruned).toBeGreaterThan(0);
  await expect.poll(async () => (await threadView(url, threadId)).checkpoints.kept, { timeout: 5_000 }).toBeLessThanOrEqual(12);
}

/**
 * A run held by one server, stopped by a run sent to the other 100 ms later: with `interrupt` the
 * stopped run's turn stays, marked unanswered; with `rollback` it goes. Then a plain run.
 */
async function stopAcross(a: string, b: string, threadId: string): Promise<void> {
  const later = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const [held, interrupting] = await Promise.all([run(a, "Say hello one", threadId), later(100).then(() => run(b, "Say hello two", threadId, "interrupt"))]);
  expect(held.status, JSON.stringify(held.body)).toBe(409);
  expect(held.body.error?.code).toBe("run_superseded");
  expect(interrupting.status, JSON.stringify(interrupting.body)).toBe(200);
  const [dropped, rollingBack] = await Promise.all([run(b, "Say hello three", threadId), later(100).then(() => run(a, "Say hello four", threadId, "rollback"))]);
  expect(dropped.body.error?.code, JSON.stringify(dropped.body)).toBe("run_superseded");
  expect(rollingBack.status, JSON.stringify(rollingBack.body)).toBe(200);
  expect((await run(b, "Say hello five", threadId)).status).toBe(200);
  for (const url of [a, b]) {
    const thread = (await (await fetch(`${url}/api/threads/${threadId}`)).json()) as { messages: { role: string; content: string; unanswered?: boolean }[] };
    const users = thread.messages.filter((m) => m.role === "user").map((m) => `${m.content}${m.unanswered ? " (unanswered)" : ""}`);
    expect(users).toEqual(["Say hello one (unanswered)", "Say hello two", "Say hello four", "Say hello five"]);
  }
}

/** Both servers read one ledger: the same groups, with every completed run in it once. */
async function sameUsage(a: string, b: string, runs: number): Promise<void> {
  const read = async (url: string) => ((await (await fetch(`${url}/api/usage?by=tier`)).json()) as { groups: { tier: string; runs: number; costUsd: number }[] }).groups;
  const [fromA, fromB] = await Promise.all([read(a), read(b)]);
  expect(fromA).toEqual(fromB);
  expect(fromA.find((g) => g.tier === "fast")?.runs).toBe(runs);
}

describe("two server processes on one store", () => {
  it("on one SQLite file, concurrent runs on a thread lose and duplicate nothing", async () => {
    const store = { CHECKPOINT_SQLITE_PATH: join(tmp.dir, "shared.sqlite") };
    const [a, b] = await Promise.all([startServer("sqlite-a", store), startServer("sqlite-b", store)]);
    const { completed, statuses } = await contend(a, b, "shared-sqlite", 6);
    expect(statuses.filter((s) => s === 409).length).toBeGreaterThan(0);
    expect(completed.length).toBeGreaterThanOrEqual(6);
    await checkThread(a, "shared-sqlite", completed);
    await checkThread(b, "shared-sqlite", completed);
    await stopAcross(a, b, "stopped-sqlite");
    // Stopped runs end without usage; the others are in the shared ledger once.
    await sameUsage(a, b, completed.length + 3);
  }, 90_000);

  it("enqueue on one SQLite file: every run sent to both at once completes, one after another, none lost", async () => {
    const store = { CHECKPOINT_SQLITE_PATH: join(tmp.dir, "queued.sqlite") };
    const [a, b] = await Promise.all([startServer("queue-a", store), startServer("queue-b", store)]);
    const completed: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const tasks = [`Say hello, queued round ${i} via A`, `Say hello, queued round ${i} via B`];
      const results = await Promise.all([run(a, tasks[0], "queued", "enqueue"), run(b, tasks[1], "queued", "enqueue")]);
      for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(200);
      completed.push(...tasks);
    }
    await checkThread(a, "queued", completed);
    await checkThread(b, "queued", completed);
  }, 90_000);

  it("on one PostgreSQL, concurrent runs on a thread lose and duplicate nothing", async () => {
    pgCluster = await startPostgres();
    const store = { DATABASE_URL: pgCluster.url };
    const [a, b] = await Promise.all([startServer("pg-a", store), startServer("pg-b", store)]);
    const { completed, statuses } = await contend(a, b, "shared-pg", 6);
    expect(statuses.filter((s) => s === 409).length).toBeGreaterThan(0);
    expect(completed.length).toBeGreaterThanOrEqual(6);
    await checkThread(a, "shared-pg", completed);
    await checkThread(b, "shared-pg", completed);
    await stopAcross(a, b, "stopped-pg");
    await sameUsage(a, b, completed.length + 3);
  }, 120_000);
});

describe.each([
  { backend: "a file", postgres: false },
  { backend: "PostgreSQL", postgres: true },
])("two server processes sharing provider settings in $backend", ({ backend, postgres }) => {
  const ADMIN = "admin-key-for-two-servers-0001";
  let databaseUrl: string | undefined;
  beforeAll(async () => {
    if (!postgres) return;
    pgCluster ??= await startPostgres();
    const admin = new pg.Client({ connectionString: pgCluster.url });
    await admin.connect();
    await admin.query("CREATE DATABASE config_store_e2e");
    await admin.end();
    const url = new URL(pgCluster.url);
    url.pathname = "/config_store_e2e";
    databaseUrl = url.toString();
  }, 60_000);
  const shared = () => ({
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { CHECKPOINT_SQLITE_PATH: join(tmp.dir, "config.sqlite") }),
    CONFIG_STORE_PATH: join(tmp.dir, `shared-providers-${backend === "a file" ? "file" : "pg"}.json`),
    ADMIN_API_KEY: ADMIN,
  });
  type View = { revision: number; providers: { provider: string; configured: boolean; source: string }[] };
  const read = async (url: string) => (await (await fetch(`${url}/api/providers`)).json()) as View;
  const configure = async (url: string, body: Record<string, unknown>) => {
    const r = await fetch(`${url}/api/providers/configure`, { method: "POST", headers: { "content-type": "application/json", "x-admin-key": ADMIN }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as { revision?: number; error?: { code: string; message: string } } };
  };
  const configured = (v: View) => v.providers.filter((p) => p.configured && p.source === "store").map((p) => p.provider).sort();
  /** What the shared store holds, read as a third party would. */
  const stored = async (): Promise<{ revision: number; providers: Record<string, { apiKey?: string }> }> => {
    if (!databaseUrl) return JSON.parse(readFileSync(shared().CONFIG_STORE_PATH, "utf8")) as { revision: number; providers: Record<string, { apiKey?: string }> };
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ revision: number; document: { providers: Record<string, { apiKey?: string }> } }>("SELECT revision, document FROM ai_gateway_provider_store");
      return { revision: rows[0].revision, providers: rows[0].document.providers };
    } finally {
      await client.end();
    }
  };

  it("each sees the other's change on its next request; a stale write is refused with 409 and erases nothing", async () => {
    const [a, b] = await Promise.all([startServer(`cfg-a-${postgres}`, shared()), startServer(`cfg-b-${postgres}`, shared())]);
    const seenByB = await read(b);
    expect(seenByB.revision).toBe(0);
    const fromA = await configure(a, { provider: "openai", settings: { apiKey: "sk-from-server-a-000000000000" } });
    expect(fromA, logs.get(a)?.()).toMatchObject({ status: 200, body: { revision: 1 } });
    // B's admin read revision 0; a change based on it would erase A's key, so it is refused.
    const stale = await configure(b, { provider: "anthropic", settings: { apiKey: "sk-ant-from-server-b-00000000" }, revision: seenByB.revision });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: "config_conflict" });
    expect(stale.body.error?.message).toMatch(/revision 0 \(now 1\)/);
    expect(Object.keys((await stored()).providers)).toEqual(["openai"]);
    // B picked up A's change on its next request.
    const nowB = await read(b);
    expect(nowB.revision).toBe(1);
    expect(configured(nowB)).toEqual(["openai"]);
    // Sent again with the revision B now shows, the change is saved beside A's, and A sees it.
    expect(await configure(b, { provider: "anthropic", settings: { apiKey: "sk-ant-from-server-b-00000000" }, revision: nowB.revision })).toMatchObject({ status: 200, body: { revision: 2 } });
    expect(configured(await read(a))).toEqual(["anthropic", "openai"]);
    expect(await stored()).toMatchObject({ revision: 2, providers: { openai: { apiKey: "sk-from-server-a-000000000000" }, anthropic: { apiKey: "sk-ant-from-server-b-00000000" } } });
  }, 60_000);

  it("changes sent to both at once without a revision are each planned over the other's, and both are kept", async () => {
    const [a, b] = [await startServer(`cfg-c-${postgres}`, shared()), await startServer(`cfg-d-${postgres}`, shared())];
    const before = (await stored()).revision;
    const results = await Promise.all([
      configure(a, { provider: "google", settings: { apiKey: "gemini-key-from-c-000000000000" } }),
      configure(b, { provider: "ollama", settings: { enabled: false } }),
    ]);
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(200);
    const after = await stored();
    expect(after.revision).toBe(before + 2);
    expect(Object.keys(after.providers).sort()).toEqual(["anthropic", "google", "ollama", "openai"]);
    for (const url of [a, b]) expect(configured(await read(url))).toEqual(expect.arrayContaining(["anthropic", "google", "openai"]));
  }, 60_000);
});
