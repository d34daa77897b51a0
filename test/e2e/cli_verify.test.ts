/**
 * `npm start -- verify` against a gateway (the emulator) whose identity provider is a loopback
 * issuer that publishes only openid-configuration under a path and hands out JWT access
 * tokens: verify prints the auth method, the metadata document, the granted scope, the expiry
 * and the token's audience, and never the token.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { offlineEnv, runCli } from "../helpers/cli.js";
import { emulator } from "../helpers/gateway.js";

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
// An access token as an identity provider would sign it; the client reads, never verifies, its claims.
const jwt = `${b64({ alg: "RS256", typ: "at+jwt" })}.${b64({ aud: "api://ai-gateway", scp: "ai.chat", exp: Math.floor(Date.now() / 1000) + 3600 })}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk`;

let idp: Server;
let issuer = "";
let emu: EmulatorHandle;
beforeAll(async () => {
  idp = createServer((req, res) => {
    const base = issuer.replace(/\/tenant$/, "");
    res.setHeader("content-type", "application/json");
    if (req.method === "GET" && req.url === "/tenant/.well-known/openid-configuration") {
      res.end(JSON.stringify({ issuer, token_endpoint: `${base}/tenant/token`, response_types_supported: ["token"] }));
    } else if (req.method === "POST" && req.url === "/tenant/token") {
      req.resume();
      req.on("end", () => res.end(JSON.stringify({ access_token: jwt, token_type: "Bearer", expires_in: 3600, scope: "ai.chat" })));
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  await new Promise<void>((r) => idp.listen(0, "127.0.0.1", r));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/tenant`;
  emu = await emulator({ staticApiKeys: [jwt] });
});
afterAll(async () => {
  await emu.close();
  await new Promise<void>((r) => idp.close(() => r()));
});

describe("npm start -- verify", () => {
  it("prints how the token was obtained and what it is for, without the token", async () => {
    const env = offlineEnv({
      AI_GATEWAY_BASE_URL: emu.baseUrl,
      AI_GATEWAY_ISSUER: issuer,
      AI_GATEWAY_CLIENT_ID: "cli-client",
      AI_GATEWAY_CLIENT_SECRET: "cli-secret-value-123",
      AI_GATEWAY_AUTH_METHOD: "client_secret_post",
      AI_GATEWAY_SCOPE: "ai.chat",
      PROVIDER_ORDER: "gateway",
    });
    const { code, stdout, stderr } = await runCli(["verify"], env);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^gateway\s+ok\s+\d+ ms\s+\d+ models/m);
    expect(stdout).toMatch(/auth method\s+client_secret_post at http:\/\/127\.0\.0\.1:\d+\/tenant\/token/);
    expect(stdout).toContain(`issuer metadata openid-configuration (${issuer}/.well-known/openid-configuration)`);
    expect(stdout).toMatch(/granted scope\s+ai\.chat/);
    expect(stdout).toMatch(/expires\s+\d{4}-\d\d-\d\dT[\d:.]+Z \(in (59|60) min\)/);
    expect(stdout).toMatch(/audience\s+api:\/\/ai-gateway \(read from the JWT, not verified\)/);
    for (const part of jwt.split(".")) expect(stdout + stderr).not.toContain(part);
    expect(stdout + stderr).not.toContain("cli-secret-value-123");

    const json = await runCli(["verify", "--json"], env);
    const line = JSON.parse(json.stdout.trim().split("\n")[0]) as { token?: Record<string, unknown> };
    expect(line.token).toMatchObject({ authMethod: "client_secret_post", grantedScope: "ai.chat", audience: "api://ai-gateway", discovery: { document: "openid-configuration" } });
    expect(json.stdout).not.toContain(jwt.split(".")[1]);
  });
});
