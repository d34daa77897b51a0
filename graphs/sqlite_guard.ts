/**
 * One SQLite connection shared by the checkpointer, the thread claims, retention and the usage
 * ledger, guarded so that a busy file (another process writing) can never leave it stuck.
 *
 * Why: libsql 0.5 has no way to reset or finalize a statement. A prepared statement whose step
 * fails with SQLITE_BUSY stays "in progress" until it runs again or the garbage collector frees
 * it; meanwhile the connection keeps its read snapshot, COMMIT answers "cannot commit transaction
 * - SQL statements in progress" and every later write fails at once. `exec` does not have this
 * problem: its statements are finished whatever happens. So, on the guarded connection:
 * - every write takes the write lock with `exec("BEGIN IMMEDIATE")` before any prepared statement
 *   steps (a write outside a transaction gets one of its own), so no prepared statement is ever
 *   the one that waits for, and fails on, the lock; every `transaction()` is IMMEDIATE for the
 *   same reason, and rolls back through `exec` when its body throws;
 * - pragmas that take locks (`incremental_vacuum`, `wal_checkpoint`) and pragma assignments run
 *   through `exec`;
 * - a read whose statement fails busy (rare in WAL mode) is remembered and run again, which
 *   resets it, before the connection is used for anything else.
 * SQLite's busy_timeout still applies: a lock held elsewhere is waited for, with SQLite's own
 * backoff, up to BUSY_TIMEOUT_MS; then the caller gets an error `isStoreBusy` recognises.
 */
// Types only: this module is loaded by the server's error mapping, with PostgreSQL too, where
// libsql's native binary must not load.
import type Database from "libsql";
import { AIGatewayAgentsError } from "../src/errors.js";

/** How long the shared connection waits for a lock held by another process before failing busy. */
export const BUSY_TIMEOUT_MS = 5_000;

/** How long `/healthz` waits for the write lock when it checks the store. */
const PROBE_TIMEOUT_MS = 100;

/** SQLite codes that mean "another connection holds the lock" (extended codes included). */
const BUSY_CODE = /^SQLITE_(BUSY|LOCKED)(_|$)/;
const BUSY_MESSAGE = /database is locked|database table is locked|SQL statements in progress/i;

/**
 * Whether `err` (or an error it wraps, through `cause`) says the SQLite store was busy: another
 * process held the lock longer than the busy timeout. Such a failure is worth retrying later.
 */
export function isStoreBusy(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 6; depth++) {
    if (typeof e !== "object") return false;
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string" && BUSY_CODE.test(code)) return true;
    if (typeof message === "string" && BUSY_MESSAGE.test(message)) return true;
    e = cause;
  }
  return false;
}

/** Raised by `check()` when the store cannot be used; its message says why. */
export class StoreUnavailableError extends AIGatewayAgentsError {
  override readonly name = "StoreUnavailableError";
  constructor(message: string, cause?: unknown) {
    super(message, { code: "store_unavailable", status: 503, cause });
  }
}

/** A guarded connection: hand `db` to everything that shares the file. */
export interface GuardedSqlite {
  /** The connection to use: libsql's API, with writes and pragmas made safe as described above. */
  readonly db: Database.Database;
  /**
   * Checks that the connection still works: no transaction or statement left open, and the write
   * lock can be taken (or, when another process holds it, a fresh connection cannot take it
   * either). Throws StoreUnavailableError otherwise. Never waits longer than about 0.2 s.
   */
  check(): void;
}

/** Write statements kept prepared, at most (the project's own SQL has a few dozen). */
const MAX_SHARED_WRITES = 256;

const isRead = (sql: string) => /^\s*select\b/i.test(sql);
/** Pragmas that step through the file and take locks: run them through `exec` (an assignment, such as `journal_mode = WAL`, always is). */
const LOCKING_PRAGMA = /^\s*(incremental_vacuum|wal_checkpoint|optimize|vacuum)\b/i;

type Method = "run" | "get" | "all" | "iterate";
type Stmt = Database.Statement<unknown[]>;

/**
 * Wraps `raw` (its busy_timeout is set to BUSY_TIMEOUT_MS). `openFresh` opens another connection
 * to the same file, which `check()` uses to tell a busy file from a stuck connection; without it
 * (":memory:") a busy probe counts as a failure.
 */
export function guardSqlite(raw: Database.Database, openFresh?: () => Database.Database): GuardedSqlite {
  raw.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Reads that failed busy, with their arguments: running one again (harmlessly) resets it.
  const unreset = new Map<Stmt, unknown[]>();
  let savepoints = 0;

  const heal = () => {
    for (const [stmt, args] of unreset) {
      try {
        stmt.all(...args);
        unreset.delete(stmt);
      } catch {
        // Still busy: tried again on the next use.
      }
    }
  };
  const rollback = () => {
    try {
      if (raw.inTransaction) raw.exec("ROLLBACK");
    } catch {
      // Nothing open any more (SQLite may have rolled back on its own).
    }
  };
  /**
   * Runs `body` in an IMMEDIATE transaction, or in a savepoint of the one already open. A single
   * statement (`single`) inside an open transaction runs as it is: SQLite undoes a failed
   * statement on its own, and the transaction around it holds the lock already.
   */
  const inWrite = <T>(body: () => T, single = false): T => {
    if (raw.inTransaction) {
      if (single) return body();
      const name = `guard_${++savepoints}`;
      raw.exec(`SAVEPOINT ${name}`);
      try {
        const result = body();
        raw.exec(`RELEASE ${name}`);
        return result;
      } catch (err) {
        raw.exec(`ROLLBACK TO ${name}`);
        raw.exec(`RELEASE ${name}`);
        throw err;
      }
    }
    heal();
    // A failed BEGIN through exec leaves nothing behind.
    raw.exec("BEGIN IMMEDIATE");
    try {
      const result = body();
      raw.exec("COMMIT");
      return result;
    } catch (err) {
      rollback();
      throw err;
    }
  };

  const wrapStatement = (stmt: Stmt, sql: string): Stmt => {
    const read = isRead(sql);
    const call = (method: Method, args: unknown[]): unknown => {
      const fn = stmt[method] as (...a: unknown[]) => unknown;
      if (!read) {
        // `iterate` of a write is read out at once: the transaction must end before we return.
        if (method === "iterate") return inWrite(() => stmt.all(...args), true)[Symbol.iterator]();
        return inWrite(() => fn.apply(stmt, args), true);
      }
      if (unreset.size > 0) heal();
      try {
        const result = fn.apply(stmt, args);
        if (method !== "iterate") return result;
        const rows = result as IterableIterator<unknown>;
        // Reads out lazily; a busy failure midway leaves the statement to be reset.
        return {
          next: () => {
            try {
              return rows.next();
            } catch (err) {
              if (isStoreBusy(err)) unreset.set(stmt, args);
              throw err;
            }
          },
          [Symbol.iterator]() {
            return this;
          },
        };
      } catch (err) {
        if (isStoreBusy(err)) unreset.set(stmt, args);
        throw err;
      }
    };
    const wrapper: Stmt = new Proxy(stmt, {
      get(target, prop) {
        if (prop === "run" || prop === "get" || prop === "all" || prop === "iterate") return (...args: unknown[]) => call(prop, args);
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== "function") return value;
        // pluck(), raw() and the like return the statement itself: keep handing out the wrapper.
        return (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result === target ? wrapper : result;
        };
      },
    });
    return wrapper;
  };

  const transaction = (fn: (...args: unknown[]) => unknown) => {
    const tx = (...args: unknown[]) => inWrite(() => fn(...args));
    // Every mode is IMMEDIATE: a DEFERRED one would take the lock in its first write statement.
    for (const mode of ["default", "deferred", "immediate", "exclusive"]) Object.defineProperty(tx, mode, { value: tx });
    Object.defineProperty(tx, "database", { value: db, enumerable: true });
    return tx;
  };

  const pragma = (source: string, options?: { simple?: boolean }): unknown => {
    if (source.includes("=") || LOCKING_PRAGMA.test(source)) {
      if (unreset.size > 0) heal();
      raw.exec(`PRAGMA ${source}`);
      return options?.simple ? undefined : [];
    }
    const stmt = wrapStatement(raw.prepare(`PRAGMA ${source}`) as Stmt, "select");
    return options?.simple ? stmt.pluck().get() : stmt.all();
  };

  // Writes are prepared once per SQL text (the checkpointer prepares its INSERTs on every step): a
  // write statement is always stepped to its end within one synchronous call, so sharing it is
  // safe. Reads are not shared: one may be iterated while another use of the same SQL begins.
  const writes = new Map<string, Stmt>();
  const prepare = (sql: string): Stmt => {
    if (isRead(sql)) return wrapStatement(raw.prepare(sql) as Stmt, sql);
    let stmt = writes.get(sql);
    if (!stmt) {
      stmt = wrapStatement(raw.prepare(sql) as Stmt, sql);
      if (writes.size < MAX_SHARED_WRITES) writes.set(sql, stmt);
    }
    return stmt;
  };

  const db: Database.Database = new Proxy(raw, {
    get(target, prop) {
      if (prop === "prepare") return prepare;
      if (prop === "transaction") return transaction;
      if (prop === "pragma") return pragma;
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        return result === target ? db : result;
      };
    },
  });

  const check = () => {
    if (!raw.open) throw new StoreUnavailableError("The SQLite store is closed.");
    heal();
    if (unreset.size > 0) throw new StoreUnavailableError("A read on the SQLite store failed busy and could not be run again; the connection is stuck.");
    // Every transaction here begins and ends within one synchronous call: one open now was left behind.
    if (raw.inTransaction) {
      rollback();
      throw new StoreUnavailableError("A transaction was left open on the SQLite store (rolled back now).");
    }
    const probe = (conn: Database.Database) => {
      conn.exec(`PRAGMA busy_timeout = ${PROBE_TIMEOUT_MS}`);
      try {
        // An empty write transaction, committed: COMMIT is what a statement left in progress breaks.
        conn.exec("BEGIN IMMEDIATE");
        try {
          conn.prepare("SELECT count(*) AS n FROM sqlite_master").get();
          conn.exec("COMMIT");
        } catch (err) {
          if (conn.inTransaction) conn.exec("ROLLBACK");
          throw err;
        }
      } finally {
        conn.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      }
    };
    let failure: unknown;
    try {
      probe(raw);
      return;
    } catch (err) {
      failure = err;
    }
    const reason = failure instanceof Error ? failure.message : String(failure);
    if (!isStoreBusy(failure) || !openFresh) throw new StoreUnavailableError(`The SQLite store cannot be written: ${reason}.`);
    // Busy: another process writing (fine), or this connection stuck (not). A fresh connection tells them apart.
    const fresh = openFresh();
    try {
      probe(fresh);
    } catch (err) {
      // The fresh connection is refused too: the lock is simply held elsewhere.
      if (isStoreBusy(err)) return;
      throw new StoreUnavailableError(`The SQLite store cannot be written: ${err instanceof Error ? err.message : String(err)}.`);
    } finally {
      fresh.close();
    }
    // The lock was free for the fresh connection: this one should get it now.
    try {
      probe(raw);
    } catch (err) {
      throw new StoreUnavailableError(`This process's SQLite connection is stuck (another connection can write, it cannot): ${err instanceof Error ? err.message : String(err)}.`);
    }
  };

  return { db, check };
}

/**
 * Runs `write` again while it fails busy, pausing 50 ms and doubling up to 800 ms between tries,
 * at most `attempts` times in all; the last failure is thrown. For writes whose failure would be
 * costly (a claim left behind), not for a run's own steps.
 */
export async function retryWhileBusy<T>(write: () => T | Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1, pause = 50; ; attempt++, pause = Math.min(pause * 2, 800)) {
    try {
      return await write();
    } catch (err) {
      if (!isStoreBusy(err) || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
