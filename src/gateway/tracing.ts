/**
 * OpenTelemetry hooks of the lower layers, on `@opentelemetry/api` alone. Without an SDK
 * registered (tracing off) the API's tracer hands out non-recording spans and its propagator
 * writes nothing, so these helpers cost a few property reads per call; `src/telemetry` starts
 * the SDK when OTEL_* asks for it.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from "@opentelemetry/api";
import { scrubText } from "../logging/index.js";

/** Instrumentation scope of every span this project makes. */
export const TRACER_NAME = "ai-gateway-agents";

/**
 * The project's tracer, looked up per use: a tracer kept from an earlier lookup would stay tied
 * to an SDK that was shut down (tests and embedding apps start and stop tracing more than once).
 */
export function projectTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** Writes the W3C `traceparent` (and `tracestate`) of the active span into `headers`, so the gateway's logs join the trace. */
export function injectTraceHeaders(headers: Record<string, string>): void {
  propagation.inject(context.active(), headers);
}

/** Marks `span` failed with `err`'s code or name; the message is scrubbed of secrets and cut short. */
export function recordSpanError(span: Span, err: unknown): void {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | undefined;
  const type = typeof e?.code === "string" && e.code ? e.code : typeof e?.name === "string" && e.name ? e.name : "Error";
  const message = typeof e?.message === "string" ? scrubText(e.message).slice(0, 300) : undefined;
  span.setAttribute("error.type", type);
  span.setStatus({ code: SpanStatusCode.ERROR, ...(message ? { message } : {}) });
}

/**
 * Runs `fn` inside a new span `name` (a child of the active one) and ends it when `fn` settles,
 * failed when it throws. With tracing off `fn` just runs.
 */
export async function withSpan<T>(name: string, fn: (span: Span) => Promise<T>, attributes?: Attributes, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  const span = projectTracer().startSpan(name, { kind, attributes });
  if (!span.isRecording()) return fn(span);
  try {
    return await context.with(trace.setSpan(context.active(), span), () => fn(span));
  } catch (err) {
    recordSpanError(span, err);
    throw err;
  } finally {
    span.end();
  }
}
