/**
 * `AI_GATEWAY_BASE_URL=http://gateway.invalid` is refused before any connection, with a message
 * naming AI_GATEWAY_ALLOW_INSECURE_HTTP. Every connect is intercepted (undici's connector and
 * node's net/tls connect), so even a broken guard sends nothing off this machine.
 */
import net from "node:net";
import tls from "node:tls";
import { Agent } from "undici";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigurationError } from "../../src/config/index.js";
import { AIGatewayClient, AIGatewayConfigError, ClientCredentialsTokenSource } from "../../src/gateway/index.js";
import { createRuntime } from "../../src/runtime/index.js";
import { silentLogger } from "../helpers/gateway.js";

const attempts: string[] = [];
const recordingAgent = () =>
  new Agent({
    connect: ((opts: { hostname: string }, callback: (err: Error | null, socket: null) => void) => {
      attempts.push(opts.hostname);
      callback(new Error("recorded and refused by the test connector"), null);
    }) as never,
  });

beforeEach(() => {
  attempts.length = 0;
  const refuse = (kind: string) => (options: unknown) => {
    attempts.push(`${kind}:${JSON.stringify(options).slice(0, 80)}`);
    throw new Error("connect intercepted by the test");
  };
  vi.spyOn(net, "connect").mockImplementation(refuse("net") as never);
  vi.spyOn(net, "createConnection").mockImplementation(refuse("net") as never);
  vi.spyOn(tls, "connect").mockImplementation(refuse("tls") as never);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("plain http to a non-loopback gateway", () => {
  it("is refused by the client before any connection, naming the variables to fix", async () => {
    const dispatcher = recordingAgent();
    let error: unknown;
    try {
      new AIGatewayClient({ baseUrl: "http://gateway.invalid", apiKey: "static-key-for-test", dispatcher, logger: silentLogger });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AIGatewayConfigError);
    expect((error as AIGatewayConfigError).code).toBe("insecure_http");
    expect((error as AIGatewayConfigError).retryable).toBe(false);
    expect((error as Error).message).toMatch(/AI_GATEWAY_BASE_URL/);
    expect((error as Error).message).toMatch(/AI_GATEWAY_ALLOW_INSECURE_HTTP/);
    await dispatcher.close();
    expect(attempts).toEqual([]);
  });

  it("is refused at startup by createRuntime (a ConfigurationError, exit code 2 in the CLI), before any connection", async () => {
    const env = { AI_GATEWAY_BASE_URL: "http://gateway.invalid", AI_GATEWAY_CLIENT_ID: "id", AI_GATEWAY_CLIENT_SECRET: "secret-for-test" };
    const error = await createRuntime({ env, logger: silentLogger, onSimulated: () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems.map((p) => p.variable)).toEqual(["AI_GATEWAY_BASE_URL"]);
    expect((error as Error).message).toMatch(/AI_GATEWAY_ALLOW_INSECURE_HTTP/);
    expect(attempts).toEqual([]);
  });

  it("checks the token URL and the issuer by the same rule", () => {
    for (const [field, variable] of [
      ["tokenUrl", "AI_GATEWAY_TOKEN_URL"],
      ["issuer", "AI_GATEWAY_ISSUER"],
    ] as const) {
      let error: unknown;
      try {
        new ClientCredentialsTokenSource({ [field]: "http://idp.invalid/x", clientId: "c", clientSecret: "s" });
      } catch (err) {
        error = err;
      }
      expect(error, field).toBeInstanceOf(AIGatewayConfigError);
      expect((error as AIGatewayConfigError).variable).toBe(variable);
      expect((error as Error).message).toMatch(/AI_GATEWAY_ALLOW_INSECURE_HTTP/);
    }
    expect(attempts).toEqual([]);
  });

  it("is allowed with the explicit flag (the request then goes to the dispatcher)", async () => {
    const dispatcher = recordingAgent();
    const client = new AIGatewayClient({ baseUrl: "http://gateway.invalid", apiKey: "static-key-for-test", allowInsecureHttp: true, dispatcher, logger: silentLogger, retry: { maxRetries: 0 } });
    await client.listModels().catch(() => undefined);
    await dispatcher.close();
    expect(attempts).toEqual(["gateway.invalid"]);
  });

  it("(the interception itself works: the client's own pool goes through the mocked net.connect)", async () => {
    const client = new AIGatewayClient({ baseUrl: "http://gateway.invalid", apiKey: "static-key-for-test", allowInsecureHttp: true, logger: silentLogger, retry: { maxRetries: 0 } });
    await client.listModels().catch(() => undefined);
    await client.close();
    expect(attempts.some((a) => a.startsWith("net:"))).toBe(true);
  });
});
