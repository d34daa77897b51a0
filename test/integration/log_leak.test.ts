import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { AIGatewayClient } from "../../src/gateway/index.js";
import { createLogger, getLogger, setLogger } from "../../src/logging/index.js";
import { emulator, streamText } from "../helpers/gateway.js";

let emu: EmulatorHandle;
const lines: string[] = [];
const previous = getLogger();

beforeAll(async () => {
  emu = await emulator();
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  // Trace level: the client logs outgoing headers (Authorization included) at trace.
  setLogger(createLogger({ level: "trace", format: "json", destination: sink }));
});
afterAll(async () => {
  setLogger(previous);
  await emu.close();
});

describe("no secret or token reaches a log line", () => {
  it("holds across token -> chat -> stream -> failures", async () => {
    const client = new AIGatewayClient({
      baseUrl: emu.baseUrl,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
      logger: getLogger(),
      retry: { maxRetries: 1, baseDelayMs: 5 },
    });
    const ask = { model: "gpt-4.1", messages: [{ role: "user" as const, content: "hello" }] };
    await client.listModels();
    const token = await client.tokens.getToken();
    await client.createChatCompletion(ask);
    await streamText(client.streamChatCompletion(ask));
    emu.enqueueFault("503");
    await client.createChatCompletion(ask); // logs a retry warning
    emu.revokeAllTokens();
    await client.createChatCompletion(ask); // logs the 401 refresh
    const newToken = await client.tokens.getToken();
    await client.createChatCompletion(ask, { headers: { "x-emulator-fault": "500" } }).catch((e: unknown) => getLogger().error({ err: e }, "call failed"));

    const wrong = new AIGatewayClient({ baseUrl: emu.baseUrl, clientId: emu.clientId, clientSecret: "wrong-secret-for-leak-test", logger: getLogger() });
    const failure = await wrong.listModels().catch((e: unknown) => e);
    getLogger().error({ err: failure }, "bad credentials");
    await Promise.all([client.close(), wrong.close()]);

    const all = lines.join("");
    expect(lines.length).toBeGreaterThan(8);
    expect(all).toContain("[REDACTED]"); // the trace lines carried an Authorization header
    expect(all).toContain("invalid_client");
    for (const secret of [emu.clientSecret, token, newToken, "wrong-secret-for-leak-test"]) {
      expect(all).not.toContain(secret);
    }
  });
});
