/**
 * Checkpoint retention (graphs/retention.ts) on SQLite and on a real PostgreSQL: after each run
 * a thread keeps its newest checkpoints and no finished agent checkpoints; the conversation is
 * never lost, later runs continue it, a run paused for approval survives a prune, and two
 * processes' savers on one store agree on what is left.
 */
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pendingApprovals } from "../../graphs/orchestrator/approvals.js";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { createCheckpointer, type CheckpointerHandle } from "../../graphs/persistence.js";
import { silentLogger } from "../helpers/gateway.js";
import { collect, emulatorForFile, ofType } from "../helpers/orchestrator.js";
import { startPostgres, type PostgresCluster } from "../helpers/postgres.js";
import { tempDir } from "./server_helpers.js";

const file = emulatorForFile();
let cluster: PostgresCluster;
const { dir, cleanup } = tempDir();

beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  cleanup();
});

type Store = "sqlite" | "postgres";
const open = (store: Store, keepCheckpoints: number, name: string): Promise<CheckpointerHandle> =>
  store === "sqlite" ? createCheckpointer({ sqlitePath: join(dir, `${name}.sqlite`), keepCheckpoints }) : createCheckpointer({ databaseUrl: cluster.url, keepCheckpoints });

/** Checkpoint rows of `threadId` per namespace kind, read from the tables themselves. */
async function rows(store: Store, handle: CheckpointerHandle, threadId: string): Promise<{ root: number; agents: number }> {
  let list: { checkpoint_ns: string }[];
  if (store === "sqlite") {
    const db = (handle.checkpointer as unknown as { db: { prepare(sql: string): { all(...a: unknown[]): unknown[] } } }).db;
    list = db.prepare("SELECT checkpoint_ns FROM checkpoints WHERE thread_id = ?").all(threadId) as { checkpoint_ns: string }[];
  } else {
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    list = (await client.query<{ checkpoint_ns: string }>("SELECT checkpoint_ns FROM checkpoints WHERE thread_id = $1", [threadId])).rows;
    await client.end();
  }
  return { root: list.filter((r) => r.checkpoint_ns === "").length, agents: list.filter((r) => r.checkpoint_ns !== "").length };
}

/** One run the way the CLI and the server do it: claimed, streamed, released (which prunes). */
async function claimedRun(handle: CheckpointerHandle, graph: ReturnType<typeof createOrchestrator>, task: Parameters<typeof collect>[1], threadId: string) {
  const claim = await handle.claims.tryClaim(threadId);
  expect(claim).toBeDefined();
  try {
    return await collect(graph, task, { threadId });
  } finally {
    await claim!.release();
  }
}

describe.each<Store>(["sqlite", "postgres"])("checkpoint retention on %s", (store) => {
  it("keeps the newest checkpoints on the first, second and third runs, and the whole conversation", async () => {
    const handle = await open(store, 4, "three-runs");
    try {
      const graph = createOrchestrator({ ...(await file.runtimeWith({})), checkpointer: handle.checkpointer, logger: silentLogger });
      const threadId = `${store}-three-runs`;
      for (const [i, task] of ["What is 17 * 23?", "What is 2 + 2?", "What is 12.5% of 3,480?"].entries()) {
        const events = await claimedRun(handle, graph, task, threadId);
        expect(ofType(events, "final_answer"), `run ${i + 1}`).toHaveLength(1);
        const left = await rows(store, handle, threadId);
        expect(left.root, `run ${i + 1}`).toBeLessThanOrEqual(4);
        expect(left.agents, `run ${i + 1}: finished agents' checkpoints are gone`).toBe(0);
      }
      if (store === "sqlite") {
        // The pages pruning freed went back to the file system, and the log was folded in.
        const db = (handle.checkpointer as unknown as { db: { pragma(sql: string): unknown } }).db;
        const pragma = (name: string) => {
          const r = db.pragma(name) as Record<string, unknown> | Record<string, unknown>[];
          return (Array.isArray(r) ? r[0] : r)[name];
        };
        expect(pragma("auto_vacuum")).toBe(2);
        expect(pragma("freelist_count")).toBe(0);
      }
      const stats = await handle.retention.stats(threadId);
      expect(stats).toMatchObject({ kept: 4, keep: 4 });
      expect(stats.pruned).toBeGreaterThan(0);
      const state = (await graph.getState({ configurable: { thread_id: threadId } })).values as { messages: { getType(): string; text: string }[] };
      expect(state.messages.filter((m) => m.getType() === "human").map((m) => m.text)).toEqual(["What is 17 * 23?", "What is 2 + 2?", "What is 12.5% of 3,480?"]);
      // Another saver on the same store (as another process would open it) sees the same.
      const other = await open(store, 4, "three-runs");
      try {
        expect(await other.retention.stats(threadId)).toEqual(stats);
        const again = createOrchestrator({ ...(await file.runtimeWith({})), checkpointer: other.checkpointer, logger: silentLogger });
        expect(ofType(await claimedRun(other, again, "What is 3 + 3?", threadId), "final_answer")).toHaveLength(1);
      } finally {
        await other.close();
      }
    } finally {
      await handle.close();
    }
  }, 60_000);

  it("a run paused for approval keeps what it needs through a prune, and resumes", async () => {
    const handle = await open(store, 2, "paused");
    try {
      const graph = createOrchestrator({
        ...(await file.runtimeWith({ approvals: { calculator: ["approve", "reject"] } })),
        checkpointer: handle.checkpointer,
        logger: silentLogger,
      });
      const threadId = `${store}-paused`;
      for (let run = 1; run <= 2; run++) {
        const paused = await claimedRun(handle, graph, "What is 17 * 23?", threadId);
        expect(ofType(paused, "approval_required"), `run ${run}`).toHaveLength(1);
        expect(await pendingApprovals(graph, threadId)).toHaveLength(1);
        const resumed = await claimedRun(handle, graph, { approval: { decision: "approve" } }, threadId);
        expect(ofType(resumed, "final_answer")[0].answer, `run ${run}`).toContain("391");
      }
      expect((await rows(store, handle, threadId)).root).toBeLessThanOrEqual(2);
    } finally {
      await handle.close();
    }
  }, 60_000);

  it("CHECKPOINT_KEEP=0 keeps everything", async () => {
    const handle = await open(store, 0, "keep-all");
    try {
      const graph = createOrchestrator({ ...(await file.runtimeWith({})), checkpointer: handle.checkpointer, logger: silentLogger });
      const threadId = `${store}-keep-all`;
      await claimedRun(handle, graph, "What is 17 * 23?", threadId);
      await claimedRun(handle, graph, "What is 2 + 2?", threadId);
      const left = await rows(store, handle, threadId);
      expect(left.root).toBeGreaterThan(4);
      expect(left.agents).toBeGreaterThan(0);
      expect(await handle.retention.stats(threadId)).toMatchObject({ pruned: 0, keep: 0 });
    } finally {
      await handle.close();
    }
  }, 60_000);
});

describe("retention on a SQLite file another process is reading", () => {
  it("prunes without waiting for the reader: the file is compacted later, and the connection keeps its busy timeout", async () => {
    const handle = await open("sqlite", 2, "busy-reader");
    try {
      const graph = createOrchestrator({ ...(await file.runtimeWith({})), checkpointer: handle.checkpointer, logger: silentLogger });
      // Runs without a claim do not prune: the thread piles up checkpoints.
      for (const task of ["Say hello one", "Say hello two"]) await collect(graph, task, { threadId: "busy-thread" });
      const db = (handle.checkpointer as unknown as { db: { pragma(sql: string): unknown } }).db;
      // A wait as long as this would outlast the test: the prune must not wait at all.
      db.pragma("busy_timeout = 600000");
      const Database = (await import("libsql")).default;
      const reader = new Database(join(dir, "busy-reader.sqlite"));
      try {
        // An open read transaction, as another server's read would hold: a TRUNCATE checkpoint waits for it.
        reader.exec("BEGIN");
        reader.prepare("SELECT COUNT(*) FROM checkpoints").get();
        expect(await handle.retention.prune("busy-thread")).toBeGreaterThan(0);
        expect(db.pragma("busy_timeout")).toEqual([{ timeout: 600000 }]);
        reader.exec("COMMIT");
      } finally {
        reader.close();
      }
      expect((await rows("sqlite", handle, "busy-thread")).root).toBe(2);
      expect(ofType(await claimedRun(handle, graph, "Say hello three", "busy-thread"), "final_answer")).toHaveLength(1);
    } finally {
      await handle.close();
    }
  }, 30_000);
});

describe("retention settings", () => {
  it("refuses a negative or fractional keep, naming it", async () => {
    await expect(createCheckpointer({ sqlitePath: ":memory:", keepCheckpoints: -1 })).rejects.toThrow(/keepCheckpoints must be a whole number/);
    await expect(createCheckpointer({ sqlitePath: ":memory:", keepCheckpoints: 1.5 })).rejects.toThrow(/keepCheckpoints/);
  });
});
