/**
 * The OpenTelemetry SDK parts that `setup.ts` loads when tracing is on. They are imported here
 * with static imports, and this module is what gets imported on demand: these packages are
 * CommonJS, and a bundler (the CLI is one bundled file) keeps their named exports for a static
 * import, where an `import()` of one would leave only `default`.
 */
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter as OtlpHttpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpHttpProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

export { BatchSpanProcessor, defaultResource, NodeTracerProvider, OtlpHttpJsonExporter, OtlpHttpProtobufExporter, resourceFromAttributes, W3CTraceContextPropagator };
