/**
 * Tracing settings from the standard OTEL_* variables (validated by the env schema) and
 * LangSmith's LANGSMITH_* ones. Tracing is off unless asked for: an OTLP endpoint, or
 * OTEL_TRACES_EXPORTER=otlp, and neither OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none.
 */
import { envSchema, invalidEnvironment } from "../config/index.js";

/** Where the OTLP/HTTP exporter posts when only OTEL_TRACES_EXPORTER=otlp is set (the OpenTelemetry default). */
export const DEFAULT_OTLP_TRACES_URL = "http://localhost:4318/v1/traces";

/** What `startTelemetry` does. */
export interface TelemetrySettings {
  /** Whether spans are exported. */
  tracing: boolean;
  /** URL the OTLP/HTTP export is posted to. */
  tracesUrl: string;
  /** The export's encoding: JSON unless OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL asks for protobuf. */
  protocol: "http/json" | "http/protobuf";
  /** Headers of the export requests (credentials: never logged). */
  headers: Record<string, string>;
  serviceName: string;
  /** OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT. */
  captureContent: boolean;
  /** LANGSMITH_TRACING: LangChain sends its runs to LangSmith. */
  langSmith: boolean;
  /** Whether LANGSMITH_API_KEY is set (its value is LangChain's business). */
  langSmithKey: boolean;
}

const VARIABLES = {
  OTEL_SDK_DISABLED: true,
  OTEL_TRACES_EXPORTER: true,
  OTEL_EXPORTER_OTLP_ENDPOINT: true,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: true,
  OTEL_EXPORTER_OTLP_PROTOCOL: true,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: true,
  OTEL_EXPORTER_OTLP_HEADERS: true,
  OTEL_SERVICE_NAME: true,
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: true,
  LANGSMITH_TRACING: true,
  LANGSMITH_API_KEY: true,
} as const;

/** The traces URL of a base OTLP endpoint: `<base>/v1/traces`, as the OpenTelemetry spec builds it. */
export function tracesUrlOf(base: string): string {
  return `${base.replace(/\/+$/, "")}/v1/traces`;
}

/** Reads the tracing settings from `env`; a bad value throws a ConfigurationError naming the variable (never echoing the value). */
export function telemetrySettings(env: Record<string, string | undefined>): TelemetrySettings {
  const parsed = envSchema.pick(VARIABLES).safeParse(env);
  if (!parsed.success) {
    throw invalidEnvironment(parsed.error.issues.map((issue) => ({ variable: issue.path.map(String).join(".") || "(environment)", message: issue.message })));
  }
  const e = parsed.data;
  const endpoint = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT ? tracesUrlOf(e.OTEL_EXPORTER_OTLP_ENDPOINT) : undefined);
  const exporter = e.OTEL_TRACES_EXPORTER ?? (endpoint ? "otlp" : "none");
  return {
    tracing: !e.OTEL_SDK_DISABLED && exporter === "otlp",
    tracesUrl: endpoint ?? DEFAULT_OTLP_TRACES_URL,
    protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/json",
    headers: e.OTEL_EXPORTER_OTLP_HEADERS ?? {},
    serviceName: e.OTEL_SERVICE_NAME,
    captureContent: e.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
    langSmith: e.LANGSMITH_TRACING,
    langSmithKey: !!e.LANGSMITH_API_KEY,
  };
}

/** `url` fit for a log line: origin and path, without user info or query (either may hold a credential). */
export function loggableUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}
