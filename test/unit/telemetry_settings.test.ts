import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../../src/config/index.js";
import { DEFAULT_OTLP_TRACES_URL, telemetrySettings } from "../../src/telemetry/index.js";
import { loggableUrl } from "../../src/telemetry/settings.js";

/** The ConfigurationError `fn` throws (failing the test when it throws none). */
function configError(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigurationError) return err;
    throw err;
  }
  throw new Error("expected a ConfigurationError");
}

describe("telemetrySettings (OTEL_* and LANGSMITH_*)", () => {
  it("leaves tracing off when nothing is configured", () => {
    const s = telemetrySettings({});
    expect(s).toMatchObject({ tracing: false, captureContent: false, langSmith: false, serviceName: "ai-gateway-agents", headers: {} });
  });

  it("turns tracing on with an OTLP endpoint and builds <endpoint>/v1/traces", () => {
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318/" })).toMatchObject({ tracing: true, tracesUrl: "http://127.0.0.1:4318/v1/traces" });
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector.example.com/otlp" }).tracesUrl).toBe("https://collector.example.com/otlp/v1/traces");
  });

  it("uses the traces endpoint as it is, over the base endpoint", () => {
    const s = telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a.example:4318", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b.example:9999/custom" });
    expect(s).toMatchObject({ tracing: true, tracesUrl: "http://b.example:9999/custom" });
  });

  it("with OTEL_TRACES_EXPORTER=otlp alone posts to the OpenTelemetry default", () => {
    expect(telemetrySettings({ OTEL_TRACES_EXPORTER: "otlp" })).toMatchObject({ tracing: true, tracesUrl: DEFAULT_OTLP_TRACES_URL });
  });

  it("stays off with OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true, whatever the endpoint", () => {
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_TRACES_EXPORTER: "none" }).tracing).toBe(false);
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_SDK_DISABLED: "true" }).tracing).toBe(false);
  });

  it("reads OTEL_EXPORTER_OTLP_HEADERS as name=value pairs with URL-encoded values", () => {
    const s = telemetrySettings({ OTEL_EXPORTER_OTLP_HEADERS: "X-Api-Key=abc%20def, tenant=t1,," });
    expect(s.headers).toEqual({ "x-api-key": "abc def", tenant: "t1" });
  });

  it("rejects a bad header entry naming the variable, never its value", () => {
    for (const bad of ["just-a-secret-value-123", "bad name=secret-value-456", "x=%zz-secret-789"]) {
      const err = configError(() => telemetrySettings({ OTEL_EXPORTER_OTLP_HEADERS: bad }));
      expect(err.problems.map((p) => p.variable)).toEqual(["OTEL_EXPORTER_OTLP_HEADERS"]);
      expect(err.message).not.toMatch(/secret/);
    }
  });

  it("accepts the http/json and http/protobuf protocols, the traces one winning; refuses grpc", () => {
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }).tracing).toBe(false);
    expect(telemetrySettings({}).protocol).toBe("http/json");
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" }).protocol).toBe("http/protobuf");
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf", OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json" }).protocol).toBe("http/json");
    for (const variable of ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"]) {
      const err = configError(() => telemetrySettings({ [variable]: "grpc" }));
      expect(err.problems.map((p) => p.variable)).toEqual([variable]);
      expect(err.message).toContain("http/json or http/protobuf");
    }
  });

  it("reads the content-capture switch, the service name and LangSmith's switch", () => {
    const s = telemetrySettings({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "true", OTEL_SERVICE_NAME: "billing-agents", LANGSMITH_TRACING: "true" });
    expect(s).toMatchObject({ captureContent: true, serviceName: "billing-agents", langSmith: true, langSmithKey: false });
  });
});

describe("loggableUrl", () => {
  it("drops user info and query, which may hold credentials", () => {
    expect(loggableUrl("https://user:pa55@collector.example.com:4318/v1/traces?token=abc")).toBe("https://collector.example.com:4318/v1/traces");
  });
});
