/**
 * A LangChain callback handler that turns one run's tree into OpenTelemetry spans: the top run
 * is the root span, the nodes a graph's hooks pick become child spans, every chat model call is a
 * `chat <model>` span (GenAI conventions) and every tool call an `execute_tool <tool>` span. Runs
 * that are neither (LangGraph's own plumbing, middleware) get no span: their children attach to
 * the nearest ancestor that has one, so the tree stays readable.
 *
 * A provider model called inside a fallback chat model is not a span of its own: its request
 * and response fill in the enclosing chat span, and the fallback loop's attempt spans
 * (src/providers/tracing.ts) sit between the two, found through `traceContextOf`.
 *
 * Handlers run inline (`awaitHandlers`), so a span exists before the code it covers starts.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import type { Serialized } from "@langchain/core/load/serializable";
import type { ChainValues } from "@langchain/core/utils/types";
import { context, SpanKind, trace, type Attributes, type Context, type Span } from "@opentelemetry/api";
import { projectTracer, recordSpanError } from "../gateway/tracing.js";
import type { RunTraceContexts } from "../providers/tracing.js";
import { capturedText, chatRequestAttributes, chatResponseAttributes, messageResponseAttributes, messagesJson, resultMessage } from "./genai.js";

/** A span to start: its name, kind and first attributes. */
export interface SpanPlan {
  name: string;
  kind?: SpanKind;
  attributes?: Attributes;
}

/** Starts and ends a zero-length span under the root span (an instant such as an escalation). */
export type InstantSpan = (plan: SpanPlan) => void;

/** What a graph tells the handler about its runs; every hook is optional. */
export interface GraphSpanHooks {
  /** The root span of a run of the graph, from the top run's name and metadata. */
  root?(name: string, metadata: Record<string, unknown>): SpanPlan;
  /** The span of node `node` of the top graph, or undefined for a node that gets none. */
  node?(node: string, inputs: unknown): SpanPlan | undefined;
  /** Called when such a node ends: adds what its output says to its span, and may record instants. */
  nodeEnd?(node: string, inputs: unknown, outputs: unknown, span: Span, instant: InstantSpan): void;
  /** Called when the top run ends, with its output. */
  rootEnd?(outputs: unknown, span: Span): void;
}

/** Options of LangChainOtelTracer. */
export interface LangChainOtelTracerOptions {
  hooks?: GraphSpanHooks;
  /** Put prompts, answers, tool arguments and results on the spans (default false). */
  captureContent?: boolean;
}

type RunKind = "root" | "node" | "chat" | "inner" | "tool" | "chain";

interface RunEntry {
  kind: RunKind;
  /** The context this run's children start in. */
  ctx: Context;
  /** This run's own span, if it has one. */
  span?: Span;
  /** The chat span this run belongs to (its own, or the enclosing one for a provider's inner call). */
  chat?: Span;
  /** For a node: its name and input, for the end hook. */
  node?: string;
  inputs?: unknown;
}

/** Class name of the structured-output runnable of FallbackChatModel, which is one model call. */
const STRUCTURED_FALLBACK = "FallbackRunnable";
const INTERRUPTS = new Set(["GraphInterrupt", "NodeInterrupt", "ParentCommand"]);

const isGraphStep = (tags: string[] | undefined) => !!tags?.some((t) => t.startsWith("graph:step:"));

/** See the file comment. One instance follows one top-level run. */
export class LangChainOtelTracer extends BaseCallbackHandler implements RunTraceContexts {
  name = "opentelemetry_tracer";
  private readonly runs = new Map<string, RunEntry>();
  private rootId?: string;
  private readonly hooks: GraphSpanHooks;
  private readonly capture: boolean;

  constructor(options: LangChainOtelTracerOptions = {}) {
    super({ _awaitHandler: true });
    this.hooks = options.hooks ?? {};
    this.capture = options.captureContent ?? false;
  }

  /** The same instance: its run map must be shared by every copy LangChain makes. */
  override copy(): this {
    return this;
  }

  traceContextOf(runId: string): Context | undefined {
    return this.runs.get(runId)?.ctx;
  }

  /** Ends every span still open (a run whose consumer stopped reading before its end). */
  finish(): void {
    for (const entry of this.runs.values()) entry.span?.end();
    this.runs.clear();
  }

  private parentOf(parentRunId: string | undefined): RunEntry | undefined {
    return (parentRunId ? this.runs.get(parentRunId) : undefined) ?? (this.rootId ? this.runs.get(this.rootId) : undefined);
  }

  private startSpan(plan: SpanPlan, parent: Context): [Span, Context] {
    const span = projectTracer().startSpan(plan.name, { kind: plan.kind ?? SpanKind.INTERNAL, attributes: plan.attributes }, parent);
    return [span, trace.setSpan(parent, span)];
  }

  // The order CallbackManager passes (as LangChain's own tracers read it); the .d.ts names the 4th to 8th parameters otherwise.
  override handleChainStart(chain: Serialized, inputs: ChainValues, runId: string, parentRunId?: string, tags?: string[], metadata?: Record<string, unknown>, _runType?: string, runName?: string): void {
    const parent = this.parentOf(parentRunId);
    if (!parent) {
      // The first run this handler sees is the top of the tree; an app's active span is its parent.
      this.rootId = runId;
      const plan = this.hooks.root?.(runName ?? "run", metadata ?? {}) ?? { name: runName ?? "run" };
      const [span, ctx] = this.startSpan(plan, context.active());
      this.runs.set(runId, { kind: "root", ctx, span });
      return;
    }
    const nodeName = runName ?? (typeof metadata?.langgraph_node === "string" ? metadata.langgraph_node : undefined);
    if (parent.kind === "root" && isGraphStep(tags) && nodeName) {
      const plan = this.hooks.node?.(nodeName, inputs);
      if (plan) {
        const [span, ctx] = this.startSpan(plan, parent.ctx);
        this.runs.set(runId, { kind: "node", ctx, span, node: nodeName, inputs });
        return;
      }
    }
    if (!parent.chat && chain?.id?.at(-1) === STRUCTURED_FALLBACK) {
      const [span, ctx] = this.startSpan({ name: "chat", kind: SpanKind.CLIENT, attributes: { "gen_ai.operation.name": "chat" } }, parent.ctx);
      this.runs.set(runId, { kind: "chat", ctx, span, chat: span });
      return;
    }
    this.runs.set(runId, { kind: "chain", ctx: parent.ctx, chat: parent.chat });
  }

  override handleChainEnd(outputs: ChainValues, runId: string): void {
    const entry = this.runs.get(runId);
    if (!entry) return;
    this.runs.delete(runId);
    const span = entry.span;
    if (!span) return;
    if (entry.kind === "node" && entry.node) {
      this.hooks.nodeEnd?.(entry.node, entry.inputs, outputs, span, (plan) => this.instant(plan));
    } else if (entry.kind === "root") {
      this.hooks.rootEnd?.(outputs, span);
      this.rootId = undefined;
    } else if (entry.kind === "chat") {
      // Structured output ({ raw, parsed }): the raw message says who answered.
      const raw = (outputs as { raw?: BaseMessage } | undefined)?.raw;
      if (raw) span.setAttributes(messageResponseAttributes(raw));
    }
    span.end();
  }

  override handleChainError(err: Error, runId: string): void {
    const entry = this.runs.get(runId);
    if (!entry) return;
    this.runs.delete(runId);
    if (entry.kind === "root") this.rootId = undefined;
    if (!entry.span) return;
    // An interrupt (an approval to wait for) pauses the run; it is not a failure.
    if (INTERRUPTS.has(err?.name)) entry.span.addEvent("interrupted");
    else recordSpanError(entry.span, err);
    entry.span.end();
  }

  override handleChatModelStart(_llm: Serialized, messages: BaseMessage[][], runId: string, parentRunId?: string, extraParams?: Record<string, unknown>, _tags?: string[], metadata?: Record<string, unknown>): void {
    this.startModel(runId, parentRunId, extraParams, metadata, messages[0]);
  }

  override handleLLMStart(_llm: Serialized, _prompts: string[], runId: string, parentRunId?: string, extraParams?: Record<string, unknown>, _tags?: string[], metadata?: Record<string, unknown>): void {
    this.startModel(runId, parentRunId, extraParams, metadata, undefined);
  }

  private startModel(runId: string, parentRunId: string | undefined, extraParams: Record<string, unknown> | undefined, metadata: Record<string, unknown> | undefined, messages: BaseMessage[] | undefined): void {
    const parent = this.parentOf(parentRunId);
    const request = chatRequestAttributes(metadata, extraParams);
    const model = request["gen_ai.request.model"];
    if (parent?.chat) {
      // A provider's own call inside a fallback model call: the model that was actually asked.
      // The provider name stays the fallback loop's (the inner run names it in LangChain's words).
      if (typeof model === "string") {
        parent.chat.setAttribute("gen_ai.request.model", model);
        parent.chat.updateName(`chat ${model}`);
      }
      if (this.capture && messages) parent.chat.setAttribute("gen_ai.input.messages", messagesJson(messages));
      this.runs.set(runId, { kind: "inner", ctx: parent.ctx, chat: parent.chat });
      return;
    }
    if (this.capture && messages) request["gen_ai.input.messages"] = messagesJson(messages);
    const [span, ctx] = this.startSpan({ name: typeof model === "string" ? `chat ${model}` : "chat", kind: SpanKind.CLIENT, attributes: request }, parent?.ctx ?? context.active());
    this.runs.set(runId, { kind: "chat", ctx, span, chat: span });
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    const entry = this.runs.get(runId);
    if (!entry) return;
    this.runs.delete(runId);
    const span = entry.chat;
    if (!span) return;
    const attributes = chatResponseAttributes(output);
    // The inner run names the provider in LangChain's words; the fallback model's own end names it in ours.
    if (entry.kind === "inner") {
      delete attributes["gen_ai.provider.name"];
      delete attributes["gen_ai.system"];
    }
    span.setAttributes(attributes);
    const message = resultMessage(output);
    if (this.capture && message) {
      const reasons = attributes["gen_ai.response.finish_reasons"];
      span.setAttribute("gen_ai.output.messages", messagesJson([message], Array.isArray(reasons) ? String(reasons[0]) : undefined));
    }
    if (entry.kind === "chat") span.end();
  }

  override handleLLMError(err: Error, runId: string): void {
    const entry = this.runs.get(runId);
    if (!entry) return;
    this.runs.delete(runId);
    // An inner call's failure is its attempt's; the fallback model may still answer from another provider.
    if (entry.kind !== "chat" || !entry.span) return;
    recordSpanError(entry.span, err);
    entry.span.end();
  }

  override handleToolStart(_tool: Serialized, input: string, runId: string, parentRunId?: string, _tags?: string[], _metadata?: Record<string, unknown>, runName?: string, toolCallId?: string): void {
    const parent = this.parentOf(parentRunId);
    const name = runName ?? "tool";
    const attributes: Attributes = { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name, "gen_ai.tool.type": "function" };
    if (toolCallId) attributes["gen_ai.tool.call.id"] = toolCallId;
    if (this.capture && typeof input === "string") attributes["gen_ai.tool.call.arguments"] = capturedText(input);
    const [span, ctx] = this.startSpan({ name: `execute_tool ${name}`, attributes }, parent?.ctx ?? context.active());
    this.runs.set(runId, { kind: "tool", ctx, span });
  }

  override handleToolEnd(output: unknown, runId: string): void {
    const entry = this.runs.get(runId);
    if (!entry?.span) return;
    this.runs.delete(runId);
    const message = output as { content?: unknown; status?: unknown; text?: unknown } | undefined;
    // A tool that failed answers with an error message (status "error") instead of throwing.
    if (message?.status === "error") entry.span.setAttribute("error.type", "tool_error");
    if (this.capture) {
      const text = typeof output === "string" ? output : typeof message?.text === "string" ? message.text : JSON.stringify(message?.content ?? output);
      entry.span.setAttribute("gen_ai.tool.call.result", capturedText(text));
    }
    entry.span.end();
  }

  override handleToolError(err: Error, runId: string): void {
    const entry = this.runs.get(runId);
    if (!entry?.span) return;
    this.runs.delete(runId);
    if (INTERRUPTS.has(err?.name)) entry.span.addEvent("interrupted");
    else recordSpanError(entry.span, err);
    entry.span.end();
  }

  private instant(plan: SpanPlan): void {
    const root = this.rootId ? this.runs.get(this.rootId) : undefined;
    projectTracer().startSpan(plan.name, { kind: plan.kind ?? SpanKind.INTERNAL, attributes: plan.attributes }, root?.ctx ?? context.active()).end();
  }
}
