/**
 * Single flight with abort signals: the client, ChatAIGateway and the server all pass their own
 * signal with every token request, and concurrent callers must still share one fetch, which no
 * single caller's abort may cancel for the others. The token endpoint is a loopback server that
 * holds its answer until every caller is waiting.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AIGatewayClient, ClientCredentialsTokenSource } from "../../src/gateway/index.js";
import { silentLogger } from "../helpers/gateway.js";
import { startStubGateway } from "../helpers/stub_gateway.js";

let server: Server;
let tokenUrl = "";
let requests = 0;
/** Lets the token endpoint answer the requests it holds. */
let release: () => void = () => undefined;
let released = Promise.resolve();

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    req.resume();
    void released.then(() => {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify({ access_token: `token-${requests}`, token_type: "Bearer", expires_in: 3600 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/token`;
});
afterAll(async () => {
  release();
  await new Promise((resolve) => server.close(resolve));
});

describe("token refresh with abort signals", () => {
  it("50 callers with their own signals share one token request, and the first caller's abort fails only that caller", async () => {
    requests = 0;
    released = new Promise((resolve) => (release = resolve));
    const ts = new ClientCredentialsTokenSource({ tokenUrl, clientId: "single-flight", clientSecret: "single-flight-secret", redactSecrets: false });
    const controllers = Array.from({ length: 50 }, () => new AbortController());
    // The first caller starts the fetch; the others arrive while it is held at the endpoint.
    const calls = controllers.map((c) => ts.getToken(c.signal));
    await expect.poll(() => requests).toBe(1);
    controllers[0].abort(new Error("caller 0 went away"));
    release();
    const [first, ...others] = await Promise.allSettled(calls);
    expect(first).toEqual({ status: "rejected", reason: new Error("caller 0 went away") });
    expect(others.map((o) => (o.status === "fulfilled" ? o.value : `rejected: ${String(o.reason)}`))).toEqual(Array.from({ length: 49 }, () => "token-1"));
    expect(requests).toBe(1);
    expect(ts.tokenRequests).toBe(1);
    // The fetch the aborted caller started was kept: the next caller gets its token from the cache.
    expect(await ts.getToken(new AbortController().signal)).toBe("token-1");
    expect(requests).toBe(1);
  });

  it("50 concurrent chat calls through the client, each with its own signal, fetch one token", async () => {
    const stub = await startStubGateway();
    const client = new AIGatewayClient({ baseUrl: stub.baseUrl, tokenUrl: stub.tokenUrl, clientId: stub.clientId, clientSecret: stub.clientSecret, logger: silentLogger, retry: { maxRetries: 0 } });
    try {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => client.createChatCompletion({ model: "gpt-5-mini", messages: [{ role: "user", content: "hi" }] }, { signal: new AbortController().signal })),
      );
      expect(answers.map((a) => a.choices[0].message.content)).toEqual(Array.from({ length: 50 }, () => "stub answer"));
      expect(stub.tokenRequests).toBe(1);
    } finally {
      await client.close();
      await stub.close();
    }
  });
});
