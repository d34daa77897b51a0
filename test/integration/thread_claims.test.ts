/**
 * Thread claims on their own: a SQLite lease is seen by a second connection to the same file,
 * freed by release, and expires by itself when its holder stops renewing (a killed process);
 * a PostgreSQL advisory lock is freed when its holder's session ends. A stop request reaches
 * the holder of the thread only, through another connection or pool, as its `stopped` signal.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import Database from "libsql";
import { afterAll, describe, expect, it } from "vitest";
import { postgresClaims, processClaims, sqliteClaims, type ThreadClaim } from "../../graphs/thread_claims.js";
import { startPostgres, type PostgresCluster } from "../helpers/postgres.js";
import { tempDir } from "./server_helpers.js";

const tmp = tempDir();
let cluster: PostgresCluster | undefined;
afterAll(async () => {
  await cluster?.stop();
  tmp.cleanup();
});

/** Resolves with the signal's reason once `claim` is asked to stop; rejects after `ms`. */
const stoppedWithin = (claim: ThreadClaim, ms: number) =>
  new Promise<unknown>((resolve, reject) => {
    if (claim.stopped.aborted) return resolve(claim.stopped.reason);
    const timer = setTimeout(() => reject(new Error(`not stopped within ${ms} ms`)), ms);
    claim.stopped.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve(claim.stopped.reason);
    });
  });

describe("thread claims", () => {
  it("SQLite: a lease held by a process of this machine that is gone is taken at once", async () => {
    const file = join(tmp.dir, "dead-holder.sqlite");
    const db = new Database(file);
    try {
      sqliteClaims(db);
      // A lease written by a process that no longer exists (pid 2^22 + 1 is above Linux's pid_max default).
      db.prepare("INSERT INTO thread_claims (thread_id, owner, expires_at) VALUES (?, ?, ?)").run("t9", `${hostname()}:4194305:x`, Date.now() + 60_000);
      db.prepare("INSERT INTO thread_claims (thread_id, owner, expires_at) VALUES (?, ?, ?)").run("t10", `other-host:4194305:x`, Date.now() + 60_000);
      const claims = sqliteClaims(db);
      expect(await claims.tryClaim("t9")).toBeDefined();
      // On another machine the pid says nothing: the lease stands until it expires.
      expect(await claims.tryClaim("t10")).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it("SQLite: a second connection sees the lease; release frees it; an unrenewed lease expires", async () => {
    const file = join(tmp.dir, "claims.sqlite");
    const one = new Database(file);
    const two = new Database(file);
    try {
      const a = sqliteClaims(one, 60_000);
      const b = sqliteClaims(two, 60_000);
      const held = await a.tryClaim("t1");
      expect(held).toBeDefined();
      expect(await b.tryClaim("t1")).toBeUndefined();
      expect(await b.tryClaim("t2")).toBeDefined();
      await held!.release();
      expect(await b.tryClaim("t1")).toBeDefined();

      // A holder that stops renewing (its process was killed) loses the lease when it expires.
      const short = sqliteClaims(one, 1_000);
      const dead = await short.tryClaim("t3");
      expect(dead).toBeDefined();
      one.close(); // no more renewals
      expect(await b.tryClaim("t3")).toBeUndefined();
      await new Promise((r) => setTimeout(r, 1_200));
      expect(await b.tryClaim("t3")).toBeDefined();
    } finally {
      if (one.open) one.close();
      two.close();
    }
  });

  it("SQLite: a stop request from another connection reaches the holder of that thread only; a new holder starts unstopped", async () => {
    const file = join(tmp.dir, "stops.sqlite");
    const one = new Database(file);
    const two = new Database(file);
    try {
      const a = sqliteClaims(one);
      const b = sqliteClaims(two);
      const held = await a.tryClaim("s1");
      const bystander = await a.tryClaim("s2");
      await b.requestStop("s1", "rollback");
      expect(await stoppedWithin(held!, 2_000)).toBe("rollback");
      expect(bystander!.stopped.aborted).toBe(false);
      await held!.release();
      const next = await b.tryClaim("s1");
      await new Promise((r) => setTimeout(r, 300));
      expect(next!.stopped.aborted).toBe(false);
      // A request for a thread nobody holds changes nothing.
      await b.requestStop("s3", "interrupt");
      const later = await a.tryClaim("s3");
      await new Promise((r) => setTimeout(r, 300));
      expect(later!.stopped.aborted).toBe(false);
      for (const c of [next, later, bystander]) await c!.release();
    } finally {
      one.close();
      two.close();
    }
  });

  it("SQLite: a lease table made before stop requests existed gains the column", async () => {
    const file = join(tmp.dir, "old-claims.sqlite");
    const db = new Database(file);
    try {
      db.exec("CREATE TABLE thread_claims (thread_id TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL)");
      const claims = sqliteClaims(db);
      const held = await claims.tryClaim("old");
      await claims.requestStop("old", "interrupt");
      expect(await stoppedWithin(held!, 2_000)).toBe("interrupt");
    } finally {
      db.close();
    }
  });

  it("PostgreSQL: the lock is per thread, and a holder's ended session frees it", async () => {
    cluster = await startPostgres();
    const a = await postgresClaims(cluster.url);
    const b = await postgresClaims(cluster.url);
    try {
      const held = await a.tryClaim("t1");
      expect(held).toBeDefined();
      expect(await b.tryClaim("t1")).toBeUndefined();
      expect(await b.tryClaim("t2")).toBeDefined();
      await held!.release();
      const again = await b.tryClaim("t1");
      expect(again).toBeDefined();
      await b.close(); // its sessions end, like a killed process's
      // The server frees the lock once it has seen the session end.
      let freed;
      for (let i = 0; i < 40 && !freed; i++) {
        freed = await a.tryClaim("t1");
        if (!freed) await new Promise((r) => setTimeout(r, 50));
      }
      expect(freed).toBeDefined();
    } finally {
      await a.close();
      await b.close().catch(() => undefined);
    }
  }, 60_000);

  it("PostgreSQL: a stop request from another pool reaches the holder of that thread only", async () => {
    cluster ??= await startPostgres();
    const a = await postgresClaims(cluster.url);
    const b = await postgresClaims(cluster.url);
    try {
      const held = await a.tryClaim("p1");
      const bystander = await a.tryClaim("p2");
      await b.requestStop("p1", "interrupt");
      expect(await stoppedWithin(held!, 5_000)).toBe("interrupt");
      expect(bystander!.stopped.aborted).toBe(false);
      await held!.release();
      // The connection went back to the pool no longer listening: its next holder is not stopped by an old request.
      const next = await a.tryClaim("p1");
      expect(next!.stopped.aborted).toBe(false);
      await b.requestStop("p1", "rollback");
      expect(await stoppedWithin(next!, 5_000)).toBe("rollback");
      await next!.release();
      await bystander!.release();
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);

  it("in one process: a stop request aborts the holder's signal with its mode", async () => {
    const c = processClaims();
    const held = await c.tryClaim("y");
    await c.requestStop("y", "rollback");
    expect(held!.stopped.reason).toBe("rollback");
    await held!.release();
    const next = await c.tryClaim("y");
    expect(next!.stopped.aborted).toBe(false);
  });

  it("in one process: the second claim waits for the first's release", async () => {
    const c = processClaims();
    const held = await c.tryClaim("x");
    expect(await c.tryClaim("x")).toBeUndefined();
    await held!.release();
    expect(await c.tryClaim("x")).toBeDefined();
  });
});
