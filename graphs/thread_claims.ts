/**
 * Thread claims every process on one store sees, so two processes never run on one thread at
 * once (interleaved runs lose messages without an error). PostgreSQL: a session advisory lock
 * keyed on the thread, held on a connection of its own for the run; a killed process's session
 * ends and frees it. SQLite: a lease row taken in an IMMEDIATE transaction, renewed while the
 * run goes and expiring on its own when the process is killed; a holder on this machine whose
 * process is gone (a restart after kill -9) loses it at once. Without a shared store (an
 * in-memory checkpointer) claims are kept in this process.
 *
 * A newer run may ask the holder to stop (the `interrupt` and `rollback` double-texting
 * policies): the request reaches the holder in whatever process it runs, which sees it as its
 * claim's `stopped` signal, stops its run and gives the thread back. SQLite: a `stop` column on
 * the lease row, polled every 100 ms by one query per connection for all the claims it holds.
 * PostgreSQL: a notification on the connection that holds the lock.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type Database from "libsql";
import type pg from "pg";
import { BUSY_TIMEOUT_MS, retryWhileBusy } from "./sqlite_guard.js";

/** Why a newer run asked the holder to stop: keep its completed steps, or drop them. */
export type StopMode = "interrupt" | "rollback";

/** A held claim. */
export interface ThreadClaim {
  /** Gives the thread back (idempotent). */
  release(): Promise<void>;
  /**
   * Says that the run's steps so far ended without an error: a `rollback` asked for from now on
   * (or one that came too late to stop them) keeps them and drops only what is written after.
   * Holders call it when a run's steps have ended, before they look at `stopped` or release.
   */
  commit(): Promise<void>;
  /** Aborted, with the StopMode as its reason, when a newer run asks this one to stop. */
  readonly stopped: AbortSignal;
}

/** Claims threads for runs. */
export interface ThreadClaims {
  /** Where claims are kept. */
  readonly kind: "postgres" | "sqlite" | "process";
  /** Whether a run stopped by `rollback` has its steps dropped (true only for the checkpoint stores' claims). */
  readonly canRollback: boolean;
  /** The claim on `threadId`, or undefined when another run (in any process) holds it. */
  tryClaim(threadId: string): Promise<ThreadClaim | undefined>;
  /** Asks the run holding `threadId`, in any process, to stop; nothing when no run holds it. */
  requestStop(threadId: string, mode: StopMode): Promise<void>;
  /**
   * Calls `listener` each time a claim on `threadId` taken through this object is given back, so
   * a run waiting in this process tries again at once; returns the unsubscribe. Releases in other
   * processes are not heard: waiters still try again on their own.
   */
  onRelease(threadId: string, listener: () => void): () => void;
  /** Frees what this object holds (its database connections). */
  close(): Promise<void>;
}

/** The listeners of `onRelease`, per thread. */
class ReleaseListeners {
  private readonly byThread = new Map<string, Set<() => void>>();

  on(threadId: string, listener: () => void): () => void {
    const set = this.byThread.get(threadId) ?? new Set();
    set.add(listener);
    this.byThread.set(threadId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byThread.get(threadId) === set) this.byThread.delete(threadId);
    };
  }

  released(threadId: string): void {
    for (const listener of [...(this.byThread.get(threadId) ?? [])]) listener();
  }
}

/**
 * Waits for a thread held by another run: calls `attempt` until it gives a claim, pausing 20 ms
 * and doubling to 250 ms between tries (a claim taken elsewhere is seen only by trying again),
 * and trying again at once when `wake` (a claims object's `onRelease` for the thread) says a
 * claim was given back. Gives "aborted" once `signal` is aborted and "timeout" at `deadline`
 * (ms since the epoch).
 */
export async function waitForClaim(
  attempt: () => Promise<ThreadClaim | undefined>,
  options: { deadline: number; signal?: AbortSignal; wake?: (listener: () => void) => () => void },
): Promise<ThreadClaim | "aborted" | "timeout"> {
  // Listening before the first try: a release between a failed try and the pause is not missed.
  let woken = false;
  let wakeUp: (() => void) | undefined;
  const stopListening = options.wake?.(() => {
    woken = true;
    wakeUp?.();
  });
  try {
    for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
      woken = false;
      const held = await attempt();
      if (held) return held;
      if (options.signal?.aborted) return "aborted";
      if (Date.now() >= options.deadline) return "timeout";
      if (woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(pause, Math.max(1, options.deadline - Date.now())));
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = undefined;
    }
  } finally {
    stopListening?.();
  }
}

/**
 * `attempt` for `waitForClaim` that, while the thread is held, asks its holder to stop (the
 * `interrupt` and `rollback` policies). Asked on every try: the holder may have changed, or been
 * between taking its lock and listening for requests.
 */
export function stoppingAttempt(attempt: () => Promise<ThreadClaim | undefined>, claims: ThreadClaims, threadId: string, mode: StopMode): () => Promise<ThreadClaim | undefined> {
  return async () => {
    const held = await attempt();
    if (!held) await claims.requestStop(threadId, mode);
    return held;
  };
}

/** `commit` of claims that never drop a run's steps (only the checkpoint stores' wrapper does). */
const nothingToCommit = async (): Promise<void> => undefined;

/** How long a SQLite lease lasts without renewal; renewed at a third of it. */
export const LEASE_MS = 30_000;

/** Claims kept in this process only. */
export function processClaims(): ThreadClaims {
  const held = new Map<string, AbortController>();
  const listeners = new ReleaseListeners();
  return {
    kind: "process",
    canRollback: false,
    onRelease: (threadId, listener) => listeners.on(threadId, listener),
    tryClaim: async (threadId) => {
      if (held.has(threadId)) return undefined;
      const stop = new AbortController();
      held.set(threadId, stop);
      return {
        stopped: stop.signal,
        commit: nothingToCommit,
        release: async () => {
          if (held.get(threadId) !== stop) return;
          held.delete(threadId);
          listeners.released(threadId);
        },
      };
    },
    requestStop: async (threadId, mode) => {
      const stop = held.get(threadId);
      if (stop && !stop.signal.aborted) stop.abort(mode);
    },
    close: async () => undefined,
  };
}

/** How often a SQLite holder looks for a stop request. */
const STOP_POLL_MS = 100;

const isStopMode = (v: unknown): v is StopMode => v === "interrupt" || v === "rollback";

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

/** How often a lease whose release failed is tried again, in the background, until it would have expired anyway. */
const RELEASE_RETRY_MS = 1_000;

/**
 * Lease rows in the checkpoint file itself (its own table), through the saver's connection (the
 * guarded one of sqlite_guard.ts, so a busy file never leaves it stuck). A release that fails
 * because the file stays busy is tried again, a few times at once and then in the background
 * until the lease would have expired; meanwhile this claims object may take the thread again
 * (its own lease, no longer held by a run here), so its next run on the thread is not refused.
 */
export function sqliteClaims(db: Database.Database, leaseMs = LEASE_MS): ThreadClaims {
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Owners of this object's leases start with it: one left behind by a failed release is ours to take again.
  const self = `${HOST}:${process.pid}:${randomUUID().slice(0, 8)}`;
  db.exec("CREATE TABLE IF NOT EXISTS thread_claims (thread_id TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL, stop TEXT)");
  addStopColumn(db);
  const select = db.prepare<[string]>("SELECT owner, expires_at FROM thread_claims WHERE thread_id = ?");
  const upsert = db.prepare(
    "INSERT INTO thread_claims (thread_id, owner, expires_at, stop) VALUES (?, ?, ?, NULL) ON CONFLICT(thread_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at, stop = NULL",
  );
  const askStop = db.prepare("UPDATE thread_claims SET stop = ? WHERE thread_id = ? AND expires_at > ?");
  // Only held leases have rows, and few of them carry a request: one query serves every claim held here.
  const readStops = db.prepare("SELECT owner, stop FROM thread_claims WHERE stop IS NOT NULL");
  const renew = db.prepare("UPDATE thread_claims SET expires_at = ? WHERE thread_id = ? AND owner = ?");
  const remove = db.prepare("DELETE FROM thread_claims WHERE thread_id = ? AND owner = ?");
  const take = db.transaction((threadId: string, owner: string, now: number) => {
    const row = select.get(threadId) as { owner: string; expires_at: number } | undefined;
    const leftHere = row !== undefined && row.owner.startsWith(`${self}:`) && !holders.has(row.owner);
    if (row && row.expires_at > now && !holderIsGone(row.owner) && !leftHere) return false;
    upsert.run(threadId, owner, now + leaseMs);
    return true;
  });
  const listeners = new ReleaseListeners();
  // The stop controllers of the claims held through this connection, by lease owner; one timer polls for all.
  const holders = new Map<string, AbortController>();
  let poll: ReturnType<typeof setInterval> | undefined;
  const pollStops = () => {
    if (!db.open) return;
    let rows: { owner: string; stop: string | null }[];
    try {
      rows = readStops.all() as { owner: string; stop: string | null }[];
    } catch {
      // A busy file: the next poll reads the requests.
      return;
    }
    for (const row of rows) {
      const stop = holders.get(row.owner);
      if (stop && isStopMode(row.stop) && !stop.signal.aborted) stop.abort(row.stop);
    }
  };
  const hold = (owner: string, stop: AbortController) => {
    holders.set(owner, stop);
    if (!poll) {
      poll = setInterval(pollStops, STOP_POLL_MS);
      poll.unref();
    }
  };
  const unhold = (owner: string) => {
    holders.delete(owner);
    if (holders.size === 0 && poll) {
      clearInterval(poll);
      poll = undefined;
    }
  };
  return {
    kind: "sqlite",
    canRollback: false,
    onRelease: (threadId, listener) => listeners.on(threadId, listener),
    tryClaim: async (threadId) => {
      const owner = `${self}:${randomUUID()}`;
      if (!take.immediate(threadId, owner, Date.now())) return undefined;
      let expiresAt = Date.now() + leaseMs;
      const timer = setInterval(() => {
        try {
          if (db.open) renew.run(Date.now() + leaseMs, threadId, owner);
          expiresAt = Date.now() + leaseMs;
        } catch {
          // A busy file: the next renewal (a third of the lease later) tries again.
        }
      }, Math.max(1_000, Math.floor(leaseMs / 3)));
      timer.unref();
      const stop = new AbortController();
      hold(owner, stop);
      let released = false;
      return {
        stopped: stop.signal,
        commit: nothingToCommit,
        release: async () => {
          if (released) return;
          released = true;
          clearInterval(timer);
          unhold(owner);
          const removeLease = () => {
            if (db.open) remove.run(threadId, owner);
          };
          try {
            await retryWhileBusy(removeLease, 3);
          } catch {
            // Still busy: keep trying in the background; this object may take the thread meanwhile.
            const retry = setInterval(() => {
              try {
                if (Date.now() < expiresAt) removeLease();
                clearInterval(retry);
              } catch {
                // Busy again: the next tick tries.
              }
            }, RELEASE_RETRY_MS);
            retry.unref();
          }
          listeners.released(threadId);
        },
      };
    },
    requestStop: async (threadId, mode) => {
      if (db.open) askStop.run(mode, threadId, Date.now());
    },
    close: async () => undefined,
  };
}

/** Adds the `stop` column to a lease table made before it existed (another process may race us to it). */
function addStopColumn(db: Database.Database): void {
  const columns = db.prepare("PRAGMA table_info(thread_claims)").all() as { name: string }[];
  if (columns.some((c) => c.name === "stop")) return;
  try {
    db.exec("ALTER TABLE thread_claims ADD COLUMN stop TEXT");
  } catch (err) {
    if (!/duplicate column/i.test((err as Error).message)) throw err;
  }
}

/** The channel on which PostgreSQL holders hear stop requests (payload: JSON `{ thread, mode }`). */
const STOP_CHANNEL = "ai_gateway_thread_stop";

/** Session advisory locks: one pooled connection per held claim, the lock keyed on the thread. */
export async function postgresClaims(databaseUrl: string): Promise<ThreadClaims> {
  const { default: postgres } = await import("pg");
  const pool = new postgres.Pool({ connectionString: databaseUrl, max: 20 });
  // An idle connection dropped by the server must not crash the process.
  pool.on("error", () => undefined);
  // Connections holding a lock; closing drops them (and so their locks) instead of waiting on them.
  const holding = new Set<pg.PoolClient>();
  const listeners = new ReleaseListeners();
  return {
    kind: "postgres",
    canRollback: false,
    onRelease: (threadId, listener) => listeners.on(threadId, listener),
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
      // Listening only once the lock is held: a request sent before it is sent again by its run's next try.
      const stop = new AbortController();
      const onNotice = (msg: pg.Notification) => {
        if (msg.channel !== STOP_CHANNEL || !msg.payload) return;
        try {
          const { thread, mode } = JSON.parse(msg.payload) as { thread?: unknown; mode?: unknown };
          if (thread === threadId && isStopMode(mode) && !stop.signal.aborted) stop.abort(mode);
        } catch {
          // Not one of ours.
        }
      };
      client.on("notification", onNotice);
      let released = false;
      holding.add(client);
      try {
        await client.query(`LISTEN ${STOP_CHANNEL}`);
      } catch (err) {
        holding.delete(client);
        client.off("notification", onNotice);
        client.release(err as Error);
        throw err;
      }
      return {
        stopped: stop.signal,
        commit: nothingToCommit,
        release: async () => {
          if (released || !holding.delete(client)) return;
          released = true;
          client.off("notification", onNotice);
          try {
            await client.query(`UNLISTEN ${STOP_CHANNEL}`);
            await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [`thread:${threadId}`]);
            client.release();
          } catch (err) {
            // A broken connection takes its lock with it; drop it from the pool.
            client.release(err as Error);
          }
          listeners.released(threadId);
        },
      };
    },
    requestStop: async (threadId, mode) => {
      await pool.query("SELECT pg_notify($1, $2)", [STOP_CHANNEL, JSON.stringify({ thread: threadId, mode })]);
    },
    close: async () => {
      for (const client of holding) client.release(new Error("thread claims closed"));
      holding.clear();
      await pool.end();
    },
  };
}
