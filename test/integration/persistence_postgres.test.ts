/**
 * PostgresSaver against a real PostgreSQL started for this file (test/helpers/postgres.ts).
 * Not skipped when PostgreSQL is missing: startPostgres() fails and says how to install it.
 */
import { HumanMessage } from "@langchain/core/messages";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCheckpointer } from "../../graphs/persistence.js";
import { continueThreadInChild } from "../fixtures/run_child.js";
import { buildThreadGraph, summarise } from "../fixtures/thread_graph.js";
import { startPostgres, type PostgresCluster } from "../helpers/postgres.js";

let cluster: PostgresCluster;

beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe("Postgres checkpointer", () => {
  it("creates its tables and masks the password in its location", async () => {
    const withPassword = cluster.url.replace("postgres@", "postgres:not-checked-with-trust@");
    const handle = await createCheckpointer({ databaseUrl: withPassword, sqlitePath: "/nonexistent/ignored.sqlite" });
    try {
      expect(handle.kind).toBe("postgres");
      expect(handle.location).toBe(`postgres://postgres:***@127.0.0.1:${cluster.port}/postgres`);
      const client = new pg.Client({ connectionString: cluster.url });
      await client.connect();
      const { rows } = await client.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
      );
      await client.end();
      expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(["checkpoints", "checkpoint_blobs", "checkpoint_writes"]));
    } finally {
      await handle.close();
    }
  });

  it("continues a thread across saver instances and processes", async () => {
    const threadId = "thread-pg-1";

    // Saver A: first turn, then closed, as if the app stopped.
    const a = await createCheckpointer({ databaseUrl: cluster.url });
    const turn1 = await buildThreadGraph(a.checkpointer, "A").invoke(
      { messages: [new HumanMessage("remember the number 42")] },
      { configurable: { thread_id: threadId } },
    );
    await a.close();
    expect(summarise(turn1.messages).map((m) => m.text)).toEqual(["remember the number 42", "[A] I have heard: remember the number 42"]);

    // Saver B: a fresh pool in this process sees the thread and adds a turn.
    const b = await createCheckpointer({ databaseUrl: cluster.url });
    const turn2 = await buildThreadGraph(b.checkpointer, "B").invoke(
      { messages: [new HumanMessage("which number?")] },
      { configurable: { thread_id: threadId } },
    );
    await b.close();
    expect(summarise(turn2.messages).map((m) => m.text)).toEqual([
      "remember the number 42",
      "[A] I have heard: remember the number 42",
      "which number?",
      "[B] I have heard: remember the number 42 | which number?",
    ]);

    // A new process continues the same thread.
    const child = await continueThreadInChild(cluster.url, threadId, "say it again");
    expect(child.kind).toBe("postgres");
    expect(child.messages).toHaveLength(6);
    expect(child.messages[5]).toEqual({
      type: "ai",
      text: `[pid ${child.pid}] I have heard: remember the number 42 | which number? | say it again`,
    });

    // A thread id never used has no messages.
    const c = await createCheckpointer({ databaseUrl: cluster.url });
    try {
      const fresh = await buildThreadGraph(c.checkpointer, "C").getState({ configurable: { thread_id: "never-used" } });
      expect(fresh.values.messages ?? []).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it("fails with a message naming DATABASE_URL, without the password, when the server is unreachable", async () => {
    const closedPort = cluster.port === 1 ? 2 : 1; // ports 1-2 have no PostgreSQL listening
    const url = `postgres://postgres:hunter2-secret@127.0.0.1:${closedPort}/postgres`;
    const error = await createCheckpointer({ databaseUrl: url }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/DATABASE_URL/);
    expect(error?.message).not.toContain("hunter2-secret");
  });
});
