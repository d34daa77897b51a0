/**
 * Two real server processes on one SQLite file, under bursts of concurrent runs on distinct
 * threads sent to both alternately: no run answers 500; a run refused because the file stayed
 * busy answers 503 with Retry-After and succeeds when retried; nothing is lost (every thread reads
 * back, with its turn, from BOTH processes); and both processes still run afterwards and report
 * healthy.
 */
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { emulator } from "../helpers/gateway.js";
import { startServerProcess } from "../helpers/server_process.js";
import { tempDir } from "../integration/server_helpers.js";

const tmp = tempDir();
let emu: EmulatorHandle;
const children: ChildProcess[] = [];
const stderrOf = new Map<string, () => string>();

beforeAll(async () => {
  emu = await emulator({ latency: { ttftMs: 50 } });
});
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await emu.close();
  tmp.cleanup();
});

/** Starts a server process on the shared SQLite file; resolves its URL. */
async function startServer(name: string): Promise<string> {
  const server = await startServerProcess(
    emu,
    {
      CONFIG_STORE_PATH: join(tmp.dir, `${name}-providers.json`),
      CHECKPOINT_SQLITE_PATH: join(tmp.dir, "shared.sqlite"),
      // The bursts come from one client: let them all in, so what is measured is the store.
      RUN_CONCURRENCY_MAX: "100",
      RUN_RATE_LIMIT_MAX: "10000",
    },
    children,
  );
  stderrOf.set(server.url, server.stderr);
  return server.url;
}

type Answer = { status: number; retryAfter: string | null; body: { error?: { code: string } } };
const post = (url: string, task: string, threadId: string): Promise<Answer> =>
  fetch(`${url}/api/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ task, threadId, tier: "fast" }) }).then(async (r) => ({
    status: r.status,
    retryAfter: r.headers.get("retry-after"),
    body: (await r.json()) as Answer["body"],
  }));

/** One run, retried as a 503 with Retry-After says (at most 5 times); returns every answer. */
async function runWithRetries(url: string, task: string, threadId: string): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < 6; i++) {
    const answer = await post(url, task, threadId);
    answers.push(answer);
    if (answer.status !== 503) break;
    expect(answer.retryAfter, JSON.stringify(answer.body)).not.toBeNull();
    await new Promise((r) => setTimeout(r, Number(answer.retryAfter) * 1000));
  }
  return answers;
}

type ThreadView = { messages: { role: string; content: string }[] };
const userTurns = async (url: string, threadId: string) => {
  const res = await fetch(`${url}/api/threads/${threadId}`);
  expect(res.status, `${threadId} from ${url}`).toBe(200);
  return ((await res.json()) as ThreadView).messages.filter((m) => m.role === "user").map((m) => m.content);
};

describe("two server processes on one SQLite file, under bursts", () => {
  it("answer every run (no 500), lose nothing, and keep working", async () => {
    const [a, b] = await Promise.all([startServer("a"), startServer("b")]);
    const servers = [a, b];
    const BURSTS = 7;
    const PER_BURST = 60;
    const sent: { url: string; task: string; threadId: string }[] = [];
    const statuses: number[] = [];
    for (let burst = 0; burst < BURSTS; burst++) {
      const runs = Array.from({ length: PER_BURST }, (_, i) => ({ url: servers[i % 2]!, task: `Say hello, burst ${burst} run ${i}`, threadId: `burst-${burst}-${i}` }));
      sent.push(...runs);
      const results = await Promise.all(runs.map((r) => runWithRetries(r.url, r.task, r.threadId)));
      results.forEach((answers, i) => {
        statuses.push(...answers.map((x) => x.status));
        const last = answers[answers.length - 1]!;
        const logs = stderrOf.get(runs[i]!.url)?.().slice(-3000);
        expect(answers.map((x) => x.status), logs).not.toContain(500);
        expect(last.status, `${JSON.stringify(last.body)}\n${logs}`).toBe(200);
      });
    }
    // Nothing lost: each thread holds its turn, read from either process.
    for (const { task, threadId } of sent) {
      for (const url of servers) expect(await userTurns(url, threadId)).toEqual([task]);
    }
    // Both still answer runs, on a thread the other one started, and say they are healthy.
    for (const [i, url] of servers.entries()) {
      const next = await runWithRetries(url, "Say hello again", sent[1 - i]!.threadId);
      expect(next[next.length - 1]!.status).toBe(200);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    }
    // Every answer was a 200 or a 503 that was retried.
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
  }, 120_000);
});
