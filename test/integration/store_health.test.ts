/**
 * The server over a SQLite store another process is writing: a run refused by a held lock
 * answers 503 `store_busy` with Retry-After (never 500) and succeeds when retried; `/healthz`
 * stays ok while the file is merely busy and fails on a stuck connection; a claim whose release
 * fails busy does not keep its thread refused.
 */
import { join } from "node:path";
import Fastify from "fastify";
import Database from "libsql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guardSqlite } from "../../graphs/sqlite_guard.js";
import { sqliteClaims } from "../../graphs/thread_claims.js";
import { createLogger } from "../../src/logging/index.js";
import { buildServer } from "../../src/server/app.js";
import type { ServerContext } from "../../src/server/context.js";
import { statusRoutes } from "../../src/server/routes/status.js";
import type { FastifyInstance } from "fastify";
import { tempDir } from "./server_helpers.js";

const tmp = tempDir();
const silent = createLogger({ level: "silent", format: "json" });
const storePath = join(tmp.dir, "checkpoints.sqlite");
let app: FastifyInstance;

beforeAll(async () => {
  // Nothing configured: runs are answered by the in-process emulator.
  app = await buildServer({ env: { CONFIG_STORE_PATH: join(tmp.dir, "providers.json"), CHECKPOINT_SQLITE_PATH: storePath }, logger: silent });
});
afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

const runOn = (threadId: string) => app.inject({ method: "POST", url: "/api/runs", payload: { task: "Say hello", threadId, tier: "fast" } });

describe("a SQLite store another process holds locked", () => {
  it("a run answers 503 store_busy with Retry-After while the lock is held past the busy timeout, and succeeds when retried", async () => {
    const other = new Database(storePath);
    try {
      other.exec("BEGIN IMMEDIATE");
      // The server waits the busy timeout (5 s) for the lock, then says to come back.
      const refused = await runOn("busy-thread");
      expect(refused.statusCode, refused.body).toBe(503);
      expect(refused.json().error.code).toBe("store_busy");
      expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
      // Merely busy is not unhealthy.
      expect((await app.inject("/healthz")).statusCode).toBe(200);
      other.exec("COMMIT");
    } finally {
      other.close();
    }
    const retried = await runOn("busy-thread");
    expect(retried.statusCode, retried.body).toBe(200);
    expect((await app.inject("/healthz")).json()).toEqual({ status: "ok" });
  }, 30_000);
});

describe("/healthz", () => {
  it("fails with 503 store_unavailable when this process's store connection is stuck", async () => {
    const file = join(tmp.dir, "stuck.sqlite");
    const raw = new Database(file);
    const other = new Database(file);
    const guard = guardSqlite(raw, () => new Database(file));
    const probe = Fastify();
    try {
      raw.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (v TEXT)");
      const ctx = { logger: silent, config: { server: { apiKey: "", tenantKeys: {} } }, checkStore: async () => guard.check() } as unknown as ServerContext;
      await statusRoutes(probe, ctx);
      expect((await probe.inject("/healthz")).statusCode).toBe(200);
      // What the guard prevents, done on its raw connection: a prepared write that fails busy stays in progress.
      raw.exec("PRAGMA busy_timeout = 0");
      other.exec("BEGIN IMMEDIATE");
      expect(() => raw.prepare("INSERT INTO t VALUES ('x')").run()).toThrow(/locked/);
      other.exec("COMMIT");
      const res = await probe.inject("/healthz");
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: "unhealthy", code: "store_unavailable" });
      expect(res.json().message).toMatch(/stuck/);
    } finally {
      await probe.close();
      raw.close();
      other.close();
    }
  });
});

describe("a claim whose release fails busy", () => {
  it("is taken again at once by its process, and freed for other processes once the file is free", async () => {
    const file = join(tmp.dir, "claims.sqlite");
    const ours = guardSqlite(new Database(file)).db;
    const theirs = guardSqlite(new Database(file)).db;
    const other = new Database(file);
    try {
      const claims = sqliteClaims(ours, 60_000);
      const elsewhere = sqliteClaims(theirs, 60_000);
      // Busy fails at once on our connection, so the release's retries give up quickly.
      ours.exec("PRAGMA busy_timeout = 0");
      const held = await claims.tryClaim("t1");
      expect(held).toBeDefined();
      other.exec("BEGIN IMMEDIATE");
      await held!.release();
      other.exec("COMMIT");
      // The release could not delete the lease: it is still there, unexpired.
      const lease = other.prepare("SELECT owner FROM thread_claims WHERE thread_id = 't1'").get() as { owner: string } | undefined;
      expect(lease?.owner).toMatch(new RegExp(`:${process.pid}:`));
      // This process's next run on the thread is not refused.
      const again = await claims.tryClaim("t1");
      expect(again).toBeDefined();
      await again!.release();
      // And, the file free again, another process gets the thread.
      const theirClaim = await elsewhere.tryClaim("t1");
      expect(theirClaim).toBeDefined();
      await theirClaim!.release();
    } finally {
      ours.close();
      theirs.close();
      other.close();
    }
  });

  it("left behind, is removed in the background once the file is free", async () => {
    const file = join(tmp.dir, "claims-bg.sqlite");
    const ours = guardSqlite(new Database(file)).db;
    const other = new Database(file);
    try {
      const claims = sqliteClaims(ours, 60_000);
      ours.exec("PRAGMA busy_timeout = 0");
      const held = await claims.tryClaim("t2");
      other.exec("BEGIN IMMEDIATE");
      await held!.release();
      other.exec("COMMIT");
      const leases = () => (other.prepare("SELECT count(*) AS n FROM thread_claims WHERE thread_id = 't2'").get() as { n: number }).n;
      await expect.poll(leases, { timeout: 10_000, interval: 100 }).toBe(0);
    } finally {
      ours.close();
      other.close();
    }
  });
});
