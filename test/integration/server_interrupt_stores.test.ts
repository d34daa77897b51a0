/**
 * `interrupt` on the server's own stores, round after round: a run on a thread whose model answers
 * after 300 ms is stopped by a run sent 0 to 30 ms after it holds the thread, with `multitaskStrategy: interrupt`. The
 * stopped run gets 409 `run_superseded` and its user message stays in the thread (marked
 * unanswered), before the newer run's, on PostgreSQL as on SQLite. Repeated, and sent early,
 * because the message was lost when the stop came before the checkpoint that adds the input to
 * the thread's messages had landed: on PostgreSQL that write was still under way when the
 * stopped run gave the thread back, or had not started when the stop reached it.
 *
 * The newer run is sent only once the held run has its claim (read from the store itself), so the
 * two never race for the thread: the held run is always the one stopped.
 */
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import Database from "libsql";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { emulator } from "../helpers/gateway.js";
import { startPostgres, type PostgresCluster } from "../helpers/postgres.js";
import { build, tempDir } from "./server_helpers.js";

const ROUNDS = 12;
let emu: EmulatorHandle;
let cluster: PostgresCluster;
const tmp = tempDir();
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  [emu, cluster] = await Promise.all([emulator({ latency: { ttftMs: 300 } }), startPostgres()]);
}, 60_000);
afterAll(async () => {
  for (const app of apps) await app.close();
  await emu?.close();
  await cluster?.stop();
  tmp.cleanup();
});

/** A server on its own store (claims and retention in it, as in production). */
async function server(store: Record<string, string>): Promise<FastifyInstance> {
  const env = { AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret, ...store };
  const app = await build(tmp.dir, env, { checkpointer: undefined });
  apps.push(app);
  return app;
}

async function run(app: FastifyInstance, payload: Record<string, unknown>) {
  const res = await app.inject({ method: "POST", url: "/api/runs", payload: { tier: "fast", ...payload } });
  return { status: res.statusCode, body: res.json() as { error?: { code: string } } };
}

async function markedTurns(app: FastifyInstance, threadId: string): Promise<string[]> {
  const thread = (await app.inject({ method: "GET", url: `/api/threads/${threadId}` })).json() as { messages: { role: string; content: string; unanswered?: boolean }[] };
  return thread.messages.filter((m) => m.role === "user").map((m) => `${m.content}${m.unanswered ? " (unanswered)" : ""}`);
}

/** Whether a run holds `threadId`'s claim, asked of the store: a question, never a claim of its own. */
type ClaimProbe = { held(threadId: string): Promise<boolean>; close(): Promise<void> };

function postgresProbe(): ClaimProbe {
  const pool = new pg.Pool({ connectionString: cluster.url, max: 1 });
  return {
    async held(threadId) {
      const { rows } = await pool.query(
        "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)",
        [`thread:${threadId}`],
      );
      return rows.length > 0;
    },
    close: () => pool.end(),
  };
}

function sqliteProbe(path: string): ClaimProbe {
  let db: Database.Database | undefined;
  return {
    async held(threadId) {
      try {
        db ??= new Database(path, { readonly: true });
        return db.prepare("SELECT 1 FROM thread_claims WHERE thread_id = ?").get(threadId) !== undefined;
      } catch {
        return false; // the table is created with the first claim
      }
    },
    close: async () => {
      db?.close();
    },
  };
}

async function untilHeld(probe: ClaimProbe, threadId: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !(await probe.held(threadId)); ) {
    if (Date.now() > deadline) throw new Error(`no run claimed ${threadId} within 10 s`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe.each([
  { backend: "PostgreSQL", store: (): Record<string, string> => ({ DATABASE_URL: cluster.url }), probe: postgresProbe },
  { backend: "SQLite", store: (): Record<string, string> => ({ CHECKPOINT_SQLITE_PATH: join(tmp.dir, "interrupt.sqlite") }), probe: () => sqliteProbe(join(tmp.dir, "interrupt.sqlite")) },
])("interrupt on $backend", ({ backend, store, probe: openProbe }) => {
  it(`keeps the stopped run's user message before the newer run's, ${ROUNDS} rounds of ${ROUNDS}`, async () => {
    const app = await server(store());
    const probe = openProbe();
    const lost: string[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      const threadId = `interrupt-${backend}-${i}`;
      const heldRun = run(app, { task: `Say hello A${i}`, threadId });
      await untilHeld(probe, threadId);
      await new Promise((r) => setTimeout(r, (i % 4) * 10));
      const [held, newer] = await Promise.all([heldRun, run(app, { task: `Say hello B${i}`, threadId, multitaskStrategy: "interrupt" })]);
      expect(held.status, JSON.stringify(held.body)).toBe(409);
      expect(held.body.error?.code).toBe("run_superseded");
      expect(newer.status, JSON.stringify(newer.body)).toBe(200);
      const turns = await markedTurns(app, threadId);
      if (JSON.stringify(turns) !== JSON.stringify([`Say hello A${i} (unanswered)`, `Say hello B${i}`])) lost.push(`round ${i}: ${JSON.stringify(turns)}`);
    }
    await probe.close();
    expect(lost).toEqual([]);
  }, 120_000);
});
