/**
 * Checkpoint retention: what a thread keeps once a run on it ends. Every LangGraph checkpoint
 * holds the thread's whole message list again, so a long thread's storage grows with the square
 * of its length unless old checkpoints go. After each run, in one transaction:
 * - the thread keeps its newest `keep` top-level checkpoints (the latest state and the steps
 *   before it, for time travel and Studio's history) and drops the older ones with their writes;
 * - the agents' own checkpoints (a subgraph's, namespaced under the agent's node) are dropped
 *   once the thread has moved past them: they matter only while a run waits inside an agent
 *   (a tool call waiting for approval), and those are newer than the thread's latest checkpoint.
 * How many checkpoints each thread has lost this way is counted in a table of its own, so
 * `history` and the thread API can say so. `keep: 0` turns pruning off.
 *
 * Checkpoint ids are LangGraph's time-ordered uuid6 strings, so comparing them as text orders
 * them by time. Only rows older than the ones the transaction read are removed, so a run that
 * starts on the thread meanwhile (its checkpoints are newer) loses nothing.
 */
import type Database from "libsql";
import type pg from "pg";
import { isConcurrentCreate } from "./pg_schema.js";
import { BUSY_TIMEOUT_MS } from "./sqlite_guard.js";

/** Default number of top-level checkpoints a thread keeps (each run of the orchestrator makes about four). */
export const DEFAULT_CHECKPOINT_KEEP = 12;

/** What a thread holds after pruning. */
export interface RetentionStats {
  /** Top-level checkpoints kept. */
  kept: number;
  /** Checkpoints removed from the thread so far, agents' included. */
  pruned: number;
  /** Top-level checkpoints kept at most (0: all). */
  keep: number;
}

/** Prunes threads of one checkpoint store. */
export interface CheckpointRetention {
  /** Top-level checkpoints kept per thread; 0 keeps everything. */
  readonly keep: number;
  /** Drops what `threadId` no longer needs; returns how many checkpoints went. */
  prune(threadId: string): Promise<number>;
  /** What `threadId` keeps, and how much it lost to pruning. */
  stats(threadId: string): Promise<RetentionStats>;
  /** The id of the thread's newest top-level checkpoint; undefined for a thread with none. */
  latest(threadId: string): Promise<string | undefined>;
  /**
   * Drops everything the thread wrote after checkpoint `base` (a run stopped by `rollback`), in
   * every namespace; with no `base`, the thread's whole history. Returns how many checkpoints went.
   */
  dropAfter(threadId: string, base: string | undefined): Promise<number>;
}

const COUNTER_TABLE = "ai_gateway_checkpoint_retention";

/** Retention on LangGraph's SQLite tables (`checkpoints`, `writes`), through the saver's connection. */
export function sqliteRetention(db: Database.Database, keep: number): CheckpointRetention {
  db.exec(`CREATE TABLE IF NOT EXISTS ${COUNTER_TABLE} (thread_id TEXT PRIMARY KEY, pruned INTEGER NOT NULL DEFAULT 0)`);
  const nth = db.prepare<[string, number]>("SELECT checkpoint_id AS id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT 1 OFFSET ?");
  const dropRoot = db.prepare("DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = '' AND checkpoint_id < ?");
  const dropRootWrites = db.prepare("DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = '' AND checkpoint_id < ?");
  const dropAgents = db.prepare("DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_ns <> '' AND checkpoint_id < ?");
  const dropAgentWrites = db.prepare("DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns <> '' AND checkpoint_id < ?");
  const count = db.prepare(`INSERT INTO ${COUNTER_TABLE} (thread_id, pruned) VALUES (?, ?) ON CONFLICT(thread_id) DO UPDATE SET pruned = pruned + excluded.pruned`);
  const kept = db.prepare<[string]>("SELECT COUNT(*) AS n FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ''");
  const prunedSoFar = db.prepare<[string]>(`SELECT pruned FROM ${COUNTER_TABLE} WHERE thread_id = ?`);
  // '' sorts before every id, so a thread without a base loses all of its rows.
  const dropNewer = db.prepare("DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_id > ?");
  const dropNewerWrites = db.prepare("DELETE FROM writes WHERE thread_id = ? AND checkpoint_id > ?");
  const dropTx = db.transaction((threadId: string, base: string): number => {
    dropNewerWrites.run(threadId, base);
    return Number(dropNewer.run(threadId, base).changes);
  });
  const pruneTx = db.transaction((threadId: string): number => {
    const latest = (nth.get(threadId, 0) as { id: string } | undefined)?.id;
    if (!latest) return 0;
    let removed = Number(dropAgents.run(threadId, latest).changes);
    dropAgentWrites.run(threadId, latest);
    const oldestKept = (nth.get(threadId, keep - 1) as { id: string } | undefined)?.id;
    if (oldestKept) {
      removed += Number(dropRoot.run(threadId, oldestKept).changes);
      dropRootWrites.run(threadId, oldestKept);
    }
    if (removed > 0) count.run(threadId, removed);
    return removed;
  });
  return {
    keep,
    prune: async (threadId) => {
      if (keep <= 0 || !db.open) return 0;
      const removed = pruneTx.immediate(threadId);
      if (removed > 0) compact(db);
      return removed;
    },
    stats: async (threadId) => ({
      kept: Number((kept.get(threadId) as { n: number }).n),
      pruned: Number((prunedSoFar.get(threadId) as { pruned: number } | undefined)?.pruned ?? 0),
      keep,
    }),
    latest: async (threadId) => (db.open ? (nth.get(threadId, 0) as { id: string } | undefined)?.id : undefined),
    dropAfter: async (threadId, base) => {
      if (!db.open) return 0;
      const removed = dropTx.immediate(threadId, base ?? "");
      if (removed > 0) compact(db);
      return removed;
    },
  };
}

/**
 * Gives freed pages back: the file shrinks (in files made with auto_vacuum, see persistence.ts)
 * and the write-ahead log is folded in and truncated. It never waits: the calls are synchronous,
 * and a checkpoint that waited for a reader in another process (the lease poll of a second server,
 * say) would hold this whole process for the connection's busy_timeout. A busy file only
 * postpones this to a later prune. Both pragmas go through `exec`, never a prepared statement:
 * one of those that fails busy stays in progress and pins the connection (see sqlite_guard.ts).
 */
function compact(db: Database.Database): void {
  // Reading the setting touches no file, so it cannot fail busy.
  const [{ timeout } = { timeout: BUSY_TIMEOUT_MS }] = db.pragma("busy_timeout") as { timeout: number }[];
  db.exec("PRAGMA busy_timeout = 0");
  try {
    db.exec("PRAGMA incremental_vacuum");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch {
    // SQLITE_BUSY: nothing is lost, the next prune tries again.
  } finally {
    db.exec(`PRAGMA busy_timeout = ${Number(timeout) || 0}`);
  }
}

/** Runs `body` in a transaction on a connection of its own: committed when it returns, rolled back when it throws. */
async function inTransaction<T>(pool: pg.Pool, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await body(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Deletes the thread's channel values that no remaining checkpoint of their namespace names. */
const ORPHAN_BLOBS = `DELETE FROM checkpoint_blobs b WHERE b.thread_id = $1 AND NOT EXISTS (
  SELECT 1 FROM checkpoints c WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns
    AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)`;

/**
 * Retention on LangGraph's PostgreSQL tables. Channel values live in `checkpoint_blobs`, one row
 * per channel version, so a blob goes once no kept checkpoint of its namespace names its version.
 */
export async function postgresRetention(pool: pg.Pool, keep: number): Promise<CheckpointRetention> {
  await pool.query(`CREATE TABLE IF NOT EXISTS ${COUNTER_TABLE} (thread_id TEXT PRIMARY KEY, pruned BIGINT NOT NULL DEFAULT 0)`).catch((err: unknown) => {
    // Two processes creating the table at once: the loser finds it made.
    if (!isConcurrentCreate(err)) throw err;
  });
  const nth = async (client: pg.Pool | pg.PoolClient, threadId: string, offset: number) =>
    (await client.query<{ id: string }>("SELECT checkpoint_id AS id FROM checkpoints WHERE thread_id = $1 AND checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT 1 OFFSET $2", [threadId, offset])).rows[0]?.id;
  return {
    keep,
    prune: async (threadId) => {
      if (keep <= 0) return 0;
      return inTransaction(pool, async (client) => {
        const latest = await nth(client, threadId, 0);
        if (!latest) return 0;
        const oldestKept = (await nth(client, threadId, keep - 1)) ?? "";
        const gone = (ns: "root" | "agents", before: string) => {
          const where = `thread_id = $1 AND checkpoint_ns ${ns === "root" ? "= ''" : "<> ''"} AND checkpoint_id < $2`;
          return { checkpoints: `DELETE FROM checkpoints WHERE ${where}`, writes: `DELETE FROM checkpoint_writes WHERE ${where}` };
        };
        let removed = 0;
        for (const [ns, before] of [["agents", latest], ["root", oldestKept]] as const) {
          if (!before) continue;
          const sql = gone(ns, before);
          removed += (await client.query(sql.checkpoints, [threadId, before])).rowCount ?? 0;
          await client.query(sql.writes, [threadId, before]);
        }
        if (removed > 0) {
          await client.query(ORPHAN_BLOBS, [threadId]);
          await client.query(`INSERT INTO ${COUNTER_TABLE} (thread_id, pruned) VALUES ($1, $2) ON CONFLICT (thread_id) DO UPDATE SET pruned = ${COUNTER_TABLE}.pruned + EXCLUDED.pruned`, [threadId, removed]);
        }
        return removed;
      });
    },
    stats: async (threadId) => {
      const [kept, pruned] = await Promise.all([
        pool.query<{ n: string }>("SELECT COUNT(*) AS n FROM checkpoints WHERE thread_id = $1 AND checkpoint_ns = ''", [threadId]),
        pool.query<{ pruned: string }>(`SELECT pruned FROM ${COUNTER_TABLE} WHERE thread_id = $1`, [threadId]),
      ]);
      return { kept: Number(kept.rows[0]?.n ?? 0), pruned: Number(pruned.rows[0]?.pruned ?? 0), keep };
    },
    latest: (threadId) => nth(pool, threadId, 0),
    dropAfter: (threadId, base) =>
      inTransaction(pool, async (client) => {
        const args = [threadId, base ?? ""];
        await client.query("DELETE FROM checkpoint_writes WHERE thread_id = $1 AND checkpoint_id > $2", args);
        const removed = (await client.query("DELETE FROM checkpoints WHERE thread_id = $1 AND checkpoint_id > $2", args)).rowCount ?? 0;
        if (removed > 0) await client.query(ORPHAN_BLOBS, [threadId]);
        return removed;
      }),
  };
}
