/**
 * Redaction that no request can steer. Before, `POST /api/providers/verify` (no auth) registered
 * every secret-looking body value with the log redactor, before validation, in a set of 256 that
 * dropped the oldest: 300 `{"apiKey":"flood-…"}` evicted the configured secret, which then showed
 * in clear, and any word sent as an apiKey was blanked out of later log lines.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { registerSecret, registerShortLivedSecret, scrubText, REDACTED } from "../../src/logging/index.js";
import { emulator } from "../helpers/gateway.js";
import { build, captureLogger, tempDir } from "../integration/server_helpers.js";

describe("the redactor's registered values", () => {
  it("keeps configured secrets whatever number of short-lived values follow", () => {
    registerSecret("configured-secret-9f8e7d6c");
    for (let i = 0; i < 1_000; i++) registerShortLivedSecret(`access-token-${i}-abcdef`);
    expect(scrubText("x configured-secret-9f8e7d6c y")).toBe(`x ${REDACTED} y`);
    // The short-lived set is bounded: the oldest went, the newest is still hidden.
    expect(scrubText("access-token-0-abcdef")).toBe("access-token-0-abcdef");
    expect(scrubText("access-token-999-abcdef")).toBe(REDACTED);
  });
});

describe("POST /api/providers/verify cannot steer redaction", () => {
  const CONFIGURED = "gateway-client-secret-5c4b3a29";
  let target: EmulatorHandle;
  let app: FastifyInstance;
  let captured: ReturnType<typeof captureLogger>;
  const tmp = tempDir();

  beforeAll(async () => {
    target = await emulator({ clientSecret: CONFIGURED });
    captured = captureLogger("info");
    app = await build(
      tmp.dir,
      {
        AI_GATEWAY_BASE_URL: target.baseUrl,
        AI_GATEWAY_CLIENT_ID: target.clientId,
        AI_GATEWAY_CLIENT_SECRET: CONFIGURED,
        ALLOW_INSECURE_LOOPBACK_PROVIDERS: "true",
        VERIFY_RATE_LIMIT_MAX: "1000",
      },
      { logger: captured.logger },
    );
  });
  afterAll(async () => {
    await app.close();
    await target.close();
    tmp.cleanup();
  });

  it("a flood of 300 apiKey values does not evict the configured secret", async () => {
    const flood = Array.from({ length: 300 }, (_, i) => ({ apiKey: `flood-${i}-0123456789` }));
    const res = await app.inject({ method: "POST", url: "/api/providers/verify", payload: flood as unknown as object });
    expect(res.statusCode).toBe(400);
    // A later line that carries the configured secret is still scrubbed.
    captured.logger.warn(`a line that quotes ${CONFIGURED} by mistake`);
    const last = captured.lines.at(-1)!;
    expect(last).not.toContain(CONFIGURED);
    expect(last).toContain(REDACTED);
  });

  it("a word sent as an apiKey is not blanked out of later log lines", async () => {
    const res = await app.inject({ method: "POST", url: "/api/providers/verify", payload: { provider: "openai", credentials: { apiKey: "shipment" }, extra: 1 } });
    expect(res.statusCode).toBe(400);
    captured.logger.info("shipment arrived");
    expect(captured.lines.at(-1)).toContain('"msg":"shipment arrived"');
  });

  it("credentials under test are checked, kept out of the redactor, and out of every log line and response", async () => {
    const candidate = "candidate-secret-under-test-77";
    const res = await app.inject({
      method: "POST",
      url: "/api/providers/verify",
      payload: { provider: "gateway", credentials: { baseUrl: target.baseUrl, clientId: target.clientId, clientSecret: candidate } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: false, error: { code: "auth" } });
    expect(res.body).not.toContain(candidate);
    expect(captured.lines.join("")).not.toContain(candidate);
    // Not registered: the redactor does not hide it (no caller can add words to hide).
    expect(scrubText(`x ${candidate}`)).toBe(`x ${candidate}`);
  });
});
