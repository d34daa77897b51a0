/**
 * LangSmith: with LANGSMITH_TRACING=true, LangChain's own tracer sends the runs; the orchestrator
 * labels each agent attempt with its tier, agent and route (metadata and tags). LANGSMITH_ENDPOINT
 * points at a stub on loopback that decodes the multipart ingest, so nothing leaves the machine.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { Agent, type Dispatcher } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import { emulator, silentLogger } from "../helpers/gateway.js";

const API_KEY = "lsv2_pt_loopback_only_3f9c2a7d1e";

/** One run as LangSmith received it, post and patch parts merged. */
interface IngestedRun {
  id: string;
  name?: string;
  run_type?: string;
  parent_run_id?: string;
  tags?: string[];
  metadata: Record<string, unknown>;
}

const saved: Record<string, string | undefined> = {};
const VARS = ["LANGSMITH_TRACING", "LANGSMITH_ENDPOINT", "LANGSMITH_API_KEY", "LANGSMITH_PROJECT", "LANGSMITH_RUNS_ENDPOINTS", "LANGCHAIN_TRACING_V2", "LANGCHAIN_ENDPOINT"];
let server: Server;
const bodies: { headers: Record<string, unknown>; body: string }[] = [];
let emu: EmulatorHandle;

/** Runs of every multipart ingest received so far, by id. */
function ingestedRuns(): Map<string, IngestedRun> {
  const runs = new Map<string, IngestedRun>();
  for (const { headers, body } of bodies) {
    const boundary = /boundary=(.+)$/.exec(String(headers["content-type"] ?? ""))?.[1];
    if (!boundary) continue;
    for (const part of body.split(`--${boundary}`)) {
      const name = /name="([^"]+)"/.exec(part)?.[1];
      const json = part.slice(part.indexOf("\r\n\r\n") + 4).trim();
      if (!name || !json.startsWith("{")) continue;
      const [, id, field] = /^(?:post|patch)\.([^.]+)(?:\.(.+))?$/.exec(name) ?? [];
      if (!id) continue;
      const run = runs.get(id) ?? { id, metadata: {} };
      const value = JSON.parse(json) as Record<string, unknown>;
      if (field === "extra") Object.assign(run.metadata, (value.metadata ?? {}) as Record<string, unknown>);
      else if (!field) Object.assign(run, { ...value, metadata: run.metadata });
      runs.set(id, run);
    }
  }
  return runs;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      if (req.method === "POST") bodies.push({ headers: req.headers, body: body.toString("utf8") });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  for (const v of VARS) saved[v] = process.env[v];
  for (const v of VARS) delete process.env[v];
  // The endpoint first: tracing is never on with the real one.
  process.env.LANGSMITH_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.LANGSMITH_API_KEY = API_KEY;
  process.env.LANGSMITH_PROJECT = "loopback-test";
  process.env.LANGSMITH_TRACING = "true";
  emu = await emulator();
});

afterAll(async () => {
  for (const v of VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
  await emu?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Sends one run through the orchestrator and waits until LangChain's callbacks (the LangSmith tracer) are done. */
async function run(input: string, options: { plan?: boolean } = {}): Promise<{ tokens: string[] }> {
  const { streamSteps } = await import("../../src/runs/index.js");
  const { createOrchestrator } = await import("../../graphs/orchestrator/graph.js");
  const { awaitAllCallbacks } = await import("@langchain/core/callbacks/promises");
  const tokens: string[] = [];
  const dispatcher = new Agent().compose((dispatch) => (opts: Dispatcher.DispatchOptions, handler) => {
    const auth = Object.entries((opts.headers ?? {}) as Record<string, unknown>).find(([k]) => k.toLowerCase() === "authorization")?.[1];
    if (typeof auth === "string") tokens.push(auth.replace(/^bearer\s+/i, ""));
    return dispatch(opts, handler);
  });
  const registry = await ProviderRegistry.create({
    env: { AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret },
    logger: silentLogger,
    discovery: { enabled: false },
    gatewayClientOptions: { dispatcher },
  });
  try {
    for await (const e of streamSteps(input, { graph: createOrchestrator({ registry, logger: silentLogger }), plan: options.plan })) void e;
    await awaitAllCallbacks();
  } finally {
    await registry.close();
    await dispatcher.close();
  }
  return { tokens };
}

describe("LangSmith tracing (LANGSMITH_TRACING=true, endpoint on loopback)", () => {
  let tokens: string[] = [];
  beforeAll(async () => {
    ({ tokens } = await run("What is 12.5% of 3,480?"));
  });

  it("labels the agent's run and every model and tool call under it with tier, agent and route", () => {
    const runs = [...ingestedRuns().values()];
    expect(runs.length).toBeGreaterThan(0);
    const agent = runs.find((r) => r.name === "fast_agent" && r.tags?.includes("tier:fast"));
    expect(agent, "the fast agent's run").toBeDefined();
    expect(agent!.metadata).toMatchObject({ tier: "fast", agent: "fast_agent", route: "rule" });
    expect(agent!.tags).toEqual(expect.arrayContaining(["tier:fast", "agent:fast_agent", "route:rule"]));
    const below = runs.filter((r) => r.run_type === "llm" || r.run_type === "tool");
    expect(below.filter((r) => r.run_type === "llm").length).toBeGreaterThanOrEqual(2);
    expect(below.some((r) => r.run_type === "tool" && r.name === "calculator")).toBe(true);
    for (const r of below) {
      expect(r.metadata, `${r.run_type} ${r.name}`).toMatchObject({ tier: "fast", agent: "fast_agent", route: "rule" });
      expect(r.tags).toEqual(expect.arrayContaining(["tier:fast", "agent:fast_agent", "route:rule"]));
    }
    // The router's run comes before any tier is chosen: it carries no agent labels.
    const router = runs.find((r) => r.name === "router");
    expect(router?.metadata.tier).toBeUndefined();
  });

  it("sends no secret: not the client secret, nor a bearer token, nor the LangSmith key in a body", () => {
    expect(tokens.length).toBeGreaterThan(0);
    expect(bodies.length).toBeGreaterThan(0);
    for (const { body, headers } of bodies) {
      for (const secret of [emu.clientSecret, API_KEY, ...tokens]) expect(body).not.toContain(secret);
      expect(body.toLowerCase()).not.toContain("bearer ");
      // The key goes where LangSmith expects it, and only there.
      expect(headers["x-api-key"]).toBe(API_KEY);
    }
  });

  it("labels a plan's subtasks with route plan and their subtask id", async () => {
    bodies.length = 0;
    await run("1. What is 1 + 1?\n2. What is 2 + 2?", { plan: true });
    const subtaskRuns = [...ingestedRuns().values()].filter((r) => r.tags?.includes("route:plan"));
    const ids = new Set(subtaskRuns.filter((r) => r.run_type === "llm").map((r) => r.metadata.subtask_id));
    expect(ids.size).toBe(2);
    for (const r of subtaskRuns) expect(r.metadata).toMatchObject({ route: "plan", agent: expect.any(String), tier: expect.any(String) });
  });
});
