/**
 * Tools from MCP servers: a real server written with the official SDK (test/fixtures), as a
 * stdio child and over streamable HTTP with OAuth2 client credentials from the emulator's
 * token endpoint. Calls end to end through the orchestrator, with their source in the events;
 * the time limit, the result cap, a server that dies mid-call and one that is down at startup;
 * no child process left behind; and the checks on configuration.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createConfiguredToolbox, McpToolbox } from "../../agents/tools/index.js";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { loadConfig } from "../../src/config/index.js";
import { scrubText } from "../../src/logging/index.js";
import type { McpServers } from "../../src/policy/mcp_config.js";
import { resolveTiersFile } from "../../src/policy/tier_config.js";
import { ConfigurationError } from "../../src/errors.js";
import { silentLogger } from "../helpers/gateway.js";
import { collect, emulatorForFile, ofType } from "../helpers/orchestrator.js";
import { mcpHttpServer } from "../fixtures/mcp_tools_server.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const file = emulatorForFile();
const stdioServer = (extra: Record<string, unknown> = {}): McpServers => ({
  tools: { transport: "stdio", command: process.execPath, args: ["--import", "tsx", "test/fixtures/mcp_tools_server.ts"], cwd: root, timeoutMs: 1_500, maxResultChars: 200, ...extra } as McpServers[string],
});
const boxes: McpToolbox[] = [];
afterAll(async () => {
  for (const b of boxes) await b.close();
});

/** Child processes of this test process that run the fixture server. */
const fixtureChildren = () =>
  execFileSync("ps", ["-eo", "ppid=,args="], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.trim().startsWith(`${process.pid} `) && l.includes("mcp_tools_server"));

describe("MCP tools over stdio", () => {
  it("lists the server's tools with prefixed names, calls them, caps a big result and times out a hanging one", async () => {
    const box = await McpToolbox.connect(stdioServer(), { logger: silentLogger });
    boxes.push(box);
    expect(Object.keys(box.tools).sort()).toEqual(["tools__big_report", "tools__crash_server", "tools__hang_forever", "tools__lookup_order"]);
    expect(box.status()).toEqual([expect.objectContaining({ server: "tools", state: "up", transport: "stdio" })]);
    expect(await box.tools.tools__lookup_order.invoke({ order: "A-17" })).toBe("order A-17: shipped on 2025-01-02");
    const big = String(await box.tools.tools__big_report.invoke({ size: 5_000 }));
    expect(big).toBe(`${"x".repeat(200)}\n[cut: the result was 5000 characters; the limit is 200]`);
    await expect(box.tools.tools__hang_forever.invoke({})).rejects.toThrow("the MCP server 'tools' did not answer within 2 s");
    // Still usable after a timeout.
    expect(await box.tools.tools__lookup_order.invoke({ order: "B-2" })).toContain("order B-2");
  }, 30_000);

  it("a server that dies mid-call costs that call one error; the next call starts it again", async () => {
    const box = await McpToolbox.connect(stdioServer(), { logger: silentLogger });
    boxes.push(box);
    await expect(box.tools.tools__crash_server.invoke({})).rejects.toThrow(/the MCP server 'tools'/);
    expect(await box.tools.tools__lookup_order.invoke({ order: "C-3" })).toContain("order C-3");
  }, 30_000);

  it("credentials in a server's env are hidden from every later log line; other values are not", async () => {
    const box = await McpToolbox.connect(stdioServer({ env: { GITHUB_TOKEN: "ghp_not-a-real-token-123", LOG_FORMAT: "plain-text" } }), { logger: silentLogger });
    boxes.push(box);
    expect(scrubText("using ghp_not-a-real-token-123 now")).toBe("using [REDACTED] now");
    expect(scrubText("format plain-text")).toBe("format plain-text");
  }, 30_000);

  it("a server that cannot start is reported down, and the built-in tools still work", async () => {
    const toolbox = await createConfiguredToolbox({ config: loadConfig({}), mcp: { broken: { transport: "stdio", command: "/nonexistent/mcp-server" } }, logger: silentLogger });
    try {
      expect(toolbox.servers()).toEqual([expect.objectContaining({ server: "broken", state: "down" })]);
      expect(Object.keys(toolbox.tools)).toEqual(["calculator", "current_datetime"]);
    } finally {
      await toolbox.close();
    }
  });

  it("an agent calls an MCP tool end to end; the events name its source; closing leaves no child process", async () => {
    const tiers = { mcp: { servers: stdioServer() }, tiers: { fast: { tools: ["calculator", "tools.*"] } } };
    const { registry, policy } = await file.runtimeWith(tiers as never);
    const baseline = fixtureChildren().length;
    const toolbox = await createConfiguredToolbox({ config: loadConfig({}), mcp: policy.mcp, logger: silentLogger });
    try {
      const graph = createOrchestrator({ registry, policy, tools: toolbox.tools, logger: silentLogger });
      for (const run of [1, 2]) {
        const events = await collect(graph, "Look up the order and tell its status", { tier: "fast" });
        expect([...ofType(events, "agent_started")[0].tools].sort(), `run ${run}`).toEqual(["calculator", "tools__big_report", "tools__crash_server", "tools__hang_forever", "tools__lookup_order"]);
        expect(ofType(events, "tool_call")).toEqual([expect.objectContaining({ name: "tools__lookup_order", source: "mcp:tools" })]);
        expect(ofType(events, "tool_result")).toEqual([expect.objectContaining({ source: "mcp:tools", content: "order example: shipped on 2025-01-02", isError: false })]);
        expect(ofType(events, "final_answer")[0].answer).toContain("shipped on 2025-01-02");
      }
      // The server killed in the middle of a run: that call gets an error result, and the run still answers.
      const killed = await collect(graph, "Crash the server now", { tier: "fast" });
      expect(ofType(killed, "tool_call").map((c) => c.name)).toEqual(["tools__crash_server"]);
      expect(ofType(killed, "tool_result")).toEqual([expect.objectContaining({ isError: true, source: "mcp:tools" })]);
      expect(ofType(killed, "final_answer")).toHaveLength(1);
      const after = await collect(graph, "Look up the order and tell its status", { tier: "fast" });
      expect(ofType(after, "tool_result")[0]).toMatchObject({ isError: false, content: "order example: shipped on 2025-01-02" });
      expect(fixtureChildren()).toHaveLength(baseline + 1);
    } finally {
      await toolbox.close();
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(fixtureChildren()).toHaveLength(baseline);
  }, 30_000);
});

describe("MCP tools over streamable HTTP with OAuth2", () => {
  it("every request carries a bearer token from the token endpoint, and one token serves many calls", async () => {
    const http = await mcpHttpServer();
    const before = file.emu.stats().tokenRequests;
    const box = await McpToolbox.connect(
      { orders: { transport: "http", url: http.url, auth: { tokenUrl: file.emu.tokenUrl, clientId: file.emu.clientId, clientSecret: file.emu.clientSecret } } },
      { logger: silentLogger },
    );
    try {
      for (const n of [1, 2, 3, 4, 5]) expect(await box.tools.orders__lookup_order.invoke({ order: `H-${n}` })).toBe(`order H-${n}: shipped on 2025-01-02`);
      expect(http.authorizations.length).toBeGreaterThan(5);
      expect(new Set(http.authorizations).size).toBe(1);
      expect(http.authorizations[0]).toMatch(/^Bearer \S+$/);
      expect(file.emu.stats().tokenRequests - before).toBe(1);
    } finally {
      await box.close();
      await http.close();
    }
  }, 30_000);
});

describe("MCP over HTTP with the gateway's own client", () => {
  it("auth: gateway sends the gateway client's token", async () => {
    const http = await mcpHttpServer();
    const { registry } = await file.runtimeWith();
    const box = await McpToolbox.connect({ orders: { transport: "http", url: http.url, auth: "gateway" } }, { logger: silentLogger, gatewayTokens: registry.gatewayTokens() });
    try {
      expect(await box.tools.orders__lookup_order.invoke({ order: "G-1" })).toContain("order G-1");
      expect(http.authorizations[0]).toMatch(/^Bearer \S+$/);
    } finally {
      await box.close();
      await http.close();
    }
    const none = await McpToolbox.connect({ orders: { transport: "http", url: "http://127.0.0.1:9/mcp", auth: "gateway" } }, { logger: silentLogger });
    expect(none.status()[0]).toMatchObject({ state: "down", error: expect.stringContaining("auth: gateway needs the gateway's OAuth2 client") });
  }, 30_000);
});

describe("MCP configuration", () => {
  const problems = (input: unknown) => {
    try {
      resolveTiersFile(input);
      return [];
    } catch (err) {
      if (err instanceof ConfigurationError && err.code === "invalid_tiers_config") return err.problems.map((p) => `${p.path}: ${p.message}`);
      throw err;
    }
  };

  it.each([
    ["plain http to a private address", { transport: "http", url: "http://10.0.0.5/mcp" }, "mcp.servers.x.url: must be https (plain http is accepted for loopback hosts only)"],
    ["no transport", { command: "x" }, "mcp.servers.x.transport: must have transport"],
    ["a stdio server without a command", { transport: "stdio" }, "mcp.servers.x.command: must be the program to start"],
    ["an unknown field", { transport: "stdio", command: "x", shell: true }, 'mcp.servers.x: unknown key "shell"'],
    ["a bad auth", { transport: "http", url: "https://mcp.example/", auth: "basic" }, 'mcp.servers.x.auth: must be "gateway" or { tokenUrl, clientId, clientSecret, scope? }'],
    ["a zero timeout", { transport: "stdio", command: "x", timeoutMs: 0 }, "mcp.servers.x.timeoutMs: must be a positive integer"],
  ])("refuses %s, naming the key", (_what, server, expected) => {
    expect(problems({ mcp: { servers: { x: server } } }).some((p) => p.startsWith(expected))).toBe(true);
  });

  it("refuses a server name that would not make a tool name", () => {
    expect(problems({ mcp: { servers: { "Git Hub": { transport: "stdio", command: "x" } } } }).join("\n")).toContain("must be a server name");
  });

  it("a tier that lists an unknown tool or server stops startup naming the path", async () => {
    const runtime = await file.runtimeWith({ tiers: { fast: { tools: ["calculator", "github.*"] } } });
    expect(() => createOrchestrator({ ...runtime, logger: silentLogger })).toThrow('tiers.fast.tools.1: unknown MCP server "github" (declare it under mcp.servers).');
    const typo = await file.runtimeWith({ tiers: { standard: { tools: ["calculater"] } } });
    expect(() => createOrchestrator({ ...typo, logger: silentLogger })).toThrow('tiers.standard.tools.0: unknown tool "calculater"');
  });
});

describe("one configuration for the whole toolbox", () => {
  it("HTTP_GET_* given through the server's env option reaches http_get", async () => {
    const { build, tempDir } = await import("./server_helpers.js");
    const tmp = tempDir();
    const env = { AI_GATEWAY_BASE_URL: file.emu.baseUrl, AI_GATEWAY_CLIENT_ID: file.emu.clientId, AI_GATEWAY_CLIENT_SECRET: file.emu.clientSecret };
    const on = await build(tmp.dir, { ...env, HTTP_GET_ENABLED: "true", HTTP_GET_ALLOWED_HOSTS: "docs.example.com" });
    const off = await build(tmp.dir, env);
    try {
      const toolsOf = async (app: typeof on) => {
        const res = await app.inject({ method: "POST", url: "/api/runs/stream", payload: { task: "Hello", tier: "fast" } });
        const started = res.body.split("\n\n").find((f) => f.startsWith("event: agent_started"));
        return (JSON.parse(started!.slice(started!.indexOf("data: ") + 6)) as { tools: string[] }).tools;
      };
      expect(await toolsOf(on)).toContain("http_get");
      expect(await toolsOf(off)).not.toContain("http_get");
    } finally {
      await on.close();
      await off.close();
      tmp.cleanup();
    }
  });
});
