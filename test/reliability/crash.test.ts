/**
 * Crash: `kill -9` of the HTTP API in the middle of a multi-step run, then a restart on the same
 * files. What was acknowledged before the crash must still be there and usable: the provider
 * store (written atomically) and the thread's checkpoints up to the last completed step.
 *
 * What "the last completed step" means here (graphs/orchestrator/): the outer graph is
 * START -> router -> <tier>_agent; the router's step is checkpointed with the run's human message
 * before the agent starts. The agent (createAgent) runs as a subgraph whose own steps
 * (model_request, tools, model_request) are checkpointed under the namespace `<tier>_agent:<task id>`.
 * The kill comes after the tool answered, while the second model call waits for its first token,
 * so the outer state holds the earlier run plus the new human message, and the subgraph's
 * checkpoints hold the tool call and its result; nothing of the unfinished answer exists anywhere.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { BaseMessage } from "@langchain/core/messages";
import type { CheckpointTuple } from "@langchain/langgraph";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCheckpointer } from "../../graphs/persistence.js";
import { startEmulator, type EmulatorHandle } from "../../src/emulator/index.js";
import { tempDir } from "../integration/server_helpers.js";
import { spawnServer, takeSseEvents, type ServerProcess, type SseEvent } from "./crash_server.js";

const ADMIN_KEY = `crash-admin-${randomBytes(12).toString("hex")}`;
const OPENAI_KEY = `sk-crash-${randomBytes(12).toString("hex")}`;
const THREAD = `crash-thread-${randomBytes(4).toString("hex")}`;
/** Long enough that the kill certainly lands while the second model call waits for its first token. */
const TTFT_MS = 700;

const tmp = tempDir();
const storePath = join(tmp.dir, "providers.json");
const sqlitePath = join(tmp.dir, "checkpoints.sqlite");
let emu: EmulatorHandle;
const children: ServerProcess[] = [];

beforeAll(async () => {
  emu = await startEmulator({ host: "127.0.0.1", port: 0, latency: { ttftMs: TTFT_MS, perTokenMs: 2 } });
});
afterAll(async () => {
  for (const child of children) await child.stop("SIGKILL");
  await emu.close();
  tmp.cleanup();
});

function start(): ServerProcess {
  const child = spawnServer({
    AI_GATEWAY_BASE_URL: emu.baseUrl,
    AI_GATEWAY_CLIENT_ID: emu.clientId,
    AI_GATEWAY_CLIENT_SECRET: emu.clientSecret,
    CHECKPOINT_SQLITE_PATH: sqlitePath,
    CONFIG_STORE_PATH: storePath,
    ADMIN_API_KEY: ADMIN_KEY,
  });
  children.push(child);
  return child;
}

async function call(method: "GET" | "POST", url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await request(url, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

interface MessageView {
  role: string;
  content: string;
  toolCalls?: { id: string; name: string; args: Record<string, unknown> }[];
  toolCallId?: string;
  name?: string;
}

/** The first run's conversation, as GET /api/threads/:id shows it. */
const FIRST_RUN = [
  { role: "user", content: "What is 12.5% of 3,480?" },
  { role: "assistant", content: "", toolCalls: [{ id: expect.any(String), name: "calculator", args: { expression: expect.stringContaining("3480") } }] },
  { role: "tool", name: "calculator", content: "435" },
  { role: "assistant", content: expect.stringContaining("435") },
];

describe("kill -9 in the middle of a multi-step run", () => {
  it("restarts on the same files with the store and the thread's history intact, and the thread continues", async () => {
    const first = start();
    const url = await first.url;

    // A configuration change, so the store file exists and has something to lose.
    const configured = await call("POST", `${url}/api/providers/configure`, { provider: "openai", settings: { enabled: false, apiKey: OPENAI_KEY } }, { "x-admin-key": ADMIN_KEY });
    expect(configured.status).toBe(200);
    expect(configured.json).toMatchObject({ saved: true, status: { provider: "openai", enabled: false, configured: true } });

    // A complete first run on the thread.
    const run1 = await call("POST", `${url}/api/runs`, { task: "What is 12.5% of 3,480?", threadId: THREAD });
    expect(run1.status).toBe(200);
    expect((run1.json.result as { answer: string }).answer).toContain("435");

    // The second run is streamed; the server dies once the tool answered and the next model call is on its way.
    const chatsBefore = emu.stats().chatRequests;
    const stream = await request(`${url}/api/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task: "What is 15% of 2,000?", threadId: THREAD }),
    });
    expect(stream.statusCode).toBe(200);
    const seen: SseEvent[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = "";
      try {
        for await (const chunk of stream.body) {
          const parsed = takeSseEvents(buffer + decoder.decode(chunk as Buffer, { stream: true }));
          buffer = parsed.rest;
          seen.push(...parsed.events);
        }
      } catch {
        // the connection is cut when the server dies
      }
    })();
    await expect.poll(() => seen.some((e) => e.event === "tool_result"), { timeout: 10_000, interval: 10 }).toBe(true);
    // The second model call reached the gateway: the run is between the tool result and the answer.
    await expect.poll(() => emu.stats().chatRequests, { timeout: 5_000, interval: 5 }).toBe(chatsBefore + 2);
    expect(await first.stop("SIGKILL")).toBeNull();
    expect(first.proc.signalCode).toBe("SIGKILL");
    await reading;
    // The client saw the stream cut after the tool result: no token, answer or end event came.
    expect(seen.map((e) => e.event)).toEqual(["run_started", "route_decided", "agent_started", "tool_call", "tool_result"]);
    expect(seen.find((e) => e.event === "tool_result")?.data).toMatchObject({ name: "calculator", content: "300" });

    // The store is whole: valid JSON, private, no temp file left behind, and it holds the change.
    const stored = JSON.parse(readFileSync(storePath, "utf8")) as { version: number; providers: { openai?: { enabled?: boolean; apiKey?: string } } };
    expect(stored).toMatchObject({ version: 1, providers: { openai: { enabled: false, apiKey: OPENAI_KEY } } });
    expect(statSync(storePath).mode & 0o777).toBe(0o600);
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    // The checkpoints as the dead process left them, read straight from the SQLite file.
    const raw = await createCheckpointer({ sqlitePath });
    try {
      const tuples: CheckpointTuple[] = [];
      for await (const t of raw.checkpointer.list({ configurable: { thread_id: THREAD } })) tuples.push(t);
      const messagesOf = (t: CheckpointTuple) => ((t.checkpoint.channel_values.messages ?? []) as BaseMessage[]).map((m) => `${m.getType()}:${m.text}`);
      const ns = (t: CheckpointTuple) => String(t.config.configurable?.checkpoint_ns ?? "");
      // Outer graph: the latest checkpoint is the router's step of the killed run, with its agent step still to do.
      const outer = tuples.filter((t) => ns(t) === "");
      expect(outer.length).toBeGreaterThan(0);
      const latestOuter = outer[0];
      expect(messagesOf(latestOuter)).toEqual([
        "human:What is 12.5% of 3,480?",
        expect.stringMatching(/^ai:/),
        "tool:435",
        expect.stringMatching(/^ai:.*435/),
        "human:What is 15% of 2,000?",
      ]);
      // Subgraph: the killed run's agent checkpointed its tool call and the tool's answer, and no answer after it.
      const inner = tuples.filter((t) => /^(fast|standard|premium)_agent:/.test(ns(t)));
      const killedRunInner = inner.filter((t) => messagesOf(t).includes("human:What is 15% of 2,000?"));
      expect(killedRunInner.length).toBeGreaterThan(0);
      const lastInner = messagesOf(killedRunInner[0]);
      expect(lastInner.slice(-3)).toEqual(["human:What is 15% of 2,000?", expect.stringMatching(/^ai:/), "tool:300"]);
      console.log(
        `crash: ${outer.length} outer and ${inner.length} agent-subgraph checkpoints on disk; the killed run's last one ends with ${JSON.stringify(lastInner.slice(-2))}`,
      );
    } finally {
      await raw.close();
    }

    // Restart on the same files.
    const second = start();
    const url2 = await second.url;
    const providers = await call("GET", `${url2}/api/providers`);
    expect(providers.status).toBe(200);
    const openai = (providers.json.providers as { provider: string }[]).find((p) => p.provider === "openai");
    expect(openai).toMatchObject({ source: "store", enabled: false, configured: true });

    // The thread: the first run whole, then the killed run's human message; nothing of its unfinished answer.
    const thread = await call("GET", `${url2}/api/threads/${THREAD}`);
    expect(thread.status).toBe(200);
    const messages = thread.json.messages as MessageView[];
    expect(messages).toHaveLength(5);
    expect(messages.slice(0, 4)).toEqual(FIRST_RUN.map((m) => expect.objectContaining(m)));
    expect(messages[2].toolCallId).toBe(messages[1].toolCalls![0].id);
    expect(messages[4]).toEqual({ role: "user", content: "What is 15% of 2,000?" });
    expect(thread.json.result).toBeNull();
    expect(thread.json.route).toMatchObject({ tier: expect.any(String) });

    // The thread continues: a new run completes and is stored after what was there.
    const run3 = await call("POST", `${url2}/api/runs`, { task: "What is 20% of 50?", threadId: THREAD });
    expect(run3.status).toBe(200);
    expect((run3.json.result as { answer: string }).answer).toMatch(/\b10\b/);
    const after = (await call("GET", `${url2}/api/threads/${THREAD}`)).json.messages as MessageView[];
    // The killed run's task is kept once, now marked as never answered.
    expect(after.slice(0, 4)).toEqual(messages.slice(0, 4));
    expect(after[4]).toEqual({ role: "user", content: "What is 15% of 2,000?", unanswered: true });
    expect(after.slice(5)).toEqual([
      expect.objectContaining({ role: "user", content: "What is 20% of 50?" }),
      expect.objectContaining({ role: "assistant", toolCalls: [expect.objectContaining({ name: "calculator" })] }),
      expect.objectContaining({ role: "tool", name: "calculator", content: "10" }),
      expect.objectContaining({ role: "assistant", content: expect.stringMatching(/\b10\b/) }),
    ]);

    // A graceful stop this time; the store survived both processes unchanged.
    expect(await second.stop()).toBe(0);
    expect(JSON.parse(readFileSync(storePath, "utf8"))).toEqual(stored);
  }, 45_000);
});
