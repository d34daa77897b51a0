import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HumanMessage } from "@langchain/core/messages";
import type { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { createCheckpointer, maskDatabaseUrl } from "../../graphs/persistence.js";
import { continueThreadInChild } from "../fixtures/run_child.js";
import { buildThreadGraph, summarise } from "../fixtures/thread_graph.js";

const dir = mkdtempSync(join(tmpdir(), "checkpoints-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SQLite checkpointer", () => {
  it("creates the file and its directory, and reports where it is", async () => {
    const path = join(dir, "nested", "deeper", "checkpoints.sqlite");
    const handle = await createCheckpointer({ sqlitePath: path });
    try {
      expect(handle.kind).toBe("sqlite");
      expect(handle.location).toBe(path);
      expect(existsSync(path)).toBe(true);
    } finally {
      await handle.close();
      await handle.close(); // a second close is harmless
    }
  });

  it("logs commits in WAL without an fsync each (synchronous NORMAL), so a step costs no disk flush", async () => {
    const handle = await createCheckpointer({ sqlitePath: join(dir, "pragmas.sqlite") });
    try {
      const { db } = handle.checkpointer as SqliteSaver;
      // (libsql ignores the pragma's { simple: true }, so read the rows.)
      expect(db.pragma("journal_mode")).toMatchObject([{ journal_mode: "wal" }]);
      // 1 = NORMAL: in WAL mode a kill -9 keeps every commit; only an OS crash may lose the last ones.
      expect(db.pragma("synchronous")).toMatchObject([{ synchronous: 1 }]);
    } finally {
      await handle.close();
    }
  });

  it("continues a thread in a new process on the same file", async () => {
    const path = join(dir, "threads.sqlite");
    const threadId = "thread-sqlite-1";

    const first = await createCheckpointer({ sqlitePath: path });
    const graph = buildThreadGraph(first.checkpointer, "parent");
    const turn1 = await graph.invoke({ messages: [new HumanMessage("my name is Ada")] }, { configurable: { thread_id: threadId } });
    // Another thread on the same file must stay separate.
    await graph.invoke({ messages: [new HumanMessage("unrelated")] }, { configurable: { thread_id: "other-thread" } });
    await first.close();
    expect(summarise(turn1.messages)).toEqual([
      { type: "human", text: "my name is Ada" },
      { type: "ai", text: "[parent] I have heard: my name is Ada" },
    ]);

    const child = await continueThreadInChild(path, threadId, "what is my name?");
    expect(child.pid).not.toBe(process.pid);
    expect(child.kind).toBe("sqlite");
    expect(child.messages).toEqual([
      { type: "human", text: "my name is Ada" },
      { type: "ai", text: "[parent] I have heard: my name is Ada" },
      { type: "human", text: "what is my name?" },
      { type: "ai", text: `[pid ${child.pid}] I have heard: my name is Ada | what is my name?` },
    ]);

    // And the child's turn is on disk for whoever opens the file next.
    const reopened = await createCheckpointer({ sqlitePath: path });
    try {
      const state = await buildThreadGraph(reopened.checkpointer, "parent").getState({ configurable: { thread_id: threadId } });
      expect(summarise(state.values.messages)).toHaveLength(4);
      const other = await buildThreadGraph(reopened.checkpointer, "parent").getState({ configurable: { thread_id: "other-thread" } });
      expect(summarise(other.values.messages).map((m) => m.text)).toEqual(["unrelated", "[parent] I have heard: unrelated"]);
    } finally {
      await reopened.close();
    }
  });

  it("defaults to CHECKPOINT_SQLITE_PATH from the environment", async () => {
    const { checkpointerOptionsFromEnv } = await import("../../graphs/persistence.js");
    expect(checkpointerOptionsFromEnv({})).toEqual({ databaseUrl: undefined, sqlitePath: ".data/checkpoints.sqlite", keepCheckpoints: 12 });
    expect(checkpointerOptionsFromEnv({ CHECKPOINT_KEEP: "0" }).keepCheckpoints).toBe(0);
    expect(() => checkpointerOptionsFromEnv({ CHECKPOINT_KEEP: "-3" })).toThrow(/CHECKPOINT_KEEP: must be at least 0/);
    expect(() => checkpointerOptionsFromEnv({ CHECKPOINT_KEEP: "many" })).toThrow(/CHECKPOINT_KEEP: must be a number/);
    expect(checkpointerOptionsFromEnv({ CHECKPOINT_SQLITE_PATH: "/tmp/x.sqlite" }).sqlitePath).toBe("/tmp/x.sqlite");
    expect(checkpointerOptionsFromEnv({ DATABASE_URL: "postgres://u:p@h/db" }).databaseUrl).toBe("postgres://u:p@h/db");
    expect(() => checkpointerOptionsFromEnv({ DATABASE_URL: "mysql://h/db" })).toThrow(/DATABASE_URL/);
  });
});

describe("maskDatabaseUrl", () => {
  it.each([
    ["postgres://app:s3cret@db.example.com:5432/agents", "postgres://app:***@db.example.com:5432/agents"],
    ["postgresql://app@db.example.com/agents", "postgresql://app@db.example.com/agents"],
    ["postgres://db.example.com/agents?password=s3cret&sslmode=require", "postgres://db.example.com/agents?password=***&sslmode=require"],
    ["not a url s3cret", "postgres://***"],
  ])("%s", (input, expected) => {
    expect(maskDatabaseUrl(input)).toBe(expected);
    expect(maskDatabaseUrl(input)).not.toContain("s3cret");
  });
});
