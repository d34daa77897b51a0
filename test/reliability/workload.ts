/**
 * The call mix of the reliability runs (soak, hard-down): plain invokes, streams and tool calls
 * through `registry.chatModel(tier)`, each checked against the answer the deterministic simulated
 * model gives for exactly that request. The expected answer comes from the emulator's pure
 * `simulateCompletion`, so a duplicated, lost or reordered streamed token shows up as a mismatch.
 */
import type { AIMessageChunk } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { simulateCompletion } from "../../src/emulator/index.js";
import { convertToolsToWireTools } from "../../src/models/index.js";
import type { FallbackChatModel, ProviderRegistry, ProviderName, Tier } from "../../src/providers/index.js";

/** What one call does. Tool calls go through `bindTools`. */
export type CallKind = "invoke" | "stream" | "tool-invoke" | "tool-stream";

/** Kinds in the order the mix cycles through them. */
export const CALL_KINDS: readonly CallKind[] = ["invoke", "stream", "tool-invoke", "stream", "invoke", "tool-stream"];

const TIER_CYCLE: readonly Tier[] = ["fast", "standard", "premium"];

/** One planned call: what it does, on which tier, with which (unique) prompt. */
export interface CallSpec {
  index: number;
  kind: CallKind;
  tier: Tier;
  prompt: string;
}

/** The outcome of one call, kept small so thousands of them do not distort the heap figure. */
export interface CallOutcome {
  index: number;
  kind: CallKind;
  ok: boolean;
  /** `response_metadata.provider` of the answer. */
  provider?: string;
  /** Providers passed over before the answer (`response_metadata.fallback_from`). */
  fallbackFrom?: string[];
  /** Why the answer differs from the simulated model's, when it does. */
  mismatch?: string;
  /** Name and message of the error, when the call failed. */
  error?: string;
  /** Whether a failed stream had already delivered part of its answer. */
  partial?: boolean;
  startedAt: number;
  ms: number;
}

/** The tool offered to tool calls; its description words make the simulated model call it. */
export const weatherTool = tool(async ({ city }: { city: string }) => `Sunny in ${city}`, {
  name: "get_weather",
  description: "Get the current weather for a city",
  schema: z.object({ city: z.string().describe("City name") }),
});

/** The call with number `index`: the kind and the tier cycle, the prompt is unique. */
export function callSpec(index: number): CallSpec {
  const kind = CALL_KINDS[index % CALL_KINDS.length];
  const tier = TIER_CYCLE[Math.floor(index / CALL_KINDS.length) % TIER_CYCLE.length];
  const prompt =
    kind === "tool-invoke" || kind === "tool-stream"
      ? `What is the weather in city number ${index} right now?`
      : `Reliability call ${index}: describe item ${index} of the run in order, one two three four five six seven eight nine ten.`;
  return { index, kind, tier, prompt };
}

/** What the simulated model answers: a text, or tool calls. */
export interface ExpectedAnswer {
  text?: string;
  toolCalls?: { name: string; args: Record<string, unknown> }[];
}

/** The simulated model's answer to `spec` when served by `model` with the tier's token limit. */
export function expectedAnswer(spec: CallSpec, model: string, maxTokens: number | undefined): ExpectedAnswer {
  const withTools = spec.kind === "tool-invoke" || spec.kind === "tool-stream";
  const completion = simulateCompletion({
    model,
    messages: [{ role: "user", content: spec.prompt }],
    max_completion_tokens: maxTokens,
    tools: withTools ? convertToolsToWireTools([weatherTool]) : undefined,
  });
  if (withTools) return { toolCalls: completion.toolCalls.map((c) => ({ name: c.name, args: JSON.parse(c.arguments) as Record<string, unknown> })) };
  return { text: completion.content ?? "" };
}

/** The models a run calls, built once per tier (bindTools makes a new model each time). */
export class Workload {
  private readonly plain = new Map<Tier, FallbackChatModel>();
  private readonly withTools = new Map<Tier, FallbackChatModel>();

  constructor(private readonly registry: ProviderRegistry) {
    for (const tier of TIER_CYCLE) {
      const model = registry.chatModel(tier);
      this.plain.set(tier, model);
      this.withTools.set(tier, model.bindTools([weatherTool]));
    }
  }

  /** Runs call `index`; never throws: a failure is recorded in the outcome. */
  async run(index: number): Promise<CallOutcome> {
    const spec = callSpec(index);
    const startedAt = performance.now();
    const outcome: CallOutcome = { index, kind: spec.kind, ok: false, startedAt, ms: 0 };
    let delivered = false;
    try {
      let message: AIMessageChunk | undefined;
      if (spec.kind === "invoke" || spec.kind === "tool-invoke") {
        const model = spec.kind === "invoke" ? this.plain.get(spec.tier)! : this.withTools.get(spec.tier)!;
        message = (await model.invoke(spec.prompt)) as AIMessageChunk;
      } else {
        const model = spec.kind === "stream" ? this.plain.get(spec.tier)! : this.withTools.get(spec.tier)!;
        for await (const chunk of await model.stream(spec.prompt)) {
          // The fallback model yields only once a provider's answer has started.
          delivered = true;
          message = message ? message.concat(chunk) : chunk;
        }
      }
      if (!message) throw new Error("the stream ended without a single chunk");
      const provider = message.response_metadata?.provider as string | undefined;
      outcome.provider = provider;
      const from = message.response_metadata?.fallback_from as string[] | undefined;
      if (from?.length) outcome.fallbackFrom = from;
      outcome.mismatch = this.compare(spec, message, provider);
      outcome.ok = true;
    } catch (err) {
      const e = err as { name?: string; message?: string };
      outcome.error = `${e?.name ?? "Error"}: ${e?.message ?? String(err)}`.slice(0, 300);
      outcome.partial = delivered;
    }
    outcome.ms = performance.now() - startedAt;
    return outcome;
  }

  /** Undefined when `message` is exactly the simulated model's answer, else what differs. */
  private compare(spec: CallSpec, message: AIMessageChunk, provider: string | undefined): string | undefined {
    if (!provider) return "no provider in response_metadata";
    const model = this.registry.modelId(provider as ProviderName, spec.tier);
    const expected = expectedAnswer(spec, model, this.registry.tierSettings(spec.tier).maxTokens);
    if (expected.text !== undefined) {
      const text = typeof message.content === "string" ? message.content : message.text;
      if (text !== expected.text) return `text differs: got ${JSON.stringify(text.slice(0, 200))}, expected ${JSON.stringify(expected.text.slice(0, 200))}`;
      return undefined;
    }
    const got = (message.tool_calls ?? []).map((c) => ({ name: c.name, args: c.args }));
    if (JSON.stringify(got) !== JSON.stringify(expected.toolCalls)) {
      return `tool calls differ: got ${JSON.stringify(got)}, expected ${JSON.stringify(expected.toolCalls)}`;
    }
    return undefined;
  }
}

/** Runs `fn(i)` for every i in [from, to) with at most `concurrency` calls in flight. */
export async function runPool<T>(from: number, to: number, concurrency: number, fn: (i: number) => Promise<T>, sink: (r: T) => void): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) sink(await fn(next++));
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, to - from)) }, worker));
}

/** The q-quantile (0..1) of `values` by nearest rank; 0 for an empty list. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
