/**
 * Starting and stopping the OpenTelemetry SDK. The SDK packages are imported only when tracing
 * is on, so a process without OTEL_* loads none of them. The process keeps one SDK however many
 * runtimes start it; the last `shutdown` flushes the spans still buffered and unregisters it.
 * An SDK the app registered itself is used as it is.
 */
import { context, diag, DiagLogLevel, propagation, ProxyTracerProvider, trace, type DiagLogger } from "@opentelemetry/api";
import { packageVersion } from "../config/index.js";
import { getLogger, registerSecret, scrubText, type Logger } from "../logging/index.js";
import { loggableUrl, telemetrySettings } from "./settings.js";

/** What `startTelemetry` started; `shutdown` exports what is buffered and stops it. */
export interface TelemetryHandle {
  /** Whether spans of this process are exported (by this SDK or the app's). */
  readonly tracing: boolean;
  /** Flushes buffered spans (and LangSmith's pending runs) and stops the SDK once the last handle is shut down. Safe to call twice. */
  shutdown(): Promise<void>;
}

/** Options of `startTelemetry`. */
export interface TelemetryOptions {
  /** Environment to read OTEL_* and LANGSMITH_* from (default `process.env`). */
  env?: Record<string, string | undefined>;
  logger?: Logger;
}

interface RunningSdk {
  provider: { shutdown(): Promise<void> };
  refs: number;
}

let running: RunningSdk | undefined;
let starting: Promise<RunningSdk> | undefined;
let captureContent = false;

/** Whether spans of a run may carry message text (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, read by `startTelemetry`). */
export function capturesMessageContent(): boolean {
  return captureContent;
}

/** Whether an OpenTelemetry SDK is registered in this process (ours or the app's): then runs are worth tracing. */
export function tracingActive(): boolean {
  const provider = trace.getTracerProvider();
  // The API's proxy has a delegate only once an SDK registered itself.
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer("ai-gateway-agents") !== undefined;
}

/**
 * Runs `fn` inside the trace a caller named in its request headers (W3C `traceparent` and
 * `tracestate`), so the run's spans join the caller's trace. Headers that name no valid trace,
 * or a process without tracing, leave the context as it is.
 */
export function inCallersTrace<T>(headers: Record<string, string | string[] | undefined>, fn: () => T): T {
  return context.with(propagation.extract(context.active(), headers), fn);
}

/**
 * Starts OpenTelemetry tracing when the OTEL_* variables ask for it (see settings.ts), and notes
 * the content-capture switch. Bad settings throw a ConfigurationError naming the variable.
 */
export async function startTelemetry(options: TelemetryOptions = {}): Promise<TelemetryHandle> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? getLogger();
  const settings = telemetrySettings(env);
  captureContent = settings.captureContent;
  for (const value of Object.values(settings.headers)) registerSecret(value);
  if (settings.langSmith && !settings.langSmithKey) logger.warn("LANGSMITH_TRACING is true but LANGSMITH_API_KEY is not set: LangSmith will refuse the runs.");
  const flushLangSmith = settings.langSmith ? awaitLangSmith : async () => undefined;
  if (!settings.tracing) return onceHandle(false, flushLangSmith);
  // Two runtimes starting at once share one SDK.
  if (starting) await starting.catch(() => undefined);
  if (running) {
    running.refs++;
  } else if (tracingActive()) {
    logger.info("OpenTelemetry: an SDK is already registered in this process; spans go to it.");
    return onceHandle(true, flushLangSmith);
  } else {
    starting = register(settings, logger);
    try {
      running = await starting;
    } finally {
      starting = undefined;
    }
  }
  const sdk = running;
  return onceHandle(true, async () => {
    await flushLangSmith();
    if (--sdk.refs > 0 || running !== sdk) return;
    running = undefined;
    await sdk.provider.shutdown().catch((err: unknown) => logger.warn({ err: scrubText(String(err)) }, "OpenTelemetry: the last spans could not be exported"));
    trace.disable();
    context.disable();
    propagation.disable();
    diag.disable();
  });
}

async function register(settings: ReturnType<typeof telemetrySettings>, logger: Logger): Promise<RunningSdk> {
  const { NodeTracerProvider, BatchSpanProcessor, OtlpHttpJsonExporter, OtlpHttpProtobufExporter, defaultResource, resourceFromAttributes, W3CTraceContextPropagator } = await import("./sdk.js");
  const Exporter = settings.protocol === "http/protobuf" ? OtlpHttpProtobufExporter : OtlpHttpJsonExporter;
  const exporter = new Exporter({ url: settings.tracesUrl, headers: settings.headers });
  const resource = defaultResource().merge(resourceFromAttributes({ "service.name": settings.serviceName, "service.version": packageVersion() }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  // traceparent only: baggage could carry an app's own data to the gateway.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  diag.setLogger(diagLogger(logger), DiagLogLevel.WARN);
  logger.info({ endpoint: loggableUrl(settings.tracesUrl), serviceName: settings.serviceName, captureContent: settings.captureContent }, "OpenTelemetry tracing on: spans are exported over OTLP/HTTP");
  return { provider, refs: 1 };
}

/** The SDK's own warnings (a failed export, say) as log lines, scrubbed of secrets. */
function diagLogger(logger: Logger): DiagLogger {
  const line = (level: "warn" | "error") => (message: string, ...args: unknown[]) => logger[level](scrubText(`OpenTelemetry: ${message} ${args.map(String).join(" ")}`.trim()));
  const quiet = () => undefined;
  return { error: line("error"), warn: line("warn"), info: quiet, debug: quiet, verbose: quiet };
}

/** Waits for LangChain's callbacks, LangSmith's tracer among them, to send what they hold. */
async function awaitLangSmith(): Promise<void> {
  const { awaitAllCallbacks } = await import("@langchain/core/callbacks/promises");
  await awaitAllCallbacks();
}

function onceHandle(tracing: boolean, stop: () => Promise<void>): TelemetryHandle {
  let stopped: Promise<void> | undefined;
  return { tracing, shutdown: () => (stopped ??= stop()) };
}
