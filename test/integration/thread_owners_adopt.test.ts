/**
 * A store written before thread owners were recorded: its threads become the default tenant's
 * when the owners table is first created, so the default tenant's listing shows them and another
 * tenant's does not. Opening the store again (or from two processes' handles at once) records
 * nothing twice and never moves a thread that has an owner.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCheckpointer, type CheckpointerHandle } from "../../graphs/persistence.js";
import { startPostgres, type PostgresCluster } from "../helpers/postgres.js";

let cluster: PostgresCluster;
const dir = mkdtempSync(join(tmpdir(), "owners-adopt-"));

beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a one-message thread through a LangGraph graph on `handle`'s checkpointer. */
async function writeThread(handle: CheckpointerHandle, threadId: string): Promise<void> {
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("echo", () => ({ messages: [{ role: "assistant", content: "ok" }] }))
    .addEdge(START, "echo")
    .addEdge("echo", END)
    .compile({ checkpointer: handle.checkpointer });
  await graph.invoke({ messages: [{ role: "user", content: "hi" }] }, { configurable: { thread_id: threadId } });
}

/** Drops the owners table, as a store made before owners were recorded never had one. */
async function forgetOwnersTable(backend: string): Promise<void> {
  if (backend === "SQLite") {
    const { default: Database } = await import("libsql");
    const db = new Database(join(dir, "store.sqlite"));
    db.exec("DROP TABLE ai_gateway_thread_owners");
    db.close();
    return;
  }
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({ connectionString: cluster.url });
  await pool.query("DROP TABLE ai_gateway_thread_owners");
  await pool.end();
}

describe.each([
  { backend: "SQLite", open: () => createCheckpointer({ sqlitePath: join(dir, "store.sqlite") }) },
  { backend: "PostgreSQL", open: () => createCheckpointer({ databaseUrl: cluster.url }) },
])("threads stored before owners, on $backend", ({ backend, open }) => {
  it("belong to the default tenant and are listed for it only, once, whoever opens the store first", async () => {
    const before = await open();
    await writeThread(before, "legacy-1");
    await writeThread(before, "legacy-2");
    await before.close();
    await forgetOwnersTable(backend);

    // Two handles open the old store at once (as two processes starting together would).
    const [a, b] = await Promise.all([open(), open()]);
    try {
      const listed = async (h: CheckpointerHandle, tenant: string) => (await h.owners.list(tenant, 50)).map((t) => t.threadId).sort();
      expect(await listed(a, "")).toEqual(["legacy-1", "legacy-2"]);
      expect(await listed(b, "")).toEqual(["legacy-1", "legacy-2"]);
      expect(await listed(a, "acme")).toEqual([]);
      expect(await a.owners.get("legacy-1")).toEqual({ tenant: "" });

      // A thread started now by acme keeps acme as its owner when the store is opened again.
      await a.owners.claim("acme-new", { tenant: "acme", user: "alice" });
      await writeThread(a, "acme-new");
    } finally {
      await a.close();
      await b.close();
    }
    const again = await open();
    try {
      expect((await again.owners.list(undefined, 50)).map((t) => `${t.threadId}:${t.tenant}`).sort()).toEqual(["acme-new:acme", "legacy-1:", "legacy-2:"]);
    } finally {
      await again.close();
    }
  }, 60_000);
});
