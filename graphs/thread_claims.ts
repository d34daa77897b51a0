/**
 * Thread claims every process on one store sees, so two processes never run on one thread at
 * once (interleaved runs lose messages without an error). PostgreSQL: a session advisory lock
 * keyed on the thread, held on a connection of its own for the run; a killed process's session
 * ends and frees it. SQLite: a lease row taken in an IMMEDIATE transaction, renewed while the
 * run goes and expiring on its own when the process is killed; a holder on this machine whose
 * process is gone (a restart after kill -9) loses it at once. Without a shared store (an
 * in-memory checkpointer) claims are kept in this process.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type Database from "libsql";
import type pg from "pg";

/** A held claim. */
export interface ThreadClaim {
  /** Gives the thread back (idempotent). */
  release(): Promise<void>;
}

/** Claims threads for runs. */
export interface ThreadClaims {
  /** Where claims are kept. */
  readonly kind: "postgres" | "sqlite" | "process";
  /** The claim on `threadId`, or undefined when another run (in any process) holds it. */
  tryClaim(threadId: string): Promise<ThreadClaim | undefined>;
  /** Frees what this object holds (its database connections). */
  close(): Promise<void>;
}

/**
 * Waits for a thread held by another run: calls `attempt` until it gives a claim, pausing 20 ms
 * and doubling to 250 ms between tries (a claim taken elsewhere is seen only by trying again).
 * Gives "aborted" once `signal` is aborted and "timeout" at `deadline` (ms since the epoch).
 */
export async function waitForClaim(
  attempt: () => Promise<ThreadClaim | undefined>,
  options: { deadline: number; signal?: AbortSignal },
): Promise<ThreadClaim | "aborted" | "timeout"> {
  for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
    const held = await attempt();
    if (held) return held;
    if (options.signal?.aborted) return "aborted";
    if (Date.now() >= options.deadline) return "timeout";
    await new Promise((r) => setTimeout(r, Math.min(pause, Math.max(1, options.deadline - Date.now()))));
  }
}

/** How long a SQLite lease lasts without renewal; renewed at a third of it. */
export const LEASE_MS = 30_000;

/** Claims kept in this process only. */
export function processClaims(): ThreadClaims {
  const held = new Set<string>();
  return {
    kind: "process",
    tryClaim: async (threadId) => {
      if (held.has(threadId)) return undefined;
      held.add(threadId);
      return { release: async () => void held.delete(threadId) };
    },
    close: async () => undefined,
  };
}

const HOST = hostname();

/** Whether a lease's owner (`host:pid:id`) is a process of this machine that no longer runs. */
function holderIsGone(owner: string): boolean {
  const [host, pid] = owner.split(":");
  if (host !== HOST || !/^\d+$/.test(pid ?? "") || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Lease rows in the checkpoint file itself (its own table), through the saver's connection. */
export function sqliteClaims(db: Database.Database, leaseMs = LEASE_MS): ThreadClaims {
  db.pragma("busy_timeout = 5000");
  db.exec("CREATE TABLE IF NOT EXISTS thread_claims (thread_id TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL)");
  const select = db.prepare<[string]>("SELECT owner, expires_at FROM thread_claims WHERE thread_id = ?");
  const upsert = db.prepare("INSERT INTO thread_claims (thread_id, owner, expires_at) VALUES (?, ?, ?) ON CONFLICT(thread_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at");
  const renew = db.prepare("UPDATE thread_claims SET expires_at = ? WHERE thread_id = ? AND owner = ?");
  const remove = db.prepare("DELETE FROM thread_claims WHERE thread_id = ? AND owner = ?");
  const take = db.transaction((threadId: string, owner: string, now: number) => {
    const row = select.get(threadId) as { owner: string; expires_at: number } | undefined;
    if (row && row.expires_at > now && !holderIsGone(row.owner)) return false;
    upsert.run(threadId, owner, now + leaseMs);
    return true;
  });
  return {
    kind: "sqlite",
    tryClaim: async (threadId) => {
      const owner = `${HOST}:${process.pid}:${randomUUID()}`;
      if (!take.immediate(threadId, owner, Date.now())) return undefined;
      const timer = setInterval(() => {
        if (db.open) renew.run(Date.now() + leaseMs, threadId, owner);
      }, Math.max(1_000, Math.floor(leaseMs / 3)));
      timer.unref();
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          clearInterval(timer);
          if (db.open) remove.run(threadId, owner);
        },
      };
    },
    close: async () => undefined,
  };
}

/** Session advisory locks: one pooled connection per held claim, the lock keyed on the thread. */
export async function postgresClaims(databaseUrl: string): Promise<ThreadClaims> {
  const { default: postgres } = await import("pg");
  const pool = new postgres.Pool({ connectionString: databaseUrl, max: 20 });
  // An idle connection dropped by the server must not crash the process.
  pool.on("error", () => undefined);
  // Connections holding a lock; closing drops them (and so their locks) instead of waiting on them.
  const holding = new Set<pg.PoolClient>();
  return {
    kind: "postgres",
    tryClaim: async (threadId) => {
      const client = await pool.connect();
      try {
        const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok", [`thread:${threadId}`]);
        if (!rows[0]?.ok) {
          client.release();
          return undefined;
        }
      } catch (err) {
        client.release(err as Error);
        throw err;
      }
      let released = false;
      holding.add(client);
      return {
        release: async () => {
          if (released || !holding.delete(client)) return;
          released = true;
          try {
            await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [`thread:${threadId}`]);
            client.release();
          } catch (err) {
            // A broken connection takes its lock with it; drop it from the pool.
            client.release(err as Error);
          }
        },
      };
    },
    close: async () => {
      for (const client of holding) client.release(new Error("thread claims closed"));
      holding.clear();
      await pool.end();
    },
  };
}
