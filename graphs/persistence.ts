/**
 * Checkpointers for the graphs: PostgreSQL when DATABASE_URL is set, otherwise a SQLite file
 * (CHECKPOINT_SQLITE_PATH, default `.data/checkpoints.sqlite`). A thread started in one
 * process continues in the next one that opens the same store.
 *
 * SQLite is opened with libsql, whose npm package ships prebuilt binaries and whose API is
 * better-sqlite3's; LangGraph's SqliteSaver is handed that database and runs on it unchanged
 * (sqlite_saver.ts). better-sqlite3 itself compiles from source at install, which took about
 * 50 s here, so the published package carries the saver bundled without it.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { loadConfig } from "../src/config/index.js";
import { stopOnceInputKept, trackCheckpointWrites, type CheckpointWrites } from "./checkpoint_writes.js";
import { isConcurrentCreate } from "./pg_schema.js";
import { DEFAULT_CHECKPOINT_KEEP, postgresRetention, sqliteRetention, type CheckpointRetention } from "./retention.js";
import { guardSqlite, isStoreBusy, StoreUnavailableError } from "./sqlite_guard.js";
import { postgresClaims, sqliteClaims, type ThreadClaim, type ThreadClaims } from "./thread_claims.js";
import { postgresLedger, sqliteLedger, type UsageLedger } from "../src/usage/index.js";
import { postgresOwners, sqliteOwners, type ThreadOwners } from "./thread_owners.js";
import { ConfigurationError } from "../src/errors.js";

/** Where checkpoints go; an empty object means "SQLite at the default path". */
export interface CheckpointerOptions {
  /** postgres:// or postgresql:// URL; wins over `sqlitePath`. */
  databaseUrl?: string;
  /** SQLite file, created with its directory when missing; ":memory:" keeps nothing. */
  sqlitePath?: string;
  /** Top-level checkpoints each thread keeps after a run (default 12; 0 keeps all). See `retention.ts`. */
  keepCheckpoints?: number;
}

/** An open checkpointer and how to release it. */
export interface CheckpointerHandle {
  /** Pass to `compile({ checkpointer })`. */
  checkpointer: BaseCheckpointSaver;
  /** Which backend is in use. */
  kind: "sqlite" | "postgres";
  /** Absolute SQLite path, or the database URL with its password masked (safe to log). */
  location: string;
  /**
   * Thread claims kept in the same store, so every process sharing it sees them. Releasing a
   * claim also prunes the thread's old checkpoints (`retention`).
   */
  claims: ThreadClaims;
  /** Prunes a thread's old checkpoints; `claims` does it after every run, apps streaming runs themselves call `prune`. */
  retention: CheckpointRetention;
  /** Usage per run, tenant and user, in the same database (table `ai_gateway_usage`): what budgets and usage reports read. */
  ledger: UsageLedger;
  /** Which tenant owns each thread, in the same database (table `ai_gateway_thread_owners`). */
  owners: ThreadOwners;
  /**
   * Throws (StoreUnavailableError for SQLite) when this process can no longer use the store; a
   * store merely busy with another process's write passes. Cheap: for `/healthz`.
   */
  check(): Promise<void>;
  /** Closes the database connection(s); call once when done. */
  close(): Promise<void>;
}

/** Default SQLite file, relative to the working directory. */
export const DEFAULT_SQLITE_PATH = ".data/checkpoints.sqlite";

/** Checkpointer options from the environment (DATABASE_URL, CHECKPOINT_SQLITE_PATH). */
export function checkpointerOptionsFromEnv(env: Record<string, string | undefined> = process.env): CheckpointerOptions {
  const { persistence } = loadConfig(env);
  return { databaseUrl: persistence.databaseUrl, sqlitePath: persistence.sqlitePath, keepCheckpoints: persistence.keepCheckpoints };
}

/** `postgres://user:secret@host/db` -> `postgres://user:***@host/db`; unparsable URLs are hidden whole. */
export function maskDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    // A password may also hide in the query string (?password=...).
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token/i.test(key)) parsed.searchParams.set(key, "***");
    }
    return parsed.toString();
  } catch {
    return "postgres://***";
  }
}

/**
 * Opens the checkpointer that the options (default: the environment) select. For PostgreSQL
 * it creates the checkpoint tables on first use (`setup()`), which is safe to repeat.
 */
export async function createCheckpointer(
  options: CheckpointerOptions = checkpointerOptionsFromEnv(),
): Promise<CheckpointerHandle> {
  const keep = options.keepCheckpoints ?? DEFAULT_CHECKPOINT_KEEP;
  if (!Number.isInteger(keep) || keep < 0) throw new ConfigurationError("invalid_option", `keepCheckpoints must be a whole number of at least 0, not ${String(keep)}.`);
  if (options.databaseUrl) {
    const location = maskDatabaseUrl(options.databaseUrl);
    // Each backend's modules load only when it is the one chosen.
    const [{ PostgresSaver }, { default: postgres }] = await Promise.all([import("@langchain/langgraph-checkpoint-postgres"), import("pg")]);
    const pool = new postgres.Pool({ connectionString: options.databaseUrl });
    // An idle connection dropped by the server must not crash the process.
    pool.on("error", () => undefined);
    const saver = new PostgresSaver(pool);
    try {
      // Two processes starting on a fresh database race to create the tables; the loser of that
      // race (a unique violation on the catalog) finds them made when it tries again.
      for (let attempt = 1; ; attempt++) {
        try {
          await saver.setup();
          break;
        } catch (err) {
          if (!isConcurrentCreate(err) || attempt >= 4) throw err;
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
    } catch (err) {
      await saver.end().catch(() => undefined);
      const reason = err instanceof Error ? err.message : String(err);
      // pg error messages do not include the password, but the URL we print is masked anyway.
      throw new StoreUnavailableError(`Could not open the PostgreSQL checkpoint store at ${location}: ${reason}. Check DATABASE_URL.`, err);
    }
    let closed = false;
    const claims = await postgresClaims(options.databaseUrl);
    const retention = await postgresRetention(pool, keep);
    const ledger = await postgresLedger(pool, isConcurrentCreate);
    const owners = await postgresOwners(pool, isConcurrentCreate);
    return {
      checkpointer: saver,
      kind: "postgres",
      location,
      claims: pruningOnRelease(claims, retention, trackCheckpointWrites(saver)),
      retention,
      ledger,
      owners,
      check: async () => {
        // A query that does not answer within 2 s counts as a failure (healthz must not hang).
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("PostgreSQL did not answer within 2 s")), 2_000);
        });
        try {
          await Promise.race([pool.query("SELECT 1"), late]);
        } finally {
          clearTimeout(timer);
        }
      },
      close: async () => {
        if (closed) return;
        closed = true;
        await claims.close();
        await saver.end();
      },
    };
  }

  const requested = options.sqlitePath ?? DEFAULT_SQLITE_PATH;
  // ":memory:" is SQLite's in-memory database (tests); anything else is a file path.
  const path = requested === ":memory:" ? requested : resolve(requested);
  if (path !== ":memory:") {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Threads hold conversations: owner-only. SQLite gives the -wal and -shm files the
    // database file's mode, so creating (or tightening) the file first covers all three.
    closeSync(openSync(path, "a", 0o600));
    chmodSync(path, 0o600);
  }
  const [{ createSqliteSaver }, { default: Database }] = await Promise.all([import("./sqlite_saver.js"), import("libsql")]);
  const raw = new Database(path);
  // Several processes may share the file: everything below uses one guarded connection, which waits
  // for another's write (busy_timeout) and never lets a busy failure leave it stuck. Tables are
  // created and WAL switched on now, at startup, rather than inside the first request.
  const { db, check } = guardSqlite(raw, path === ":memory:" ? undefined : () => new Database(path));
  // Pages freed by pruning go back to the file system (retention.ts vacuums after each prune). This
  // takes effect only in a new file: one made before it keeps its size until a manual VACUUM.
  db.exec("PRAGMA auto_vacuum = INCREMENTAL");
  const saver = createSqliteSaver(db);
  for (let attempt = 1; ; attempt++) {
    try {
      // Any read sets the saver up (its setup() is protected).
      await saver.getTuple({ configurable: { thread_id: "", checkpoint_ns: "" } });
      break;
    } catch (err) {
      if (!isStoreBusy(err) || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
  // A run commits every step (two commits each: the step's writes, then its checkpoint; a run of
  // the orchestrator makes about 25). With SQLite's default synchronous = FULL each commit waits
  // for an fsync of the log, which was most of the time SQLite added to a run. In WAL mode, which
  // the saver's setup switched to, NORMAL skips that fsync: a commit is in the log file (the OS's
  // page cache) when the call returns, so a killed process (kill -9, OOM) loses nothing that
  // committed, only the step in flight. A power cut or an OS crash may lose the last commits
  // before the next WAL checkpoint, never the file's integrity. Outside WAL (":memory:") NORMAL
  // is not that safe, and there is nothing to sync anyway: leave it.
  // (libsql ignores the pragma's { simple: true }: read the row.)
  const [{ journal_mode: journal } = { journal_mode: "" }] = db.pragma("journal_mode") as { journal_mode: string }[];
  if (journal === "wal") db.pragma("synchronous = NORMAL");
  const retention = sqliteRetention(db, keep);
  return {
    checkpointer: saver,
    kind: "sqlite",
    location: path,
    claims: pruningOnRelease(sqliteClaims(db), retention, trackCheckpointWrites(saver)),
    retention,
    ledger: sqliteLedger(db),
    owners: sqliteOwners(db),
    check: async () => check(),
    close: async () => {
      if (raw.open) raw.close();
    },
  };
}

/**
 * `claims` whose release also prunes the thread, once the claim is given back: a client that
 * sends its next run as soon as it has the answer must find the thread free, not busy pruning.
 * Pruning only removes what is older than what it reads inside its own transaction, so a run that
 * starts meanwhile loses nothing. A failed prune keeps everything (the next run's release tries
 * again) and never fails the run.
 *
 * A run stopped by `rollback` has what it wrote dropped before the thread is given back: the
 * claim notes the thread's newest checkpoint when it is taken, and release deletes every
 * checkpoint after it, so the run that asked for the stop starts from the state before. When the
 * run's steps ended before the stop could take effect, `commit` notes the newest checkpoint again,
 * so a finished run is never dropped; if that read fails, the rollback drops nothing.
 *
 * Both wait first for the run's checkpoint writes still under way (`writes`): a run stopped by a
 * newer one ends for its caller before LangGraph has saved what it started to write, and the newer
 * run must find it there (`interrupt`), or find it dropped (`rollback`), not have it land later.
 * An `interrupt` reaches the run only once its input is in the thread (`stopOnceInputKept`).
 */
function pruningOnRelease(claims: ThreadClaims, retention: CheckpointRetention, writes: CheckpointWrites): ThreadClaims {
  return {
    kind: claims.kind,
    canRollback: true,
    close: () => claims.close(),
    requestStop: (threadId, mode) => claims.requestStop(threadId, mode),
    onRelease: (threadId, listener) => claims.onRelease(threadId, listener),
    tryClaim: async (threadId) => {
      const claim = await claims.tryClaim(threadId);
      if (!claim) return undefined;
      // The checkpoint a rollback goes back to; null once it is unknown (then nothing is dropped).
      let base: string | undefined | null;
      try {
        base = await retention.latest(threadId);
      } catch (err) {
        await claim.release();
        throw err;
      }
      let released = false;
      const stopped = stopOnceInputKept(claim.stopped, writes, threadId);
      const held: ThreadClaim = {
        stopped: stopped.signal,
        commit: async () => {
          await writes.settled(threadId);
          base = await retention.latest(threadId).catch(() => null);
        },
        release: async () => {
          if (released) return;
          released = true;
          stopped.dispose();
          try {
            await writes.settled(threadId);
            if (claim.stopped.reason === "rollback" && base !== null) await retention.dropAfter(threadId, base);
          } finally {
            await claim.release();
          }
          await retention.prune(threadId).catch(() => undefined);
        },
      };
      return held;
    },
  };
}
