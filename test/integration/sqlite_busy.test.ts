/**
 * A SQLite file another connection is writing (another server process): a write or a vacuum of
 * ours that fails busy must leave our shared connection usable. libsql 0.5 cannot reset a
 * prepared statement, so one that fails busy stays "in progress": COMMIT then answers "SQL
 * statements in progress" and the connection keeps reading an old snapshot. The store's guarded
 * connection (graphs/sqlite_guard.ts) never lets a prepared statement be the one that fails.
 * Busy timeouts are set to 0 here so that a held lock fails at once instead of after 5 s.
 */
import { join } from "node:path";
import { emptyCheckpoint, type BaseCheckpointSaver } from "@langchain/langgraph";
import Database from "libsql";
import { afterAll, describe, expect, it } from "vitest";
import { createCheckpointer, type CheckpointerHandle } from "../../graphs/persistence.js";
import { guardSqlite, isStoreBusy, StoreUnavailableError } from "../../graphs/sqlite_guard.js";
import { tempDir } from "./server_helpers.js";

const { dir, cleanup } = tempDir();
afterAll(cleanup);

type Conn = InstanceType<typeof Database>;
/** The saver's own connection (what claims, retention and the ledger share). */
const connectionOf = (handle: CheckpointerHandle) => (handle.checkpointer as unknown as { db: Conn }).db;

/** A checkpoint of `threadId`, saved through the saver (what every run step does). */
async function putCheckpoint(saver: BaseCheckpointSaver, threadId: string): Promise<void> {
  const checkpoint = emptyCheckpoint();
  await saver.put({ configurable: { thread_id: threadId, checkpoint_ns: "" } }, checkpoint, { source: "input", step: -1, parents: {} }, {});
}

/** Runs `body` while `other` holds the write lock with a row it has not committed yet; commits it after. */
function whileLocked(other: Conn, body: () => Promise<void>): Promise<void> {
  other.exec("BEGIN IMMEDIATE");
  other.exec("INSERT INTO marks (v) VALUES ('from the other process')");
  return body().finally(() => other.exec("COMMIT"));
}

describe("a busy SQLite file", () => {
  it("libsql itself: a prepared write that fails busy leaves the connection unable to commit (the hazard)", () => {
    const file = join(dir, "raw.sqlite");
    const ours = new Database(file);
    const other = new Database(file);
    try {
      ours.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (v TEXT)");
      ours.exec("PRAGMA busy_timeout = 0");
      other.exec("BEGIN IMMEDIATE");
      expect(() => ours.prepare("INSERT INTO t VALUES ('x')").run()).toThrow(/locked/);
      other.exec("COMMIT");
      ours.exec("BEGIN IMMEDIATE");
      ours.exec("INSERT INTO t VALUES ('y')");
      // What the guard exists for: if libsql learns to reset failed statements, this test says so.
      expect(() => ours.exec("COMMIT")).toThrow(/statements in progress/);
    } finally {
      ours.close();
      other.close();
    }
  });

  it("the store's connection stays usable after its checkpoint writes, claims, ledger and vacuum fail busy", async () => {
    const file = join(dir, "store.sqlite");
    const handle = await createCheckpointer({ sqlitePath: file, keepCheckpoints: 2 });
    const other = new Database(file);
    try {
      const db = connectionOf(handle);
      db.exec("CREATE TABLE IF NOT EXISTS marks (v TEXT)");
      db.exec("PRAGMA busy_timeout = 0");
      await putCheckpoint(handle.checkpointer, "before");

      await whileLocked(other, async () => {
        const failures = await Promise.allSettled([
          putCheckpoint(handle.checkpointer, "during"),
          handle.checkpointer.putWrites({ configurable: { thread_id: "during", checkpoint_ns: "", checkpoint_id: "1" } }, [["messages", "x"]], "task"),
          handle.claims.tryClaim("during"),
          handle.ledger.append([{ at: Date.now(), runId: "r1", tier: "fast", inputTokens: 1, outputTokens: 1, calls: 1, costUsd: 0, unpriced: false }]),
          handle.retention.dropAfter("before", undefined),
          Promise.resolve().then(() => db.pragma("incremental_vacuum")),
          Promise.resolve().then(() => db.prepare("INSERT INTO marks (v) VALUES ('ours, refused')").run()),
        ]);
        // Each one was refused because of the lock, and said so in a way the server maps to 503.
        for (const f of failures.slice(0, 5)) {
          expect(f.status).toBe("rejected");
          expect(isStoreBusy((f as PromiseRejectedResult).reason)).toBe(true);
        }
      });

      // The connection commits again, and sees what the other process wrote meanwhile.
      await putCheckpoint(handle.checkpointer, "after");
      db.prepare("INSERT INTO marks (v) VALUES ('ours')").run();
      const marks = (db.prepare("SELECT v FROM marks ORDER BY rowid").all() as { v: string }[]).map((r) => r.v);
      expect(marks).toEqual(["from the other process", "ours"]);
      other.exec("INSERT INTO marks (v) VALUES ('later')");
      expect((db.prepare("SELECT count(*) AS n FROM marks").get() as { n: number }).n).toBe(3);
      expect(await handle.checkpointer.getTuple({ configurable: { thread_id: "after", checkpoint_ns: "" } })).toBeDefined();
      const claim = await handle.claims.tryClaim("during");
      expect(claim).toBeDefined();
      await claim!.release();
      expect(db.inTransaction).toBe(false);
      await expect(handle.check()).resolves.toBeUndefined();
    } finally {
      other.close();
      await handle.close();
    }
  });

  it("check() passes while another connection merely holds the lock, and fails on a stuck connection", async () => {
    const file = join(dir, "check.sqlite");
    const raw = new Database(file);
    const other = new Database(file);
    try {
      raw.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (v TEXT)");
      const guard = guardSqlite(raw, () => new Database(file));
      guard.check();
      // Contention is not a failure: a fresh connection is refused too.
      other.exec("BEGIN IMMEDIATE");
      guard.check();
      // A statement left in progress on the shared connection (what the guard prevents): stuck.
      raw.exec("PRAGMA busy_timeout = 0");
      expect(() => raw.prepare("INSERT INTO t VALUES ('x')").run()).toThrow(/locked/);
      other.exec("COMMIT");
      expect(() => guard.check()).toThrow(StoreUnavailableError);
      expect(() => guard.check()).toThrow(/stuck/);
    } finally {
      raw.close();
      other.close();
    }
  });
});

describe("isStoreBusy", () => {
  it("recognises busy errors, wrapped ones included, and nothing else", () => {
    expect(isStoreBusy(Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" }))).toBe(true);
    expect(isStoreBusy({ code: "SQLITE_BUSY_SNAPSHOT", message: "x" })).toBe(true);
    expect(isStoreBusy(new Error("run failed", { cause: new Error("database is locked") }))).toBe(true);
    expect(isStoreBusy(new Error("cannot commit transaction - SQL statements in progress"))).toBe(true);
    expect(isStoreBusy(Object.assign(new Error("UNIQUE constraint failed"), { code: "SQLITE_CONSTRAINT" }))).toBe(false);
    expect(isStoreBusy(undefined)).toBe(false);
    expect(isStoreBusy("database is locked")).toBe(false);
  });
});
