/** The CLI with OTEL_* set: its run's spans reach the collector before the process exits (the runtime flushes on close). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offlineEnv, runCli } from "../helpers/cli.js";
import { startOtlpReceiver, type OtlpReceiver } from "../helpers/otlp_receiver.js";

const dir = mkdtempSync(join(tmpdir(), "cli-otel-"));
let rx: OtlpReceiver;
beforeAll(async () => {
  rx = await startOtlpReceiver();
});
afterAll(async () => {
  await rx?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("npm start with OTEL_EXPORTER_OTLP_ENDPOINT", () => {
  it("exports the whole run, last spans included, before it exits", async () => {
    const env = offlineEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_SERVICE_NAME: "cli-under-test", CHECKPOINT_SQLITE_PATH: join(dir, "checkpoints.sqlite") });
    const { code, stdout } = await runCli(["What is 12.5% of 3,480?"], env);
    expect(code, stdout).toBe(0);
    const spans = rx.spans();
    const root = spans.find((s) => s.name === "orchestrator.run");
    expect(root?.resource["service.name"]).toBe("cli-under-test");
    expect(root?.attributes["orchestrator.outcome"]).toBe("answered");
    // The root span ends last: with it exported, the run's whole trace was flushed.
    const names = spans.filter((s) => s.traceId === root!.traceId).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["orchestrator.route", "invoke_agent fast_agent", "execute_tool calculator", "fallback.attempt gateway"]));
    expect(names.filter((n) => n.startsWith("chat "))).toHaveLength(2);
    // The CLI's model discovery at startup fetched the token, outside the run: a trace of its own.
    const token = spans.find((s) => s.name === "oauth2.token");
    expect(token).toBeDefined();
    expect(token!.traceId).not.toBe(root!.traceId);
  });

  it("with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, sends the run as binary protobuf", async () => {
    const proto = await startOtlpReceiver();
    try {
      const env = offlineEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: proto.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf", CHECKPOINT_SQLITE_PATH: join(dir, "proto.sqlite") });
      const { code, stdout } = await runCli(["What is 12.5% of 3,480?"], env);
      expect(code, stdout).toBe(0);
      expect(proto.exports.length).toBeGreaterThan(0);
      for (const e of proto.exports) {
        expect(e.path).toBe("/v1/traces");
        expect(e.headers["content-type"]).toBe("application/x-protobuf");
        expect(() => JSON.parse(e.body)).toThrow();
      }
      // Protobuf keeps strings as UTF-8 bytes: the span names are in the payload.
      const all = proto.exports.map((e) => e.body).join("");
      for (const name of ["orchestrator.run", "orchestrator.route", "execute_tool calculator"]) expect(all).toContain(name);
    } finally {
      await proto.close();
    }
  });
});
