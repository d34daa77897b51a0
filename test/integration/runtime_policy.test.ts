/**
 * The registry and the policy are built side by side: `createRuntime()` returns both from one
 * tiers file, the registry holds only what picks and calls models, and the file's agents,
 * routing rules and budgets reach a run through `createOrchestrator({ registry, policy })`.
 */
import { writeFileSync } from "node:fs";
import { Writable } from "node:stream";
import { join } from "node:path";
import { MemorySaver } from "@langchain/langgraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { createRuntime, type Runtime } from "../../src/runtime/index.js";
import { streamSteps } from "../../src/runs/index.js";
import { memoryLedger } from "../../src/usage/index.js";
import { createLogger } from "../../src/logging/index.js";
import type { StepEvent } from "../../graphs/orchestrator/events.js";
import { emulator, silentLogger } from "../helpers/gateway.js";
import { ofType } from "../helpers/orchestrator.js";
import { tempDir } from "./server_helpers.js";

const TIERS_YAML = [
  "tiers:",
  "  fast:",
  "    maxTokens: 777",
  "    maxSteps: 3",
  "    tools: [calculator]",
  "agents:",
  "  writer: { description: Writes letters, tier: fast }",
  "routing:",
  "  rules:",
  "    - { name: letters, agent: writer, keywords: [letter] }",
  "budgets:",
  "  tenants:",
  "    acme: { daily: 1 }",
].join("\n");

const tmp = tempDir();
let emu: EmulatorHandle;
let runtime: Runtime;

beforeAll(async () => {
  const tiersFile = join(tmp.dir, "tiers.yaml");
  writeFileSync(tiersFile, TIERS_YAML);
  emu = await emulator();
  runtime = await createRuntime({
    env: { AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret, TIERS_CONFIG: tiersFile },
    logger: silentLogger,
    telemetry: false,
    warnUnknownVariables: false,
  });
});
afterAll(async () => {
  await runtime?.close();
  await emu?.close();
  tmp.cleanup();
});

describe("createRuntime", () => {
  it("returns the policy next to the registry, both from the tiers file", () => {
    expect(runtime.policy.agents.map((a) => a.name)).toEqual(["writer"]);
    expect(runtime.policy.routing.rules).toEqual([{ name: "letters", agent: "writer", keywords: ["letter"] }]);
    expect(runtime.policy.budgets.tenants).toEqual({ acme: { daily: 1 } });
    expect(runtime.policy.tiers.fast).toMatchObject({ maxSteps: 3, tools: ["calculator"] });
    expect(runtime.registry.tierSettings("fast").maxTokens).toBe(777);
  });

  it("leaves every policy field off the registry", () => {
    for (const key of ["agents", "routing", "approvals", "budgets", "mcp", "plan"]) expect(key in runtime.registry.tierConfig, key).toBe(false);
    for (const key of ["maxSteps", "contextTokens", "tools", "systemPrompt", "approvals"]) expect(key in runtime.registry.tierSettings("fast"), key).toBe(false);
  });
});

describe("the policy reaches a run", () => {
  it("routes by the file's rule to the file's agent and checks the file's budget, on the first and the second run of a thread", async () => {
    const ledger = memoryLedger();
    const graph = createOrchestrator({ registry: runtime.registry, policy: runtime.policy, checkpointer: new MemorySaver(), ledger, logger: silentLogger });
    const run = async (task: string) => {
      const events: StepEvent[] = [];
      for await (const e of streamSteps(task, { graph, threadId: "policy-thread", tenant: "acme" })) events.push(e);
      return events;
    };

    const first = await run("Write a letter to the landlord");
    expect(ofType(first, "route_decided")[0]).toMatchObject({ agent: "writer", tier: "fast", source: "rule" });
    expect(ofType(first, "agent_started")[0]).toMatchObject({ agent: "writer", maxSteps: 3 });
    expect(ofType(first, "budget")).toEqual([]);
    expect(ofType(first, "final_answer")).toHaveLength(1);

    // Spending recorded outside the runs puts acme past 80% of its daily limit from the file.
    await ledger.append([{ at: Date.now(), runId: "seed", tenant: "acme", tier: "fast", inputTokens: 0, outputTokens: 0, calls: 0, costUsd: 0.85, unpriced: false }]);
    const second = await run("Write another letter, shorter");
    expect(ofType(second, "budget")[0]).toMatchObject({ action: "downgraded", scope: "tenant", name: "acme", limitUsd: 1 });
    expect(ofType(second, "route_decided")[0]).toMatchObject({ agent: "writer", source: "rule" });
    expect(ofType(second, "final_answer")).toHaveLength(1);
  });
});

describe("createOrchestrator without a policy", () => {
  it("says once that the environment's tiers file does not apply, and is quiet when given the policy", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "warn", format: "json", destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
    const before = process.env.TIERS_CONFIG;
    process.env.TIERS_CONFIG = join(tmp.dir, "tiers.yaml");
    try {
      createOrchestrator({ registry: runtime.registry, logger });
      createOrchestrator({ registry: runtime.registry, policy: runtime.policy, logger });
    } finally {
      if (before === undefined) delete process.env.TIERS_CONFIG;
      else process.env.TIERS_CONFIG = before;
    }
    expect(lines.map((l) => JSON.parse(l) as { event: string; msg: string })).toEqual([
      expect.objectContaining({ event: "tiers_policy_not_applied", msg: expect.stringContaining("createRuntime().policy") }),
    ]);
  });
});
