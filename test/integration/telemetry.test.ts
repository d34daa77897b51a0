/**
 * OpenTelemetry end to end: orchestrator runs against the emulator, with the SDK started from
 * OTEL_* variables and exporting to a small OTLP/HTTP receiver on loopback that decodes the
 * JSON export. Checks the span tree, the GenAI attributes, the gateway's request id, the
 * traceparent the emulator received, and that no secret (nor, by default, any message text)
 * leaves in the export. A run through the HTTP API joins the trace its caller's traceparent names.
 */
import { Agent, type Dispatcher } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrchestrator, type OrchestratorGraph } from "../../graphs/orchestrator/graph.js";
import type { StepEvent } from "../../graphs/orchestrator/events.js";
import type { EmulatorHandle, RecordedRequest } from "../../src/emulator/index.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import { startTelemetry } from "../../src/telemetry/index.js";
import { emulator, silentLogger } from "../helpers/gateway.js";
import { collect } from "../helpers/orchestrator.js";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../helpers/otlp_receiver.js";
import { build, tempDir } from "./server_helpers.js";

const TASK = "What is 12.5% of 3,480?";
const EXPRESSION = "12.5 / 100 * 3480";
const COLLECTOR_KEY = "collector-key-5d1f0b7e9a3c";

let rx: OtlpReceiver;
let emu: EmulatorHandle;

beforeAll(async () => {
  rx = await startOtlpReceiver();
  emu = await emulator();
});

afterAll(async () => {
  await emu?.close();
  await rx?.close();
});

/** The authorization header of an undici request's headers, whatever shape they come in. */
function authorizationOf(headers: Dispatcher.DispatchOptions["headers"]): string | undefined {
  if (!headers) return undefined;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) if (String(headers[i]).toLowerCase() === "authorization") return String(headers[i + 1]);
    return undefined;
  }
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) if (k.toLowerCase() === "authorization") return String(v);
  return undefined;
}

interface TracedRun {
  spans: ReceivedSpan[];
  raw: string;
  collectorHeaders: string[];
  requests: RecordedRequest[];
  /** Bearer tokens the gateway client actually sent. */
  tokens: string[];
  events: StepEvent[];
  error?: unknown;
}

/** One orchestrator run with tracing started from `otelEnv`, then the SDK shut down (which flushes the export). */
async function tracedRun(options: { capture?: boolean; env?: Record<string, string>; otelEnv?: Record<string, string>; tracing?: boolean; drive?: (graph: OrchestratorGraph) => Promise<StepEvent[]> } = {}): Promise<TracedRun> {
  const otelEnv = options.otelEnv ?? {
    OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
    OTEL_EXPORTER_OTLP_HEADERS: `x-collector-key=${COLLECTOR_KEY}`,
    OTEL_SERVICE_NAME: "telemetry-test",
    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: String(options.capture ?? false),
  };
  const telemetry = options.tracing === false ? undefined : await startTelemetry({ env: otelEnv, logger: silentLogger });
  const tokens: string[] = [];
  const dispatcher = new Agent().compose((dispatch) => (opts, handler) => {
    const auth = authorizationOf(opts.headers);
    if (auth) tokens.push(auth.replace(/^bearer\s+/i, ""));
    return dispatch(opts, handler);
  });
  const registry = await ProviderRegistry.create({
    env: { AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret, AI_GATEWAY_RETRY_BASE_DELAY_MS: "1", ...options.env },
    logger: silentLogger,
    discovery: { enabled: false },
    gatewayClientOptions: { dispatcher },
  });
  rx.clear();
  const before = emu.requests().length;
  const run: Partial<TracedRun> = {};
  try {
    const graph = createOrchestrator({ registry, logger: silentLogger });
    run.events = await (options.drive ? options.drive(graph) : collect(graph, TASK, { threadId: "thread-telemetry" }));
  } catch (err) {
    run.error = err;
  } finally {
    await telemetry?.shutdown();
    await registry.close();
    await dispatcher.close();
  }
  const exports = rx.exports.filter((e) => e.path === "/v1/traces");
  return {
    ...run,
    events: run.events ?? [],
    spans: rx.spans(),
    raw: exports.map((e) => e.body).join("\n"),
    collectorHeaders: exports.map((e) => String(e.headers["x-collector-key"])),
    requests: emu.requests().slice(before),
    tokens,
  };
}

const named = (spans: ReceivedSpan[], name: string) => spans.filter((s) => s.name === name);
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) => spans.filter((s) => s.parentSpanId === parent.spanId);
const only = (spans: ReceivedSpan[], name: string): ReceivedSpan => {
  const found = named(spans, name);
  expect(found.map((s) => s.name), `exactly one ${name}`).toEqual([name]);
  return found[0];
};
const chatRequests = (requests: RecordedRequest[]) => requests.filter((r) => r.path.endsWith("/chat/completions"));

describe("OpenTelemetry traces of an orchestrator run", () => {
  let run: TracedRun;
  beforeAll(async () => {
    run = await tracedRun();
  });

  it("exports one trace whose spans nest run > route/agent > model/tool > gateway attempt > token fetch", () => {
    expect(run.error).toBeUndefined();
    const { spans } = run;
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const root = only(spans, "orchestrator.run");
    expect(root.parentSpanId).toBeUndefined();
    expect(root.resource["service.name"]).toBe("telemetry-test");
    expect(root.attributes["gen_ai.conversation.id"]).toBe("thread-telemetry");
    expect(root.attributes["orchestrator.outcome"]).toBe("answered");

    const route = only(spans, "orchestrator.route");
    const agent = only(spans, "invoke_agent fast_agent");
    expect(route.parentSpanId).toBe(root.spanId);
    expect(agent.parentSpanId).toBe(root.spanId);
    expect(route.attributes).toMatchObject({ "orchestrator.route.tier": "fast", "orchestrator.route.agent": "fast_agent", "orchestrator.route.source": "rule" });
    expect(agent.attributes).toMatchObject({ "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "fast_agent", "orchestrator.tier": "fast", "orchestrator.outcome": "answered" });

    const chats = spans.filter((s) => s.name.startsWith("chat "));
    expect(chats).toHaveLength(2);
    for (const chat of chats) {
      expect(chat.parentSpanId).toBe(agent.spanId);
      const attempts = childrenOf(spans, chat);
      expect(attempts.map((a) => a.name)).toEqual(["fallback.attempt gateway"]);
      expect(attempts[0].attributes).toMatchObject({ "gen_ai.provider.name": "gateway", "fallback.outcome": "ok", "fallback.index": 0 });
    }
    const tool = only(spans, "execute_tool calculator");
    expect(tool.parentSpanId).toBe(agent.spanId);
    expect(tool.attributes).toMatchObject({ "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "calculator" });

    // The first call needed a token: its fetch is a child of that call's attempt.
    const token = only(spans, "oauth2.token");
    expect(named(spans, "fallback.attempt gateway").map((a) => a.spanId)).toContain(token.parentSpanId);
    // The collector got the configured header (and, below, nowhere else).
    expect(run.collectorHeaders.length).toBeGreaterThan(0);
    expect(new Set(run.collectorHeaders)).toEqual(new Set([COLLECTOR_KEY]));
  });

  it("gives each model call the GenAI attributes: provider, request and response model, usage, finish reasons", () => {
    const chats = run.spans.filter((s) => s.name.startsWith("chat "));
    const model = run.events.find((e) => e.type === "route_decided")?.model;
    expect(model).toBeTruthy();
    for (const chat of chats) {
      expect(chat.name).toBe(`chat ${model}`);
      expect(chat.kind).toBe(3); // SPAN_KIND_CLIENT
      expect(chat.attributes).toMatchObject({ "gen_ai.operation.name": "chat", "gen_ai.provider.name": "gateway", "gen_ai.request.model": model, "gen_ai.response.model": model });
      expect(chat.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
      expect(chat.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    }
    expect(chats.map((c) => c.attributes["gen_ai.response.finish_reasons"])).toEqual([["tool_calls"], ["stop"]]);
    // The spans' tokens add up to what the run's usage event reports.
    const usage = run.events.find((e) => e.type === "usage");
    const sum = (key: string) => chats.reduce((n, c) => n + Number(c.attributes[key]), 0);
    expect(usage?.type === "usage" && usage.total).toMatchObject({ input: sum("gen_ai.usage.input_tokens"), output: sum("gen_ai.usage.output_tokens") });
  });

  it("names the gateway's request id on each model call and its attempt", () => {
    const chats = run.spans.filter((s) => s.name.startsWith("chat "));
    const ids = chats.map((c) => c.attributes["ai_gateway.request_id"]);
    for (const [i, chat] of chats.entries()) {
      expect(ids[i]).toMatch(/^req_/);
      expect(childrenOf(run.spans, chat)[0].attributes["ai_gateway.request_id"]).toBe(ids[i]);
    }
    expect(new Set(ids).size).toBe(chats.length);
  });

  it("sends a W3C traceparent the emulator recorded: this trace, with the attempt's span as parent", () => {
    const traceId = run.spans[0].traceId;
    const attempts = named(run.spans, "fallback.attempt gateway").map((a) => a.spanId);
    const parents = chatRequests(run.requests).map((r) => {
      const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(r.headers.traceparent ?? "");
      expect(m, `traceparent of a chat request: ${r.headers.traceparent}`).not.toBeNull();
      expect(m![1]).toBe(traceId);
      return m![2];
    });
    expect(parents.sort()).toEqual([...attempts].sort());
  });

  it("exports no secret and, by default, no prompt, answer or tool text", () => {
    expect(run.tokens.length).toBeGreaterThan(0);
    for (const secret of [emu.clientSecret, COLLECTOR_KEY, ...run.tokens]) expect(run.raw).not.toContain(secret);
    expect(run.raw.toLowerCase()).not.toContain("bearer");
    const answer = run.events.find((e) => e.type === "final_answer") as { answer?: string } | undefined;
    expect(answer?.answer).toBeTruthy();
    for (const text of [TASK, EXPRESSION, answer!.answer!]) expect(run.raw).not.toContain(text);
    for (const s of run.spans) {
      expect(Object.keys(s.attributes).filter((k) => /messages|arguments|result$/.test(k)), s.name).toEqual([]);
    }
  });
});

describe("OpenTelemetry with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true", () => {
  it("puts prompts, answers, tool arguments and results on the spans, and still no secret", async () => {
    const run = await tracedRun({ capture: true });
    expect(run.error).toBeUndefined();
    const chats = run.spans.filter((s) => s.name.startsWith("chat "));
    expect(String(chats[0].attributes["gen_ai.input.messages"])).toContain(TASK);
    const answer = (run.events.find((e) => e.type === "final_answer") as { answer: string }).answer;
    const output = JSON.parse(String(chats[1].attributes["gen_ai.output.messages"])) as { role: string; parts: { content?: string }[]; finish_reason?: string }[];
    expect(output[0]).toMatchObject({ role: "assistant", finish_reason: "stop" });
    expect(output[0].parts[0].content).toBe(answer);
    const tool = only(run.spans, "execute_tool calculator");
    expect(JSON.parse(String(tool.attributes["gen_ai.tool.call.arguments"]))).toEqual({ expression: EXPRESSION });
    expect(tool.attributes["gen_ai.tool.call.result"]).toBe("435");
    for (const secret of [emu.clientSecret, COLLECTOR_KEY, ...run.tokens]) expect(run.raw).not.toContain(secret);
  });
});

describe("OpenTelemetry on failures", () => {
  it("records the failed attempt, the breaker opening, the escalation and the skipped attempt", async () => {
    // Three 500s: the first call and its two retries, all in one attempt; one outage opens the breaker.
    for (let i = 0; i < 3; i++) emu.enqueueFault("500");
    const run = await tracedRun({ env: { BREAKER_FAILURES: "1" } });
    expect(run.error).toBeDefined();
    const { spans } = run;
    const root = only(spans, "orchestrator.run");
    expect(root.status.code).toBe(2); // STATUS_CODE_ERROR

    const fast = only(spans, "invoke_agent fast_agent");
    expect(fast.attributes).toMatchObject({ "orchestrator.outcome": "escalated", "error.type": "server_error" });
    const fastChat = childrenOf(spans, fast).find((s) => s.name.startsWith("chat "))!;
    const failed = childrenOf(spans, fastChat)[0];
    expect(failed.attributes).toMatchObject({ "fallback.outcome": "failed", "error.type": "server_error" });
    expect(failed.attributes["ai_gateway.request_id"]).toMatch(/^req_/);
    expect(failed.status.code).toBe(2);
    expect(failed.events.map((e) => e.name)).toEqual(["breaker.open"]);
    expect(failed.events[0].attributes).toMatchObject({ "gen_ai.provider.name": "gateway", "error.type": "server_error" });

    const escalations = named(spans, "orchestrator.escalation");
    expect(escalations[0].parentSpanId).toBe(root.spanId);
    expect(escalations[0].attributes).toMatchObject({ "orchestrator.escalation.from": "fast", "orchestrator.escalation.to": "standard", "error.type": "server_error" });

    const standard = only(spans, "invoke_agent standard_agent");
    const skipped = spans.filter((s) => s.name === "fallback.attempt gateway" && s.attributes["orchestrator.tier"] === "standard");
    expect(skipped.map((s) => s.attributes["fallback.outcome"])).toEqual(["skipped"]);
    expect(spans.find((s) => s.spanId === skipped[0].parentSpanId)?.parentSpanId).toBe(standard.spanId);

    // The retries of one attempt carry that attempt's traceparent.
    const parents = chatRequests(run.requests).map((r) => r.headers.traceparent?.split("-")[2]);
    expect(parents).toEqual([failed.spanId, failed.spanId, failed.spanId]);
  });
});

describe("OpenTelemetry off", () => {
  it("exports nothing and sends no traceparent when OTEL_* is not set", async () => {
    const run = await tracedRun({ otelEnv: {} });
    expect(run.error).toBeUndefined();
    expect(run.spans).toEqual([]);
    expect(run.raw).toBe("");
    const chats = chatRequests(run.requests);
    expect(chats.length).toBeGreaterThan(0);
    for (const r of chats) expect(r.headers.traceparent).toBeUndefined();
  });
});

describe("the HTTP API with a caller's traceparent", () => {
  const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  const PARENT = "00f067aa0ba902b7";
  it("runs inside the caller's trace, streamed and not; a malformed or absent traceparent starts a trace of its own", async () => {
    const tmp = tempDir();
    const telemetry = await startTelemetry({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_SERVICE_NAME: "telemetry-http" }, logger: silentLogger });
    const app = await build(tmp.dir, { AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret });
    rx.clear();
    const post = (url: string, task: string, headers: Record<string, string>) => app.inject({ method: "POST", url, headers, payload: { task, tier: "fast" } });
    try {
      const traced = await post("/api/runs", "Say hello one", { traceparent: `00-${TRACE}-${PARENT}-01` });
      expect(traced.statusCode, traced.body).toBe(200);
      const streamed = await post("/api/runs/stream", "Say hello two", { traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: "vendor=abc" });
      expect(streamed.body).toContain("event: end");
      for (const traceparent of ["00-not-a-trace-01", `00-${"0".repeat(32)}-${PARENT}-01`, "x".repeat(5000)]) {
        const bad = await post("/api/runs", "Say hello three", { traceparent });
        expect(bad.statusCode, traceparent.slice(0, 40)).toBe(200);
      }
      expect((await post("/api/runs", "Say hello four", {})).statusCode).toBe(200);
    } finally {
      await app.close();
      await telemetry.shutdown();
      tmp.cleanup();
    }
    const roots = named(rx.spans(), "orchestrator.run");
    expect(roots).toHaveLength(6);
    const joined = roots.filter((s) => s.traceId === TRACE);
    // The two runs that named the trace are children of the caller's span; the others are roots of new traces.
    expect(joined.map((s) => s.parentSpanId)).toEqual([PARENT, PARENT]);
    const own = roots.filter((s) => s.traceId !== TRACE);
    expect(own).toHaveLength(4);
    for (const s of own) expect(s.parentSpanId ?? "").toBe("");
    expect(new Set(own.map((s) => s.traceId)).size).toBe(4);
  });

  it("traces runs of the graph alone, as langgraph dev runs it: one trace per run, even for two at once", async () => {
    const traced = await tracedRun({
      drive: async (graph) => {
        await Promise.all([graph.invoke({ messages: [{ role: "user", content: TASK }] }), graph.invoke({ messages: [{ role: "user", content: "Say hello" }] })]);
        return [];
      },
    });
    const roots = named(traced.spans, "orchestrator.run");
    expect(roots).toHaveLength(2);
    expect(new Set(roots.map((r) => r.traceId)).size).toBe(2);
    for (const root of roots) {
      const own = traced.spans.filter((s) => s.traceId === root.traceId);
      expect(root.parentSpanId ?? "").toBe("");
      expect(own.filter((s) => s.name === "orchestrator.route").map((s) => s.parentSpanId)).toEqual([root.spanId]);
      expect(own.filter((s) => s.name.startsWith("invoke_agent ")).length).toBeGreaterThanOrEqual(1);
      expect(own.some((s) => s.name.startsWith("chat "))).toBe(true);
    }
  });
});
