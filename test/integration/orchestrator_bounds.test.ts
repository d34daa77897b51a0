/**
 * Failures of what every tier shares stay bounded. Every tier goes through the same gateway with
 * the same credentials, so a gateway that stalls, throttles (429) or sits behind a failing proxy
 * (502), and a token endpoint that fails (503), are not escalated to the next tier, which would
 * only ask the same host again: without a fallback provider the run ends after one tier's attempts
 * with a typed failure; with one, the fallback answers on the same tier. Counts are taken at the
 * loopback stub (requests per tier's model), never timings.
 */
import { randomBytes } from "node:crypto";
import { MemorySaver } from "@langchain/langgraph";
import { afterEach, describe, expect, it } from "vitest";
import { OrchestratorError } from "../../graphs/orchestrator/errors.js";
import type { StepEvent } from "../../graphs/orchestrator/events.js";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { streamSteps } from "../../src/runs/index.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import { emulator, silentLogger } from "../helpers/gateway.js";
import { startStubGateway, stubGatewayEnv, type StubChatAnswer, type StubGateway, type StubTokenAnswer } from "../helpers/stub_gateway.js";

const RETRIES = 1;
const KEY = `sk-fallback-${randomBytes(8).toString("hex")}`;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** A fresh stub per test: a stalled request stays open until the stub closes. */
async function stubGateway(): Promise<StubGateway> {
  const stub = await startStubGateway();
  cleanups.push(() => stub.close());
  return stub;
}

/** The stub's gateway, one client retry, quick backoff, a short first-byte budget; `fallback` adds an OpenAI-shaped emulator after it. */
async function registry(stub: StubGateway, fallback?: string): Promise<ProviderRegistry> {
  const r = await ProviderRegistry.create({
    env: {
      ...stubGatewayEnv(stub),
      AI_GATEWAY_MAX_RETRIES: String(RETRIES),
      AI_GATEWAY_RETRY_BASE_DELAY_MS: "10",
      AI_GATEWAY_FIRST_BYTE_TIMEOUT_MS: "200",
      AI_GATEWAY_HEADERS_TIMEOUT_MS: "400",
      ...(fallback ? { OPENAI_BASE_URL: fallback, OPENAI_API_KEY: KEY, PROVIDER_ORDER: "gateway,openai" } : {}),
    },
    logger: silentLogger,
    discovery: { enabled: false },
  });
  cleanups.push(() => r.close());
  return r;
}

async function run(r: ProviderRegistry, threadId: string): Promise<{ events: StepEvent[]; error?: unknown }> {
  const graph = createOrchestrator({ registry: r, checkpointer: new MemorySaver(), logger: silentLogger });
  const events: StepEvent[] = [];
  try {
    for await (const e of streamSteps("Say hello.", { graph, threadId, tier: "fast" })) events.push(e);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

const tiersStarted = (events: StepEvent[]) => events.filter((e) => e.type === "agent_started").map((e) => (e as { tier: string }).tier);

/** Scripts `n` answers (more than one tier would take, so an escalation would show at the stub). */
const times = <T>(n: number, answer: T) => Array.from({ length: n }, () => answer);

const gatewayFailures: [string, { chat?: StubChatAnswer; token?: StubTokenAnswer }, Record<string, unknown>, number][] = [
  ["a gateway that never answers", { chat: { hang: true } }, { kind: "timeout", provider: "gateway" }, 1],
  ["a gateway answering 429", { chat: { status: 429, body: { error: { message: "slow down", type: "rate_limit_error", code: "rate_limited" } } } }, { kind: "rate_limited", status: 429 }, 1 + RETRIES],
  ["a gateway answering 502 from a proxy", { chat: { status: 502, body: "<html><body>502 Bad Gateway</body></html>", headers: { "content-type": "text/html" } } }, { kind: "server_error", status: 502 }, 1 + RETRIES],
];

describe("without a fallback provider", () => {
  it.each(gatewayFailures)("%s: the run ends after one tier's attempts, not escalated", async (name, script, failure, attempts) => {
    const stub = await stubGateway();
    for (const answer of times(9, script.chat!)) stub.enqueueChat(answer);
    const { events, error } = await run(await registry(stub), `no-fallback-${name.replace(/\W+/g, "-")}`);
    expect(error).toBeInstanceOf(OrchestratorError);
    expect(error).toMatchObject({ ...failure, tier: "fast" });
    expect(events.filter((e) => e.type === "escalation")).toEqual([]);
    expect(tiersStarted(events)).toEqual(["fast"]);
    // Only the fast tier's model was asked, and only as often as the client's attempts allow.
    expect(stub.chatModels).toHaveLength(attempts);
    expect(new Set(stub.chatModels).size).toBe(1);
  });

  it("a token endpoint answering 503 is asked once per client attempt, for one tier only", async () => {
    const stub = await stubGateway();
    for (const answer of times(9, { status: 503, body: "unavailable" })) stub.enqueueToken(answer);
    const { events, error } = await run(await registry(stub), "no-fallback-token-503");
    expect(error).toMatchObject({ kind: "server_error", code: "token_endpoint_unavailable", tier: "fast" });
    expect(events.filter((e) => e.type === "escalation")).toEqual([]);
    expect(tiersStarted(events)).toEqual(["fast"]);
    expect(stub.tokenRequests).toBe(1 + RETRIES);
    expect(stub.chatRequests).toBe(0);
  });

  it("a 500 from the tier's model still escalates: another model may answer", async () => {
    const stub = await stubGateway();
    for (const answer of times(1 + RETRIES, { status: 500, body: { error: { message: "model crashed", type: "server_error", code: "upstream_error" } } })) stub.enqueueChat(answer);
    const { events, error } = await run(await registry(stub), "no-fallback-500");
    expect(error).toBeUndefined();
    expect(events.filter((e) => e.type === "escalation")).toMatchObject([{ from: "fast", to: "standard", kind: "server_error", status: 500 }]);
    expect(events.find((e) => e.type === "final_answer")).toMatchObject({ tier: "standard", provider: "gateway", answer: "stub answer" });
    expect(new Set(stub.chatModels).size).toBe(2);
  });
});

describe("with a fallback provider", () => {
  const fallbackCases: [string, { chat?: StubChatAnswer; token?: StubTokenAnswer }][] = [
    ...gatewayFailures.map(([name, script]) => [name, script] as [string, { chat?: StubChatAnswer }]),
    ["a token endpoint answering 503", { token: { status: 503, body: "unavailable" } }],
  ];

  it.each(fallbackCases)("%s: the fallback answers on the same tier", async (name, script) => {
    const stub = await stubGateway();
    const openai = await emulator({ staticApiKeys: [KEY] });
    cleanups.push(() => openai.close());
    for (const answer of times(9, script.chat)) if (answer) stub.enqueueChat(answer);
    for (const answer of times(9, script.token)) if (answer) stub.enqueueToken(answer);
    const { events, error } = await run(await registry(stub, openai.apiUrl), `fallback-${name.replace(/\W+/g, "-")}`);
    expect(error).toBeUndefined();
    expect(events.filter((e) => e.type === "escalation")).toEqual([]);
    expect(tiersStarted(events)).toEqual(["fast"]);
    expect(events.find((e) => e.type === "final_answer")).toMatchObject({ tier: "fast", provider: "openai" });
    // The gateway was only ever asked for the fast tier's model.
    expect(new Set(stub.chatModels).size).toBeLessThanOrEqual(1);
  });
});
