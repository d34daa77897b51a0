/**
 * The graph's own tracing callback: one OpenTelemetry trace per top-level run of the orchestrator,
 * wherever it runs (the run service, `langgraph dev`, LangGraph Server, a plain `graph.invoke`),
 * so no host has to attach it. `createOrchestrator` puts one in the compiled graph's default
 * config while tracing is on, and LangGraph merges it with a caller's own callbacks. Each top-level run gets its own
 * LangChainOtelTracer (which follows one run's tree), and every event is handed to the tracer of
 * the run it belongs to, found through its parent; runs of a graph nested in another app's graph
 * are not traced here. With no OpenTelemetry SDK registered the graph carries no callback at all.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Context } from "@opentelemetry/api";
import type { LangChainOtelTracer } from "../../src/telemetry/index.js";
import { runTracer } from "./telemetry.js";

type Tracer = LangChainOtelTracer;

/** Hands each run's callback events to the tracer of its top-level run (see the file comment). */
export class RunTraces extends BaseCallbackHandler {
  name = "orchestrator_run_traces";
  /** The tracer of every run in flight, by run id; a top-level run's entry is its own. */
  private readonly byRun = new Map<string, Tracer>();
  /** Top-level runs in flight: their end ends their trace. */
  private readonly roots = new Set<string>();

  constructor() {
    super({ _awaitHandler: true });
  }

  /** The same instance: its maps must be shared by every copy LangChain makes. */
  override copy(): this {
    return this;
  }

  /** The OpenTelemetry context of a run, for the fallback attempts' spans (src/providers/tracing.ts). */
  traceContextOf(runId: string): Context | undefined {
    return this.byRun.get(runId)?.traceContextOf(runId);
  }

  /** The tracer a starting run reports to: its parent's, or a new one for a top-level run. */
  private starting(runId: string, parentRunId: string | undefined): Tracer | undefined {
    let tracer = parentRunId === undefined ? undefined : this.byRun.get(parentRunId);
    if (!tracer && parentRunId === undefined) {
      tracer = runTracer();
      if (tracer) this.roots.add(runId);
    }
    if (tracer) this.byRun.set(runId, tracer);
    return tracer;
  }

  /** The tracer of an ending run, forgotten; the trace ends with its top-level run. */
  private ending(runId: string, report: (tracer: Tracer) => void): void {
    const tracer = this.byRun.get(runId);
    if (!tracer) return;
    this.byRun.delete(runId);
    report(tracer);
    if (!this.roots.delete(runId)) return;
    tracer.finish();
    // Runs of this trace that never reported their end (an aborted run's) are let go with it.
    for (const [id, t] of this.byRun) if (t === tracer) this.byRun.delete(id);
  }

  override handleChainStart(...args: Parameters<Tracer["handleChainStart"]>): void {
    this.starting(args[2], args[3])?.handleChainStart(...args);
  }

  override handleChainEnd(...args: Parameters<Tracer["handleChainEnd"]>): void {
    this.ending(args[1], (t) => t.handleChainEnd(...args));
  }

  override handleChainError(...args: Parameters<Tracer["handleChainError"]>): void {
    this.ending(args[1], (t) => t.handleChainError(...args));
  }

  override handleChatModelStart(...args: Parameters<Tracer["handleChatModelStart"]>): void {
    this.starting(args[2], args[3])?.handleChatModelStart(...args);
  }

  override handleLLMStart(...args: Parameters<Tracer["handleLLMStart"]>): void {
    this.starting(args[2], args[3])?.handleLLMStart(...args);
  }

  override handleLLMEnd(...args: Parameters<Tracer["handleLLMEnd"]>): void {
    this.ending(args[1], (t) => t.handleLLMEnd(...args));
  }

  override handleLLMError(...args: Parameters<Tracer["handleLLMError"]>): void {
    this.ending(args[1], (t) => t.handleLLMError(...args));
  }

  override handleToolStart(...args: Parameters<Tracer["handleToolStart"]>): void {
    this.starting(args[2], args[3])?.handleToolStart(...args);
  }

  override handleToolEnd(...args: Parameters<Tracer["handleToolEnd"]>): void {
    this.ending(args[1], (t) => t.handleToolEnd(...args));
  }

  override handleToolError(...args: Parameters<Tracer["handleToolError"]>): void {
    this.ending(args[1], (t) => t.handleToolError(...args));
  }
}
