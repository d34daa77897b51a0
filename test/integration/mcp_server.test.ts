/**
 * The orchestrator as an MCP server, driven by the SDK's own client: over stdio (the real
 * `npm run mcp` entry as a child process, offline), over Streamable HTTP at /mcp of the HTTP
 * server (API key, threads, approvals), hostile arguments, and cancellation.
 */
import { processClaims } from "../../graphs/thread_claims.js";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MemorySaver } from "@langchain/langgraph";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { createMcpServer, SIMULATED_PREFIX } from "../../src/mcp/server.js";
import { offlineEnv } from "../helpers/cli.js";
import { emulator, silentLogger } from "../helpers/gateway.js";
import { mcpFixture, runTask } from "../helpers/mcp.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const KEY = "mcp-test-api-key-0123456789";
const TASK = "What is 12.5% of 3,480?";
const fx = mcpFixture();

describe("MCP over stdio (npm run mcp)", () => {
  it("lists run_task, runs the task with progress, keeps stdout for the protocol, and exits when the client closes", async () => {
    const env = Object.fromEntries(
      Object.entries(offlineEnv({ CHECKPOINT_SQLITE_PATH: join(fx.dir, "stdio.sqlite") })).filter((e): e is [string, string] => e[1] !== undefined),
    );
    // Exactly what `npm run mcp` runs: the bundled server, built on first use.
    const transport = new StdioClientTransport({ command: process.execPath, args: ["scripts/run.mjs", "--bundle", "src/mcp/stdio.ts"], cwd: root, env, stderr: "pipe" });
    let stderr = "";
    transport.stderr?.on("data", (d) => (stderr += d));
    const client = new Client({ name: "mcp-test", version: "1.0.0" });
    // A log line on stdout would reach the client as a message it cannot parse.
    const protocolErrors: Error[] = [];
    // The SDK client handles a response at once but a notification a microtask later, so the
    // last progress notification can be seen after the result it preceded on the wire; that
    // ordering error is the client's, not a stray byte on stdout.
    client.onerror = (err) => {
      if (!/progress notification for an unknown token/.test(err.message)) protocolErrors.push(err);
    };
    await client.connect(transport);
    const pid = transport.pid!;
    expect(pid).toBeGreaterThan(0);

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(["run_task"]);
    const schema = tools[0].inputSchema as { properties: Record<string, { type?: string; enum?: string[]; maxLength?: number; pattern?: string }>; required?: string[] };
    expect(schema.required).toEqual(["task"]);
    expect(schema.properties.task).toMatchObject({ type: "string", maxLength: 20_000 });
    expect(schema.properties.tier.enum).toEqual(["fast", "standard", "premium"]);
    expect(schema.properties.agent.pattern).toBe("^[a-z][a-z0-9_]{0,39}$");
    expect(Object.keys(schema.properties).sort()).toEqual(["agent", "task", "thread", "tier"]);
    expect(tools[0].outputSchema).toBeDefined();

    const { result, text, structured, progress } = await runTask(client, { task: TASK });
    expect(result.isError).toBeFalsy();
    expect(structured).toMatchObject({ status: "completed", simulated: true, route: { tier: "fast" } });
    expect(structured!.answer).toContain("435");
    expect(text.startsWith(SIMULATED_PREFIX)).toBe(true);
    expect(structured!.threadId).toMatch(/^[0-9a-f-]{36}$/);
    expect(structured!.usage!.total.total).toBeGreaterThan(0);
    const messages = progress.map((p) => p.message);
    expect(messages[0]).toMatch(/^route: fast via /);
    expect(messages).toContain("tool calculator");
    expect(progress.map((p) => p.progress)).toEqual(progress.map((_, i) => i + 1));
    expect(stderr).toMatch(/SIMULATED model from the local gateway emulator/);

    await client.close();
    expect(protocolErrors).toEqual([]);
    await vi.waitFor(() => expect(() => process.kill(pid, 0)).toThrow(/ESRCH/), { timeout: 5_000 });
  }, 60_000);
});

describe("MCP over Streamable HTTP (/mcp)", () => {
  it("runs a task and reports its steps as progress", async () => {
    const client = await fx.httpClient(await fx.serve());
    const { structured, text, progress } = await runTask(client, { task: TASK });
    expect(structured).toMatchObject({ status: "completed", simulated: true, route: { tier: "fast", agent: "fast_agent" } });
    expect(structured!.answer).toContain("435");
    expect(text).toBe(`${SIMULATED_PREFIX}${structured!.answer}`);
    expect(progress.map((p) => p.message)).toContain("tool calculator");
  });

  it("behind API_KEY: 401 without the key (raw and through the client), and a client sending x-api-key works", async () => {
    const server = await fx.serve({ env: { API_KEY: KEY } });
    const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } };
    const post = (headers: Record<string, string> = {}) =>
      fetch(`${server.url}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body: JSON.stringify(init) });
    const denied = await post();
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    expect((await post({ "x-api-key": "wrong-key-0123456789abcd" })).status).toBe(401);
    const allowed = await post({ "x-api-key": KEY });
    expect(allowed.status).toBe(200);
    await allowed.body?.cancel();

    const bare = new Client({ name: "mcp-test", version: "1.0.0" });
    await expect(bare.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)))).rejects.toMatchObject({ code: 401, message: expect.stringContaining("unauthorized") });

    const client = await fx.httpClient(server, { "x-api-key": KEY });
    const { structured } = await runTask(client, { task: TASK });
    expect(structured!.answer).toContain("435");
  });

  it("answers GET and DELETE /mcp with 405 and a JSON error", async () => {
    const server = await fx.serve();
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(`${server.url}/mcp`, { method, headers: { accept: "text/event-stream" } });
      expect(res.status, method).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("method_not_allowed");
    }
  });

  it("continues a thread given twice: same threadId, and both tasks are in the stored conversation", async () => {
    const server = await fx.serve();
    const client = await fx.httpClient(server);
    const first = await runTask(client, { task: TASK, thread: "mcp-thread-1" });
    const second = await runTask(client, { task: "What is 17 * 23?", thread: "mcp-thread-1" });
    expect(first.structured!.threadId).toBe("mcp-thread-1");
    expect(second.structured!.threadId).toBe(first.structured!.threadId);
    expect(second.structured!.answer).toContain("391");
    const stored = (await (await fetch(`${server.url}/api/threads/mcp-thread-1`)).json()) as { messages: { role: string; content: string }[]; checkpoints: unknown };
    expect(stored.messages.filter((m) => m.role === "user").map((m) => m.content)).toEqual([TASK, "What is 17 * 23?"]);
    // A checkpointer handed to the server is the app's own: the server prunes only its own store.
    expect(stored.checkpoints).toBeNull();
  });

  it("a run that needs approval returns waiting_for_approval with the tool and thread, and the HTTP API resumes it", async () => {
    const server = await fx.serve({ tiers: { approvals: { calculator: ["approve", "reject"] } } });
    const client = await fx.httpClient(server);
    const { result, text, structured } = await runTask(client, { task: "What is 17 * 23?", thread: "mcp-approval" });
    expect(result.isError).toBeFalsy();
    expect(structured).toMatchObject({ status: "waiting_for_approval", threadId: "mcp-approval", waitingFor: [{ tool: "calculator" }], simulated: true });
    expect(structured!.answer).toBeUndefined();
    expect(text).toContain("calculator");
    expect(text).toContain("mcp-approval");
    const resumed = await fetch(`${server.url}/api/threads/mcp-approval/resume`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ decision: "approve" }) });
    expect(((await resumed.json()) as { result: { answer: string } }).result.answer).toContain("391");
  });

  it("rejects hostile arguments with an error naming the field, and keeps serving", async () => {
    const client = await fx.httpClient(await fx.serve());
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ task: "x".repeat(20_001) }, /task must be at most 20000 characters/],
      [{ task: "" }, /task must not be empty/],
      [{ task: TASK, tier: "ultra" }, /tier must be one of fast, standard, premium/],
      [{ task: TASK, agent: "Researcher" }, /agent must be a lower-case agent name/],
      [{ task: TASK, thread: "../../etc/passwd" }, /thread must be/],
      [{ task: 42 }, /task must be text/],
      [{}, /task/],
    ];
    for (const [args, message] of cases) {
      const { result, text } = await runTask(client, args);
      expect(result.isError, JSON.stringify(args).slice(0, 60)).toBe(true);
      expect(text).toMatch(message);
      expect(text).toMatch(/Input validation error/);
    }
    // An agent name of the right shape that does not exist: the orchestrator's own message.
    const unknown = await runTask(client, { task: TASK, agent: "no_such_agent" });
    expect(unknown.result.isError).toBe(true);
    expect(unknown.text).toMatch(/Unknown agent "no_such_agent"/);
    const { structured } = await runTask(client, { task: TASK });
    expect(structured!.answer).toContain("435");
  });
});

describe("cancellation and shutdown", () => {
  // Slow model calls: a run would take many seconds unless something stops it.
  let slow: EmulatorHandle;
  beforeAll(async () => {
    slow = await emulator({ latency: { ttftMs: 20_000 } });
  });
  afterAll(async () => {
    await slow?.close();
  });

  it("a cancelled call aborts its run", async () => {
    const graph = createOrchestrator({ ...(await fx.runtimeOn({}, slow)), simulated: true, checkpointer: new MemorySaver(), logger: silentLogger });
    const claims = processClaims();
    const server = createMcpServer({ graph, simulated: () => true, logger: silentLogger, claims });
    // Whether a run holds `thread`: a claim of our own succeeds only when none does.
    const held = async (thread: string) => {
      const probe = await claims.tryClaim(thread);
      await probe?.release();
      return probe === undefined;
    };
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: "mcp-test", version: "1.0.0" });
    await client.connect(clientSide);
    const controller = new AbortController();
    const call = runTask(client, { task: TASK, thread: "mcp-cancel" }, controller.signal);
    await vi.waitFor(async () => expect(await held("mcp-cancel")).toBe(true));
    controller.abort("the user gave up");
    await expect(call).rejects.toThrow(/gave up|abort/i);
    // The handler ends (and frees the thread) long before the model call would have answered.
    await vi.waitFor(async () => expect(await held("mcp-cancel")).toBe(false), { timeout: 5_000 });
    await client.close();
    await server.close();
  });

  it("a newer run's stop request ends run_task with the reason, and frees the thread", async () => {
    const graph = createOrchestrator({ ...(await fx.runtimeOn({}, slow)), simulated: true, checkpointer: new MemorySaver(), logger: silentLogger });
    const claims = processClaims();
    const server = createMcpServer({ graph, simulated: () => true, logger: silentLogger, claims });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: "mcp-test", version: "1.0.0" });
    await client.connect(clientSide);
    // The first progress notification: the run holds the thread.
    let call: ReturnType<Client["callTool"]> | undefined;
    await new Promise<void>((resolve) => {
      call = client.callTool({ name: "run_task", arguments: { task: TASK, thread: "mcp-stopped" } }, undefined, { onprogress: () => resolve() });
    });
    await claims.requestStop("mcp-stopped", "interrupt");
    const answer = await call!;
    expect(answer.isError).toBe(true);
    expect((answer.content as { text: string }[])[0].text).toMatch(/A newer run on this thread stopped this one \(multitaskStrategy interrupt\)/);
    const free = await claims.tryClaim("mcp-stopped");
    expect(free).toBeDefined();
    await free!.release();
    await client.close();
    await server.close();
  });

  it("closing the HTTP server stops a run in flight, which answers that the server is shutting down", async () => {
    const server = await fx.serve({ on: slow });
    const client = await fx.httpClient(server);
    let answer: Awaited<ReturnType<Client["callTool"]>> | undefined;
    // The first progress notification: the run has started.
    await new Promise<void>((resolve) => {
      void client
        .callTool({ name: "run_task", arguments: { task: TASK, thread: "mcp-shutdown" } }, undefined, { onprogress: () => resolve() })
        .then((r) => (answer = r));
    });
    await server.close();
    await vi.waitFor(() => expect(answer).toBeDefined());
    expect(answer!.isError).toBe(true);
    expect((answer!.content as { text: string }[])[0].text).toMatch(/mcp-shutdown was stopped: the server is shutting down/);
  });
});
