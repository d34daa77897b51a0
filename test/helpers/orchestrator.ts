/** Helpers of the orchestrator tests: one emulator per file, registries on it, and event collection. */
import { afterAll, beforeAll } from "vitest";
import type { StepEvent } from "../../graphs/orchestrator/events.js";
import type { OrchestratorGraph } from "../../graphs/orchestrator/graph.js";
import type { StepsInput } from "../../graphs/orchestrator/stream.js";
import { streamSteps, type StreamStepsOptions } from "../../src/runs/index.js";
import type { EmulatorHandle, EmulatorOptions } from "../../src/emulator/index.js";
import type { ProviderRegistry } from "../../src/providers/index.js";
import type { resolveTiersFile } from "../../src/policy/tier_config.js";
import type { Policy } from "../../src/policy/policy.js";
import { emulator, runtimeOnEmulator } from "./gateway.js";

/**
 * Starts an emulator before the file's tests and closes it (and every registry made on it)
 * after them. `runtimeWith(tiers)` builds a registry whose gateway is that emulator, and the policy.
 */
export function emulatorForFile(options: EmulatorOptions = {}) {
  let emu: EmulatorHandle | undefined;
  const registries: ProviderRegistry[] = [];
  beforeAll(async () => {
    emu = await emulator(options);
  });
  afterAll(async () => {
    for (const r of registries) await r.close();
    await emu?.close();
  });
  const handle = () => {
    if (!emu) throw new Error("the emulator starts in beforeAll; use it inside a test");
    return emu;
  };
  return {
    get emu(): EmulatorHandle {
      return handle();
    },
    /** A registry on the emulator and the policy, from the given tiers-file content (discovery off). */
    async runtimeWith(tiers: Parameters<typeof resolveTiersFile>[0] = {}): Promise<{ registry: ProviderRegistry; policy: Policy }> {
      const runtime = await runtimeOnEmulator(handle(), tiers);
      registries.push(runtime.registry);
      return runtime;
    },
    /** Keeps `registry` to be closed with the file's emulator. */
    adopt(registry: ProviderRegistry): ProviderRegistry {
      registries.push(registry);
      return registry;
    },
  };
}

/** Every step event of one run. */
export async function collect(graph: OrchestratorGraph, input: StepsInput, options: StreamStepsOptions = {}): Promise<StepEvent[]> {
  const events: StepEvent[] = [];
  for await (const e of streamSteps(input, { graph, ...options })) events.push(e);
  return events;
}

/** Every step event of one run, each with the time (ms since the run started) it arrived at. */
export async function collectTimed(graph: OrchestratorGraph, input: StepsInput, options: StreamStepsOptions = {}): Promise<(StepEvent & { at: number })[]> {
  const events: (StepEvent & { at: number })[] = [];
  const t0 = performance.now();
  for await (const e of streamSteps(input, { graph, ...options })) events.push({ ...e, at: performance.now() - t0 });
  return events;
}

/** The events of one type, typed (with the `at` time when they were collected with it). */
export const ofType = <T extends StepEvent["type"]>(events: (StepEvent & { at?: number })[], type: T) =>
  events.filter((e) => e.type === type) as unknown as (Extract<StepEvent, { type: T }> & { at: number })[];
