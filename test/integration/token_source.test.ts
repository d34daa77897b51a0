import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { AIGatewayAuthError, ClientCredentialsTokenSource } from "../../src/gateway/index.js";
import { emulator } from "../helpers/gateway.js";

let emu: EmulatorHandle;
beforeAll(async () => {
  emu = await emulator({ tokenTtlSeconds: 100 });
});
afterAll(async () => {
  await emu.close();
});

function source(overrides: Partial<ConstructorParameters<typeof ClientCredentialsTokenSource>[0]> = {}) {
  let now = 1_000_000;
  const ts = new ClientCredentialsTokenSource({
    tokenUrl: emu.tokenUrl,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    refreshMarginS: 10,
    now: () => now,
    ...overrides,
  });
  return { ts, advance: (ms: number) => (now += ms) };
}

describe("ClientCredentialsTokenSource", () => {
  it("caches, refreshes ahead of expiry in the background, and waits after expiry", async () => {
    const { ts, advance } = source();
    const first = await ts.getToken();
    expect(await ts.getToken()).toBe(first);
    expect(ts.tokenRequests).toBe(1);

    advance(91_000); // inside the 10 s margin of a 100 s token
    expect(await ts.getToken()).toBe(first); // still valid, handed out while the refresh runs
    await expect.poll(() => ts.tokenRequests).toBe(2);
    await expect.poll(async () => (await ts.getToken()) !== first).toBe(true);

    advance(200_000); // past expiry: callers wait for a fresh token
    const third = await ts.getToken();
    expect(ts.tokenRequests).toBe(3);
    expect(third).not.toBe(first);
  });

  it("shares one refresh among concurrent callers", async () => {
    const { ts } = source();
    const tokens = await Promise.all(Array.from({ length: 100 }, () => ts.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(ts.tokenRequests).toBe(1);
  });

  it("assumes the documented default lifetime when expires_in is missing", async () => {
    const noExpiry = await emulator({ omitExpiresIn: true });
    try {
      let now = 0;
      const ts = new ClientCredentialsTokenSource({
        tokenUrl: noExpiry.tokenUrl,
        clientId: noExpiry.clientId,
        clientSecret: noExpiry.clientSecret,
        defaultTtlS: 300,
        refreshMarginS: 60,
        now: () => now,
      });
      const first = await ts.getToken();
      now = 239_000; // before 300 s - 60 s
      expect(await ts.getToken()).toBe(first);
      expect(ts.tokenRequests).toBe(1);
      now = 301_000;
      expect(await ts.getToken()).not.toBe(first);
      expect(ts.tokenRequests).toBe(2);
    } finally {
      await noExpiry.close();
    }
  });

  it.each(["client_secret_basic", "client_secret_post"] as const)("sends %s credentials, scope and resource", async (authMethod) => {
    // A recording token endpoint shows where the credentials travelled.
    const seen: { authorization?: string; body: URLSearchParams }[] = [];
    const server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        seen.push({ authorization: req.headers.authorization, body: new URLSearchParams(raw) });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ access_token: "recorded-token-abcdef", token_type: "Bearer", expires_in: 60 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const ts = new ClientCredentialsTokenSource({
        tokenUrl: `http://127.0.0.1:${port}/token`,
        clientId: "my client",
        clientSecret: "s3cret:with/odd+chars",
        authMethod,
        scope: "ai.chat",
        resource: "https://ai-gateway.example",
      });
      expect(await ts.getToken()).toBe("recorded-token-abcdef");
      const [req] = seen;
      expect(req.body.get("grant_type")).toBe("client_credentials");
      expect(req.body.get("scope")).toBe("ai.chat");
      expect(req.body.get("resource")).toBe("https://ai-gateway.example");
      if (authMethod === "client_secret_basic") {
        const decoded = Buffer.from(req.authorization!.replace(/^Basic /, ""), "base64").toString();
        // RFC 6749 §2.3.1: each part is form-urlencoded before joining with ":".
        const [id, secret] = decoded.split(":").map((p) => decodeURIComponent(p.replace(/\+/g, " ")));
        expect([id, secret]).toEqual(["my client", "s3cret:with/odd+chars"]);
        expect(req.body.get("client_secret")).toBeNull();
      } else {
        expect(req.authorization).toBeUndefined();
        expect(req.body.get("client_id")).toBe("my client");
        expect(req.body.get("client_secret")).toBe("s3cret:with/odd+chars");
      }
    } finally {
      server.close();
    }
  });

  it.each(["client_secret_basic", "client_secret_post"] as const)("gets a token from the emulator with %s", async (authMethod) => {
    const { ts } = source({ authMethod });
    expect(await ts.getToken()).toMatch(/\S{16,}/);
  });

  it("turns invalid_client into a typed, non-retried auth error", async () => {
    const before = emu.stats().tokenRequests;
    const { ts } = source({ clientSecret: "definitely-wrong-secret" });
    const error = await ts.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayAuthError);
    expect((error as AIGatewayAuthError).code).toBe("invalid_client");
    expect((error as AIGatewayAuthError).retryable).toBe(false);
    expect(JSON.stringify(error)).not.toContain("definitely-wrong-secret");
    expect(emu.stats().tokenRequests - before).toBe(1);
  });

  it("derives the token URL from the base URL by default", async () => {
    const ts = new ClientCredentialsTokenSource({ baseUrl: emu.baseUrl, clientId: emu.clientId, clientSecret: emu.clientSecret });
    expect(ts.tokenEndpoint).toBe(`${emu.baseUrl}/oauth2/token`);
    expect(await ts.getToken()).toMatch(/\S+/);
  });
});
