/**
 * Spans of the fallback loop: one per provider attempt, a child of the model call's span, with
 * the circuit breaker's transitions as events on it. The model call's span belongs to the
 * LangChain-to-OpenTelemetry handler (`src/telemetry`), found among the run's callback handlers;
 * without it (tracing off, or a run that handler does not follow) the active context is the parent.
 */
import { context, SpanKind, trace, type Attributes, type Context, type Span } from "@opentelemetry/api";
import { projectTracer, recordSpanError } from "../gateway/tracing.js";
import type { ProviderName } from "./types.js";

/** What the LangChain-to-OpenTelemetry handler offers other code: the trace context of a run it follows. */
export interface RunTraceContexts {
  /** The context a child of run `runId` starts in, or undefined for a run the handler does not know. */
  traceContextOf(runId: string): Context | undefined;
}

const offersContexts = (h: unknown): h is RunTraceContexts => typeof (h as Partial<RunTraceContexts> | undefined)?.traceContextOf === "function";

/** The trace context of the run `manager` belongs to (a chat model's or a chain's run manager), if a handler follows it. */
export function runTraceContext(manager: { runId: string; handlers?: readonly unknown[] } | undefined): Context | undefined {
  if (!manager?.handlers) return undefined;
  for (const h of manager.handlers) {
    if (offersContexts(h)) return h.traceContextOf(manager.runId);
  }
  return undefined;
}

/** One provider attempt of a fallback call, as a span; a no-op object when tracing is off. */
export class AttemptSpan {
  private constructor(
    readonly span: Span,
    /** The context the attempt runs in (its span active), so the gateway request's traceparent names it. */
    readonly context: Context,
  ) {}

  /** Starts the span of attempt `index` on `provider`'s `model`, under `parent` (default the active context). */
  static start(parent: Context | undefined, provider: ProviderName, model: string, index: number, tier?: string): AttemptSpan {
    const base = parent ?? context.active();
    const attributes: Attributes = { "gen_ai.provider.name": provider, "gen_ai.request.model": model, "fallback.index": index };
    if (tier) attributes["orchestrator.tier"] = tier;
    const span = projectTracer().startSpan(`fallback.attempt ${provider}`, { kind: SpanKind.INTERNAL, attributes }, base);
    return new AttemptSpan(span, span.isRecording() ? trace.setSpan(base, span) : base);
  }

  /** Runs `fn` with this attempt's span active (breaker events, the token fetch and the request see it). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.span.isRecording() ? context.with(this.context, fn) : fn();
  }

  /** Notes the gateway's request id found in `value`'s response metadata (a message, a chunk, or `{ raw }`). */
  noteResponse(value: unknown): void {
    if (!this.span.isRecording()) return;
    const id = requestIdOf(value);
    if (id) this.span.setAttribute("ai_gateway.request_id", id);
  }

  /** Ends the span: `ok`, `skipped` (breaker open), or failed with `err`. */
  end(outcome: "ok" | "skipped" | "failed", err?: unknown): void {
    if (!this.span.isRecording()) return;
    this.span.setAttribute("fallback.outcome", outcome);
    if (outcome === "failed") {
      const requestId = (err as { requestId?: unknown } | undefined)?.requestId;
      if (typeof requestId === "string" && requestId) this.span.setAttribute("ai_gateway.request_id", requestId);
      recordSpanError(this.span, err);
    }
    this.span.end();
  }
}

/** `request_id` of a message-like value's response metadata (or of its `raw` message, for structured output). */
function requestIdOf(value: unknown): string | undefined {
  const v = value as { response_metadata?: { request_id?: unknown }; raw?: { response_metadata?: { request_id?: unknown } } } | undefined;
  const id = v?.response_metadata?.request_id ?? v?.raw?.response_metadata?.request_id;
  return typeof id === "string" && id ? id : undefined;
}

/** Adds a breaker transition as an event on the active span (the attempt that caused it). */
export function breakerEvent(name: "breaker.open" | "breaker.half_open" | "breaker.closed", provider: ProviderName, attributes: Attributes = {}): void {
  trace.getActiveSpan()?.addEvent(name, { "gen_ai.provider.name": provider, ...attributes });
}
