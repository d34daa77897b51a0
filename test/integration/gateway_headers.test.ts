/**
 * Extra gateway headers end to end: static ones from AI_GATEWAY_HEADERS reach the gateway (the
 * emulator records what arrived) and are redacted in trace logs; per-run ones from streamSteps
 * and from the HTTP API's `metadata` reach every model call of the run, classifier, agents and
 * subtasks included, and never land in a checkpoint or a trace.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { MemorySaver } from "@langchain/langgraph";
import { RunCollectorCallbackHandler } from "@langchain/core/tracers/run_collector";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrchestrator, type OrchestratorGraph } from "../../graphs/orchestrator/graph.js";
import { OrchestratorInputError } from "../../graphs/orchestrator/errors.js";
import type { EmulatorHandle, RecordedRequest } from "../../src/emulator/index.js";
import { AIGatewayError } from "../../src/gateway/index.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import { clientFor, emulator, silentLogger } from "../helpers/gateway.js";
import { collect } from "../helpers/orchestrator.js";
import { build, captureLogger, tempDir } from "./server_helpers.js";

let emu: EmulatorHandle;
beforeAll(async () => {
  emu = await emulator();
});
afterAll(async () => {
  await emu.close();
});

const gatewayEnv = () => ({ AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret });
/** Chat requests the emulator received after the first `from`. */
const chatRequests = (from: number): RecordedRequest[] => emu.requests().slice(from).filter((r) => r.path === "/v1/chat/completions");

describe("static headers (AI_GATEWAY_HEADERS)", () => {
  it("reach the gateway on chat and model-list calls, with ${NAME} resolved, and their values are redacted in trace logs", async () => {
    const subscriptionKey = `apim-${Math.random().toString(36).slice(2)}-subscription`;
    const { logger, lines } = captureLogger("trace");
    const registry = await ProviderRegistry.create({
      env: {
        ...gatewayEnv(),
        APIM_KEY: subscriptionKey,
        // x-tenant's value is too short to be registered as a secret: only the header rule hides it.
        AI_GATEWAY_HEADERS: JSON.stringify({ "Ocp-Apim-Subscription-Key": "${APIM_KEY}", "X-Tenant": "acme1", "x-team": "blue-team" }),
        AI_GATEWAY_HEADERS_PUBLIC: "x-team",
      },
      logger,
    });
    const from = emu.requests().length;
    try {
      await registry.chatModel("fast").invoke("Say hello.");
      await registry.refreshDiscovery(true);
    } finally {
      await registry.close();
    }
    const seen = emu.requests().slice(from);
    const chat = seen.filter((r) => r.path === "/v1/chat/completions");
    const models = seen.filter((r) => r.path === "/v1/models");
    expect(chat.length).toBeGreaterThanOrEqual(1);
    expect(models.length).toBeGreaterThanOrEqual(1);
    for (const r of [...chat, ...models]) {
      expect(r.headers["ocp-apim-subscription-key"]).toBe(subscriptionKey);
      expect(r.headers["x-tenant"]).toBe("acme1");
      expect(r.headers["x-team"]).toBe("blue-team");
    }

    const traces = lines.filter((l) => l.includes('"gateway request"')).map((l) => JSON.parse(l) as { headers: Record<string, string> });
    expect(traces.length).toBeGreaterThanOrEqual(2);
    for (const t of traces) {
      expect(t.headers["ocp-apim-subscription-key"]).toBe("[REDACTED]");
      expect(t.headers["x-tenant"]).toBe("[REDACTED]");
      expect(t.headers.authorization).toBe("[REDACTED]");
      // Listed in AI_GATEWAY_HEADERS_PUBLIC, so shown.
      expect(t.headers["x-team"]).toBe("blue-team");
    }
    const all = lines.join("\n");
    expect(all).not.toContain(subscriptionKey);
    expect(all).not.toContain("acme1");
  });

  it("a header the client sets itself, or a value with CR/LF, is refused before anything is sent", async () => {
    const client = clientFor(emu);
    const before = emu.stats().chatRequests;
    const request = { model: "gpt-4.1", messages: [{ role: "user" as const, content: "hi" }] };
    try {
      const attempts: Record<string, string>[] = [{ "x-note": "a\r\nx-injected: 1" }, { Authorization: "Bearer stolen-token-value" }, { host: "elsewhere.example" }];
      for (const headers of attempts) {
        const err = await client.createChatCompletion(request, { headers }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AIGatewayError);
        expect((err as AIGatewayError).code).toBe("invalid_header");
        expect((err as Error).message).not.toContain("stolen-token-value");
        expect((err as Error).message).not.toContain("x-injected");
      }
    } finally {
      await client.close();
    }
    expect(emu.stats().chatRequests).toBe(before);
    expect(() => clientFor(emu, { headers: { "Content-Length": "5" } })).toThrow(/content-length/);
  });
});

describe("per-run headers", () => {
  let registry: ProviderRegistry;
  beforeAll(async () => {
    registry = await ProviderRegistry.create({ env: gatewayEnv(), logger: silentLogger, discovery: { enabled: false } });
  });
  afterAll(async () => {
    await registry.close();
  });

  it("from streamSteps reach every model call of the run (classifier, agent, planner, subtasks) and stay out of checkpoints and traces", async () => {
    const endUser = `end-user-${Math.random().toString(36).slice(2)}`;
    const checkpointer = new MemorySaver();
    const collector = new RunCollectorCallbackHandler();
    const graph = createOrchestrator({ registry, checkpointer, logger: silentLogger }).withConfig({ callbacks: [collector] }) as unknown as OrchestratorGraph;
    const headers = { "X-End-User": endUser, "x-cost-center": "cc-42" };

    const from = emu.requests().length;
    const routed = await collect(graph, "Explain what a circuit breaker is in two sentences.", { threadId: "hdr-1", routingMode: "classifier", headers });
    expect(routed.some((e) => e.type === "final_answer")).toBe(true);
    const planned = await collect(graph, "1. What is 17 * 23?\n2. Write a short note about the benefits of queues", { threadId: "hdr-2", plan: true, headers });
    expect(planned.filter((e) => e.type === "agent_started").length).toBeGreaterThanOrEqual(2);

    const calls = chatRequests(from);
    // The classifier, the first run's agent, then the planner, two or more subtasks and the synthesizer.
    expect(calls.length).toBeGreaterThanOrEqual(5);
    for (const call of calls) {
      expect(call.headers["x-end-user"]).toBe(endUser);
      expect(call.headers["x-cost-center"]).toBe("cc-42");
    }

    const stored: unknown[] = [];
    for (const thread of ["hdr-1", "hdr-2"]) for await (const tuple of checkpointer.list({ configurable: { thread_id: thread } })) stored.push(tuple);
    expect(stored.length).toBeGreaterThan(0);
    expect(JSON.stringify(stored)).not.toContain(endUser);

    expect(collector.tracedRuns.length).toBeGreaterThan(0);
    const traced = JSON.stringify(collector.tracedRuns);
    expect(traced).toContain("ChatAIGateway");
    expect(traced).not.toContain(endUser);
    expect(traced).not.toContain("cc-42");
  }, 60_000);

  it("a bad per-run header fails the run before any model call, naming the header", async () => {
    const graph = createOrchestrator({ registry, checkpointer: new MemorySaver(), logger: silentLogger });
    const before = emu.stats().chatRequests;
    const err = await collect(graph, "hi", { threadId: "hdr-bad", headers: { "x-end-user": "alice\nx-admin: yes" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrchestratorInputError);
    expect((err as Error).message).toMatch(/x-end-user/);
    expect((err as Error).message).not.toContain("x-admin");
    expect(emu.stats().chatRequests).toBe(before);
  });
});

describe("HTTP run metadata (AI_GATEWAY_METADATA_HEADERS)", () => {
  const tmp = tempDir();
  let app: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    // The calculator waits for approval, so a run can be resumed with metadata of its own.
    const tiersFile = join(tmp.dir, "tiers.yaml");
    writeFileSync(tiersFile, "approvals:\n  calculator: [approve, reject]\n");
    app = await build(tmp.dir, { ...gatewayEnv(), TIERS_CONFIG: tiersFile, AI_GATEWAY_METADATA_HEADERS: "user=x-end-user,costCenter=x-cost-center" });
  });
  afterAll(async () => {
    await app.close();
    tmp.cleanup();
  });

  it("mapped keys reach the gateway as headers on the run's calls", async () => {
    const from = emu.requests().length;
    const res = await app.inject({ method: "POST", url: "/api/runs", payload: { task: "Write a short note about the benefits of queues.", metadata: { user: "alice@example.com", costCenter: "cc-7" } } });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe("completed");
    const calls = chatRequests(from);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    for (const call of calls) expect(call.headers).toMatchObject({ "x-end-user": "alice@example.com", "x-cost-center": "cc-7" });
  });

  it("a resumed run sends the metadata given with the decision", async () => {
    const threadId = "hdr-resume";
    const started = await app.inject({ method: "POST", url: "/api/runs", payload: { task: "What is 6 * 7?", threadId, metadata: { user: "bob" } } });
    expect(started.json().status).toBe("waiting_for_approval");
    const from = emu.requests().length;
    const resumed = await app.inject({ method: "POST", url: `/api/threads/${threadId}/resume`, payload: { decision: "approve", metadata: { user: "carol", costCenter: "cc-9" } } });
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json().status).toBe("completed");
    const calls = chatRequests(from);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    for (const call of calls) expect(call.headers).toMatchObject({ "x-end-user": "carol", "x-cost-center": "cc-9" });
  });

  it("an unmapped key or a control character is refused with 400 before the run starts", async () => {
    const before = emu.stats().chatRequests;
    const unknown = await app.inject({ method: "POST", url: "/api/runs", payload: { task: "hi", metadata: { team: "blue" } } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toMatch(/metadata\.team .*user, costCenter/);
    const broken = await app.inject({ method: "POST", url: "/api/runs", payload: { task: "hi", metadata: { user: "a\r\nb" } } });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.message).toMatch(/metadata\.user/);
    const notText = await app.inject({ method: "POST", url: "/api/runs", payload: { task: "hi", metadata: { user: 42 } } });
    expect(notText.statusCode).toBe(400);
    expect(emu.stats().chatRequests).toBe(before);
  });
});

describe("headers named in different case", () => {
  it("a call's header replaces the model's header of the same name whatever its case, instead of failing the call", async () => {
    const { ChatAIGateway } = await import("../../src/models/index.js");
    const chat = new ChatAIGateway({ model: "gpt-4.1", client: clientFor(emu), headers: { "X-Team": "model-team" } });
    const from = emu.requests().length;
    await chat.invoke("Say hello.", { headers: { "x-team": "call-team" } });
    await chat.invoke("Say hello.");
    const [withCall, without] = chatRequests(from);
    expect(withCall.headers["x-team"]).toBe("call-team");
    expect(without.headers["x-team"]).toBe("model-team");
  });
});
