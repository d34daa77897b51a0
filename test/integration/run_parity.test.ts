/**
 * The parity matrix: every guarantee of the run service, on every surface a run comes in by
 * (RUN_SURFACES), each cell a real run against one shared SQLite store:
 *
 *   streamSteps (an app), the CLI (a child process), HTTP sync, HTTP SSE, MCP over stdio (a child
 *   process), MCP over HTTP, and the graph as a LangGraph host runs it: `langgraph dev` in a child
 *   process, driven by the official `@langchain/langgraph-sdk` (what the graph carries itself).
 *
 * Rows are the surfaces; a surface added to RUN_SURFACES without a row here fails the file. A
 * cell a surface cannot have says why in `na`.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "@langchain/langgraph";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pendingApprovals } from "../../graphs/orchestrator/approvals.js";
import type { StepEvent } from "../../graphs/orchestrator/events.js";
import { createOrchestrator, type OrchestratorGraph } from "../../graphs/orchestrator/graph.js";
import { createCheckpointer, type CheckpointerHandle } from "../../graphs/persistence.js";
import { loadConfig } from "../../src/config/index.js";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import type { ProviderRegistry } from "../../src/providers/index.js";
import { RUN_SURFACES, runLimitsOf, streamSteps, type RunSurface } from "../../src/runs/index.js";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { offlineEnv, runCli } from "../helpers/cli.js";
import { emulator, runtimeOnEmulator, silentLogger } from "../helpers/gateway.js";
import { startLangGraphDev, type LangGraphDev } from "../helpers/langgraph_dev.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const KEYS = { acme: "acme-key-0123456789abcdef", beta: "beta-key-0123456789abcdef", default: "default-key-0123456789abcdef" } as const;
type Who = keyof typeof KEYS;
const TIERS = {
  budgets: { downgradeAt: 0.8, tenants: { acme: { daily: 1 } }, users: { carol: { daily: 1 } } },
  approvals: { calculator: ["approve", "reject"] },
};
const TIERS_YAML = ["budgets:", "  downgradeAt: 0.8", "  tenants:", "    acme: { daily: 1 }", "  users:", "    carol: { daily: 1 }", "approvals:", "  calculator: [approve, reject]"].join("\n");

/** What a run came to, the same shape for every surface. */
type Outcome = { ok: true; threadId: string; tier?: string; waiting: boolean } | { ok: false; code: string; message: string };

/** The refusal a surface's message names (surfaces that carry only text: the CLI and MCP). */
function codeOf(message: string): string {
  if (/No thread .* was found/.test(message)) return "thread_not_found";
  if (/holds \d+ messages/.test(message)) return "thread_full";
  if (/already in progress on/.test(message)) return "thread_busy";
  if (/runs in progress \(RUN_CONCURRENCY_MAX/.test(message)) return "too_many_runs";
  if (/budget .* is used up/.test(message)) return "budget_exceeded";
  return "other";
}

interface Row {
  /** Runs `task` as `who` on `threadId`, forcing `tier` when given. */
  run?(who: Who, task: string, options: { threadId: string; tier?: string }): Promise<Outcome>;
  /** Which tenants the surface can act as. */
  tenants: readonly Who[];
  /** Cells this surface cannot have, and why. */
  na: Partial<Record<Cell, string>>;
}
type Cell = "isolation" | "thread_size" | "budget" | "ledger" | "busy" | "per_run_limits";

let dir = "";
let db = "";
let env: Record<string, string> = {};
let emu: EmulatorHandle;
let registry: ProviderRegistry;
let server: RunningServer;
let store: CheckpointerHandle;
let graph: OrchestratorGraph;
let stdio: Client;
let dev: LangGraphDev;
const clients: Client[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "parity-"));
  db = join(dir, "store.sqlite");
  writeFileSync(join(dir, "tiers.yaml"), TIERS_YAML);
  env = {
    CHECKPOINT_SQLITE_PATH: db,
    TIERS_CONFIG: join(dir, "tiers.yaml"),
    THREAD_MAX_MESSAGES: "4",
    RUN_CONCURRENCY_MAX: "2",
    API_TENANT_KEYS: `acme=${KEYS.acme},beta=${KEYS.beta}`,
    API_KEY: KEYS.default,
    CONFIG_STORE_PATH: join(dir, "providers.json"),
  };
  // Slow enough answers that runs sent together are in flight together.
  // langgraph dev starts meanwhile: its graph reads the same tiers file and records usage in the same store.
  const starting = startLangGraphDev({ TIERS_CONFIG: env.TIERS_CONFIG!, CHECKPOINT_SQLITE_PATH: db });
  starting.catch(() => undefined);
  emu = await emulator({ latency: { ttftMs: 150 } });
  const runtime = await runtimeOnEmulator(emu, TIERS);
  registry = runtime.registry;
  // The server reads its policy from TIERS_CONFIG in env: the same file as TIERS.
  server = await startServer({ env, registry, simulated: true, logger: silentLogger, port: 0, host: "127.0.0.1" });
  store = await createCheckpointer({ sqlitePath: db });
  graph = createOrchestrator({ registry, policy: runtime.policy, checkpointer: store.checkpointer, logger: silentLogger, ledger: store.ledger });
  const childEnv = Object.fromEntries(Object.entries(offlineEnv(env)).filter((e): e is [string, string] => e[1] !== undefined));
  stdio = new Client({ name: "parity", version: "1.0.0" });
  await stdio.connect(new StdioClientTransport({ command: process.execPath, args: ["scripts/run.mjs", "--bundle", "src/mcp/stdio.ts"], cwd: root, env: childEnv, stderr: "ignore" }));
  dev = await starting;
}, 120_000);

afterAll(async () => {
  for (const c of [stdio, ...clients]) await c?.close().catch(() => undefined);
  await dev?.stop();
  await server?.close();
  await store?.close();
  await registry?.close();
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const api = (path: string, who: Who, body?: unknown) =>
  fetch(`${server.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "x-api-key": KEYS[who], ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** A run over HTTP by `who` (sync), for setting threads up. */
async function httpRun(who: Who, task: string, threadId: string, extra: Record<string, unknown> = {}) {
  const res = await api("/api/runs", who, { task, threadId, routingMode: "rules", ...extra });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

function mcpOutcome(answer: Awaited<ReturnType<Client["callTool"]>>, threadId: string): Outcome {
  const result = answer as { isError?: boolean; content: { text: string }[]; structuredContent?: unknown };
  const text = result.content[0]?.text ?? "";
  if (result.isError) return { ok: false, code: codeOf(text), message: text };
  const s = result.structuredContent as { threadId: string; route?: { tier: string }; status: string };
  return { ok: true, threadId: s.threadId ?? threadId, tier: s.route?.tier, waiting: s.status === "waiting_for_approval" };
}

async function mcpHttpClient(who: Who): Promise<Client> {
  const client = new Client({ name: "parity-http", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { "x-api-key": KEYS[who] } } }));
  clients.push(client);
  return client;
}

/** The dev server's thread for a matrix thread name (LangGraph Server's thread ids are UUIDs). */
const devThreads = new Map<string, string>();
async function devThread(name: string): Promise<string> {
  let id = devThreads.get(name);
  if (!id) {
    id = randomUUID();
    devThreads.set(name, id);
    await dev.client.threads.create({ threadId: id });
  }
  return id;
}

/** One streamed part of a run, as the SDK yields it. */
type Part = { event: string; data: Record<string, any> };

/** Streams a run (or a resume) on the dev server and collects every part. */
async function devStream(threadId: string, payload: Record<string, unknown>): Promise<Part[]> {
  const parts: Part[] = [];
  for await (const part of dev.client.runs.stream(threadId, dev.assistantId, { streamMode: ["custom"], ...payload } as never)) parts.push(part as Part);
  return parts;
}

const ROWS: Record<RunSurface, Row> = {
  streamSteps: {
    tenants: ["acme", "beta", "default"],
    na: {},
    async run(who, task, { threadId, tier }) {
      const events: StepEvent[] = [];
      try {
        const options = { graph, threadId, tier: tier as never, routingMode: "rules" as const, claims: store.claims, owners: store.owners, limits: runLimitsOf(loadConfig(env)) };
        for await (const e of streamSteps(task, { ...options, ...(who === "default" ? {} : { tenant: who }) })) events.push(e);
      } catch (err) {
        const e = err as { code?: string; name?: string; message: string };
        return { ok: false, code: e.name === "ThreadBusyError" ? "thread_busy" : e.name === "BudgetExceededError" ? "budget_exceeded" : (e.code ?? codeOf(e.message)), message: e.message };
      }
      const route = events.find((e) => e.type === "route_decided");
      return { ok: true, threadId, tier: route?.type === "route_decided" ? route.tier : undefined, waiting: events.some((e) => e.type === "approval_required") };
    },
  },
  cli: {
    tenants: ["acme", "beta", "default"],
    na: { per_run_limits: "one CLI process runs one task at a time: there is nothing to count beside it" },
    async run(who, task, { threadId, tier }) {
      const args = ["--json", "--approvals", "exit", "--routing", "rules", "--thread", threadId, ...(tier ? ["--tier", tier] : []), ...(who === "default" ? [] : ["--tenant", who]), task];
      const r = await runCli(args, offlineEnv({ CHECKPOINT_SQLITE_PATH: db, TIERS_CONFIG: env.TIERS_CONFIG, THREAD_MAX_MESSAGES: env.THREAD_MAX_MESSAGES }), 90_000);
      const lines = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { type: string; message?: string; tier?: string });
      const error = lines.find((l) => l.type === "error");
      if (error) return { ok: false, code: codeOf(error.message ?? ""), message: error.message ?? "" };
      expect([0, 3], r.stderr).toContain(r.code);
      return { ok: true, threadId, tier: lines.find((l) => l.type === "route_decided")?.tier, waiting: r.code === 3 };
    },
  },
  http_sync: {
    tenants: ["acme", "beta", "default"],
    na: {},
    async run(who, task, { threadId, tier }) {
      const { status, body } = await httpRun(who, task, threadId, tier ? { tier } : {});
      if (status !== 200) return { ok: false, code: body.error.code, message: body.error.message };
      return { ok: true, threadId: body.threadId, tier: body.route?.tier, waiting: body.status === "waiting_for_approval" };
    },
  },
  http_sse: {
    tenants: ["acme", "beta", "default"],
    na: {},
    async run(who, task, { threadId, tier }) {
      const res = await api("/api/runs/stream", who, { task, threadId, routingMode: "rules", ...(tier ? { tier } : {}) });
      if (res.status !== 200) {
        const body = (await res.json()) as { error: { code: string; message: string } };
        return { ok: false, code: body.error.code, message: body.error.message };
      }
      const frames = (await res.text()).split("\n\n").filter((f) => f.startsWith("event:"));
      const events = frames.map((f) => ({ type: /^event: (\S+)/.exec(f)![1], data: JSON.parse(/\ndata: (.*)/.exec(f)![1]) as Record<string, any> }));
      const error = events.find((e) => e.type === "error");
      if (error) return { ok: false, code: error.data.code, message: error.data.message };
      return { ok: true, threadId, tier: events.find((e) => e.type === "route_decided")?.data.tier, waiting: events.some((e) => e.type === "approval_required") };
    },
  },
  mcp_stdio: {
    tenants: ["default"],
    na: {
      budget: "MCP over stdio is the local user's server: it runs as the default tenant with no user, which no budget names",
      per_run_limits: "one stdio client; its calls are counted as runs (tested through MCP over HTTP, which shares the code)",
    },
    async run(_who, task, { threadId, tier }) {
      return mcpOutcome(await stdio.callTool({ name: "run_task", arguments: { task, thread: threadId, ...(tier ? { tier } : {}) } }), threadId);
    },
  },
  mcp_http: {
    tenants: ["acme", "beta", "default"],
    na: {},
    async run(who, task, { threadId, tier }) {
      const client = await mcpHttpClient(who);
      return mcpOutcome(await client.callTool({ name: "run_task", arguments: { task, thread: threadId, ...(tier ? { tier } : {}) } }), threadId);
    },
  },
  graph: {
    // langgraph dev (LangGraph Server's dev form) through the SDK: who the run is for is in its context.
    tenants: ["acme", "beta", "default"],
    na: {
      isolation: "threads belong to tenants in the run service; a host of the graph (LangGraph Server) keeps its own",
      thread_size: "a limit of the run service's host",
      busy: "thread claims are the host's (LangGraph Server has its own)",
      per_run_limits: "limits per caller are the host's",
    },
    async run(who, task, { threadId, tier }) {
      const context = { routingMode: "rules", ...(tier ? { tier } : {}), ...(who === "default" ? {} : { tenant: who }) };
      const parts = await devStream(await devThread(threadId), { input: { messages: [{ role: "user", content: task }] }, context });
      const error = parts.find((p) => p.event === "error");
      if (error) return { ok: false, code: error.data.error === "BudgetExceededError" ? "budget_exceeded" : codeOf(String(error.data.message)), message: String(error.data.message) };
      const events = parts.filter((p) => p.event === "custom").map((p) => p.data as StepEvent);
      const route = events.find((e) => e.type === "route_decided");
      return { ok: true, threadId, tier: route?.type === "route_decided" ? route.tier : undefined, waiting: events.some((e) => e.type === "approval_required") };
    },
  },
};

const rows = Object.entries(ROWS) as [RunSurface, Row][];
const cellsOf = (cell: Cell) => rows.filter(([, row]) => row.na[cell] === undefined);
let serial = 0;
const fresh = (name: string) => `${name}-${++serial}`;

describe("the parity matrix", () => {
  it("has a row for every surface of the run service", () => {
    expect(Object.keys(ROWS).sort()).toEqual([...RUN_SURFACES].sort());
    for (const [surface, row] of rows) expect(row.run !== undefined || Object.keys(row.na).length === 6, surface).toBe(true);
  });

  it.each(cellsOf("isolation"))("%s: another tenant's thread is not found, and stays as it was", async (surface, row) => {
    const threadId = fresh(`owned-${surface}`);
    // The owner is one the surface cannot act as when it has a single tenant (MCP over stdio).
    const owner: Who = row.tenants.includes("beta") ? "acme" : "acme";
    const intruder: Who = row.tenants.includes("beta") ? "beta" : row.tenants[0]!;
    expect((await httpRun(owner, "ACME SECRET plan: say hello", threadId)).status).toBe(200);
    const attempt = await row.run!(intruder, "Say hello from outside", { threadId });
    expect(attempt).toMatchObject({ ok: false, code: "thread_not_found" });
    const read = await api(`/api/threads/${threadId}`, owner);
    expect(((await read.json()) as { messages: unknown[] }).messages).toHaveLength(2);
    // The owner still continues it through the same surface (when the surface can act as it).
    if (row.tenants.includes(owner)) expect(await row.run!(owner, "Say hello again", { threadId })).toMatchObject({ ok: true });
  }, 120_000);

  it.each(cellsOf("thread_size"))("%s: a full thread is refused and keeps what it has", async (surface, row) => {
    const threadId = fresh(`full-${surface}`);
    const who = row.tenants.includes("acme") ? "beta" : row.tenants[0]!;
    // THREAD_MAX_MESSAGES=4: two runs fill it (human + answer each).
    expect((await httpRun(who, "Say hi", threadId)).status).toBe(200);
    expect((await httpRun(who, "Say hi", threadId)).status).toBe(200);
    expect(await row.run!(who, "Say hi once more", { threadId })).toMatchObject({ ok: false, code: "thread_full" });
    const read = await api(`/api/threads/${threadId}`, who);
    expect(((await read.json()) as { messages: unknown[] }).messages).toHaveLength(4);
  }, 120_000);

  it.each(cellsOf("busy"))("%s: a thread another run holds is refused (reject), and nothing is run", async (surface, row) => {
    const threadId = fresh(`busy-${surface}`);
    const who = row.tenants.includes("beta") ? "beta" : row.tenants[0]!;
    const before = emu.stats().chatRequests;
    const claim = await store.claims.tryClaim(threadId);
    expect(claim).toBeDefined();
    try {
      expect(await row.run!(who, "Say hi", { threadId })).toMatchObject({ ok: false, code: "thread_busy" });
    } finally {
      await claim!.release();
    }
    // The CLI and MCP stdio children answer from their own emulator; the rest would have called this one.
    expect(emu.stats().chatRequests).toBe(before);
    expect(await row.run!(who, "Say hi", { threadId })).toMatchObject({ ok: true });
  }, 120_000);

  describe("budgets and the ledger", () => {
    it.each(cellsOf("budget"))("%s: acme's spent budget downgrades its premium run; the run's rows land in the ledger under acme", async (surface, row) => {
      const threadId = fresh(`budget-${surface}`);
      const startOfDay = new Date(new Date().toISOString().slice(0, 10)).getTime();
      const spentToday = await store.ledger.spent({ tenant: "acme", since: startOfDay });
      // Bring acme to 85% of its daily $1, whatever earlier cells spent.
      await store.ledger.append([{ at: Date.now(), runId: `seed-${threadId}`, tenant: "acme", tier: "fast", inputTokens: 0, outputTokens: 0, calls: 0, costUsd: Math.max(0, 0.85 - spentToday), unpriced: false }]);
      const standardRuns = async () => (await store.ledger.report(["tenant", "tier"], { tenant: "acme" })).find((g) => g.tier === "standard")?.runs ?? 0;
      const before = await standardRuns();
      const outcome = await row.run!("acme", "Say hello", { threadId, tier: "premium" });
      expect(outcome).toMatchObject({ ok: true, tier: "standard" });
      // The run's rows are acme's, on the tier it ran on, once.
      expect((await standardRuns()) - before).toBe(1);
      // beta is not held back by acme's spend.
      if (row.tenants.includes("beta")) expect(await row.run!("beta", "Say hello", { threadId: fresh(`budget-beta-${surface}`), tier: "premium" })).toMatchObject({ ok: true, tier: "premium" });
    }, 120_000);

    it.each(cellsOf("ledger"))("%s: each run writes its rows once, under its own tenant", async (surface, row) => {
      const threadId = fresh(`ledger-${surface}`);
      const who: Who = row.tenants.includes("beta") ? "beta" : row.tenants[0]!;
      const tenant = who === "default" ? "" : who;
      const runsBefore = (await store.ledger.report(["tenant"], { tenant }))[0]?.runs ?? 0;
      expect(await row.run!(who, "Say hello", { threadId })).toMatchObject({ ok: true });
      expect(await row.run!(who, "Say hello again", { threadId })).toMatchObject({ ok: true });
      const runsAfter = (await store.ledger.report(["tenant"], { tenant }))[0]?.runs ?? 0;
      expect(runsAfter - runsBefore).toBe(2);
    }, 120_000);
  });

  it("mcp_http: one POST with 30 calls is 30 runs: at most RUN_CONCURRENCY_MAX=2 run at once, the rest are refused", async () => {
    const calls = Array.from({ length: 30 }, (_, i) => ({ jsonrpc: "2.0", id: i + 1, method: "tools/call", params: { name: "run_task", arguments: { task: `Say hi ${i}`, tier: "fast" } } }));
    const before = emu.stats().chatRequests;
    const res = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-03-26", "x-api-key": KEYS.beta },
      // A stateless server takes calls without a session; a batch may not carry an initialize.
      body: JSON.stringify(calls),
    });
    const text = await res.text();
    const messages = text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)) as { id: number; result?: { isError?: boolean; content: { text: string }[] } });
    const results = messages.filter((m) => m.id > 0 && m.result).map((m) => m.result!);
    expect(results).toHaveLength(30);
    const ran = results.filter((r) => !r.isError);
    const refused = results.filter((r) => r.isError);
    expect(ran.length).toBeGreaterThanOrEqual(1);
    expect(ran.length).toBeLessThanOrEqual(2);
    expect(refused.every((r) => codeOf(r.content[0]!.text) === "too_many_runs")).toBe(true);
    // Only the runs that ran called the model.
    expect(emu.stats().chatRequests - before).toBe(ran.length);
  }, 120_000);

  it("http_sync and http_sse: a second tenant cannot list, read, approve or stop acme's threads", async () => {
    const threadId = fresh("approve");
    const paused = await httpRun("acme", "What is 2 + 2? Use the calculator.", threadId, { tier: "fast" });
    expect(paused.body.status).toBe("waiting_for_approval");
    // List: beta sees none of acme's threads; acme sees its own; the admin key sees both tenants.
    const betaList = (await (await api("/api/threads?limit=50", "beta")).json()) as { threads: { threadId: string }[] };
    expect(betaList.threads.map((t) => t.threadId)).not.toContain(threadId);
    const acmeList = (await (await api("/api/threads?limit=50", "acme")).json()) as { threads: { threadId: string }[] };
    expect(acmeList.threads.map((t) => t.threadId)).toContain(threadId);
    // Read, approve (with an edit to a URL of beta's choosing), stop: all "not found", the approval untouched.
    expect((await api(`/api/threads/${threadId}`, "beta")).status).toBe(404);
    for (const path of [`/api/threads/${threadId}/resume`, `/api/threads/${threadId}/resume/stream`]) {
      const r = await api(path, "beta", { decision: "edit", args: { expression: "6 * 7" } });
      expect(r.status).toBe(404);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe("thread_not_found");
    }
    const stop = await httpRun("beta", "Say hi", threadId, { multitaskStrategy: "rollback" });
    expect(stop.status).toBe(404);
    expect((await pendingApprovals(graph, threadId)).map((p) => p.args)).toEqual([paused.body.pendingApprovals[0].args]);
    // A malformed decision from the owner: one line, and the approval stays.
    const bad = await api(`/api/threads/${threadId}/resume`, "acme", { decision: "aprove" });
    expect(bad.status).toBe(400);
    expect((await pendingApprovals(graph, threadId)).length).toBe(1);
    const done = await api(`/api/threads/${threadId}/resume`, "acme", { decision: "approve" });
    expect(done.status).toBe(200);
    expect(((await done.json()) as { status: string }).status).toBe("completed");
  }, 120_000);

  it("streamSteps and the graph: a malformed resume names the problem and keeps the approval", async () => {
    const threadId = fresh("resume");
    const paused = await ROWS.streamSteps.run!("acme", "What is 2 + 2? Use the calculator.", { threadId, tier: "fast" });
    expect(paused).toMatchObject({ ok: true, waiting: true });
    const bad = streamSteps(new Command({ resume: { decisions: [{ type: "aprove" }] } }), { graph, threadId, claims: store.claims, owners: store.owners, tenant: "acme" });
    await expect((async () => {
      for await (const _ of bad);
    })()).rejects.toThrow(/aprove/);
    expect((await pendingApprovals(graph, threadId)).length).toBe(1);
    // The graph alone (no run service), as langgraph dev runs it.
    await expect(graph.invoke(new Command({ resume: "yes" }), { configurable: { thread_id: threadId } })).rejects.toThrow();
    expect((await pendingApprovals(graph, threadId)).length).toBe(1);
    const done = await graph.invoke(new Command({ resume: { decisions: [{ type: "approve" }] } }), { configurable: { thread_id: threadId } });
    expect((done as { run?: { result?: { answer?: string } } }).run?.result?.answer).toBeTruthy();
  }, 120_000);

  it("graph (langgraph dev via the SDK, and graph.invoke): a resume whose budget is used up is refused, and the approval stays", async () => {
    const context = { tenant: "beta", user: "carol", tier: "fast", routingMode: "rules" };
    const task = { messages: [{ role: "user", content: "What is 2 + 2? Use the calculator." }] };
    // Paused through langgraph dev, and through the graph in this process, both while carol has budget left.
    const devId = await devThread(fresh("dev-budget-resume"));
    const paused = await devStream(devId, { input: task, context });
    expect(paused.some((p) => p.event === "custom" && p.data.type === "approval_required"), JSON.stringify(paused).slice(0, 1000)).toBe(true);
    const localId = fresh("graph-budget-resume");
    await graph.invoke(task as never, { configurable: { thread_id: localId }, context: context as never });
    expect(await pendingApprovals(graph, localId)).toHaveLength(1);
    // And over HTTP, where the resume names its user as a run does.
    const httpId = fresh("http-budget-resume");
    expect((await httpRun("beta", "What is 2 + 2? Use the calculator.", httpId, { tier: "fast", user: "carol" })).body.status).toBe("waiting_for_approval");
    // carol (in beta) spends her daily $1 elsewhere.
    await store.ledger.append([{ at: Date.now(), runId: `spent-${localId}`, tenant: "beta", user: "carol", tier: "premium", inputTokens: 0, outputTokens: 0, calls: 0, costUsd: 2, unpriced: false }]);
    const interruptsBefore = (await dev.client.threads.getState(devId)).tasks.flatMap((t) => t.interrupts);
    const refused = await devStream(devId, { command: { resume: { decisions: [{ type: "approve" }] } }, context });
    expect(refused.find((p) => p.event === "error")?.data, JSON.stringify(refused).slice(0, 2000)).toMatchObject({ error: "BudgetExceededError" });
    expect(refused.find((p) => p.event === "custom" && p.data.type === "budget")?.data).toMatchObject({ action: "refused", scope: "user", name: "carol" });
    expect((await dev.client.threads.getState(devId)).tasks.flatMap((t) => t.interrupts)).toEqual(interruptsBefore);
    const before = emu.stats().chatRequests;
    await expect(graph.invoke(new Command({ resume: { decisions: [{ type: "approve" }] } }), { configurable: { thread_id: localId }, context: context as never })).rejects.toMatchObject({ name: "BudgetExceededError" });
    expect(emu.stats().chatRequests).toBe(before);
    expect(await pendingApprovals(graph, localId)).toHaveLength(1);
    const refusedHttp = await api(`/api/threads/${httpId}/resume`, "beta", { decision: "approve", user: "carol" });
    expect(refusedHttp.status).toBe(429);
    expect(((await refusedHttp.json()) as { error: { code: string } }).error.code).toBe("budget_exceeded");
    expect(emu.stats().chatRequests).toBe(before);
    expect(await pendingApprovals(graph, httpId)).toHaveLength(1);
    // A bad user id is named, and changes nothing.
    const badUser = await api(`/api/threads/${httpId}/resume`, "beta", { decision: "approve", user: "carol\u001b[2J" });
    expect(badUser.status).toBe(400);
    expect(await pendingApprovals(graph, httpId)).toHaveLength(1);
    // Another user of beta resumes as before.
    const daveId = fresh("graph-budget-resume-dave");
    const dave = { ...context, user: "dave" };
    await graph.invoke(task as never, { configurable: { thread_id: daveId }, context: dave as never });
    const done = await graph.invoke(new Command({ resume: { decisions: [{ type: "approve" }] } }), { configurable: { thread_id: daveId }, context: dave as never });
    expect((done as { run?: { result?: { answer?: string } } }).run?.result?.answer).toContain("4");
  }, 120_000);

  it("graph (langgraph dev via the SDK): a malformed resume fails in one line and keeps the approval, on a thread's first and second runs", async () => {
    const threadId = await devThread(fresh("dev-resume"));
    const interruptsOf = async () => (await dev.client.threads.getState(threadId)).tasks.flatMap((t) => t.interrupts as { value?: { actionRequests?: { name: string; args: unknown }[] } }[]);
    for (const [round, malformed] of [
      [1, { decisions: [{ type: "aprove" }] }],
      [2, "yes"],
    ] as const) {
      const paused = await ROWS.graph.run!("acme", "What is 2 + 2? Use the calculator.", { threadId: [...devThreads].find(([, id]) => id === threadId)![0], tier: "fast" });
      expect(paused, `run ${round}`).toMatchObject({ ok: true, waiting: true });
      const before = await interruptsOf();
      expect(before.map((i) => i.value?.actionRequests?.[0]?.name)).toEqual(["calculator"]);
      const refused = await devStream(threadId, { command: { resume: malformed } });
      const error = refused.find((p) => p.event === "error")?.data;
      expect(error, JSON.stringify(refused).slice(0, 2000)).toMatchObject({ error: "OrchestratorInputError" });
      expect(String(error?.message).split("\n")).toHaveLength(1);
      expect(error?.message).toMatch(round === 1 ? /"aprove"/ : /decisions/);
      expect(await interruptsOf()).toEqual(before);
      const resumed = await devStream(threadId, { command: { resume: { decisions: [{ type: "approve" }] } } });
      const final = resumed.find((p) => p.event === "custom" && p.data.type === "final_answer")?.data;
      expect(final?.answer, JSON.stringify(resumed).slice(0, 2000)).toContain("4");
    }
  }, 120_000);
});
