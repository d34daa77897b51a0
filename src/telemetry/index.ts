/** OpenTelemetry tracing (loaded only when OTEL_* asks for it) and the LangChain handler that maps a run to spans. */
export { startTelemetry, tracingActive, capturesMessageContent, inCallersTrace, type TelemetryHandle, type TelemetryOptions } from "./setup.js";
export { telemetrySettings, tracesUrlOf, DEFAULT_OTLP_TRACES_URL, type TelemetrySettings } from "./settings.js";
export { LangChainOtelTracer, type GraphSpanHooks, type InstantSpan, type LangChainOtelTracerOptions, type SpanPlan } from "./langchain_tracer.js";
