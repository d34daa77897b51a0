import { randomBytes } from "node:crypto";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, API_KEY, build, captureLogger, fakeGateway, tempDir, type CountingServer } from "./server_helpers.js";

const rand = () => randomBytes(12).toString("hex");
const CLIENT_ID = `leak-client-${rand()}`;
const CLIENT_SECRET = `leak-secret-${rand()}`;
const TOKEN = `leak-token-${rand()}`;
const WRONG_SECRET = `wrong-secret-${rand()}`;
const OPENAI_KEY = `sk-leak-${rand()}`;
const WRONG_ADMIN = `wrong-admin-${rand()}`;

const tmp = tempDir();
const captured = captureLogger("trace");
let gateway: CountingServer;
let app: FastifyInstance;
const responses: LightMyRequestResponse[] = [];

beforeAll(async () => {
  gateway = await fakeGateway({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, token: TOKEN });
  app = await build(
    tmp.dir,
    { ADMIN_API_KEY: ADMIN_KEY, API_KEY, ALLOW_INSECURE_LOOPBACK_PROVIDERS: "true", VERIFY_RATE_LIMIT_MAX: "1000", AI_GATEWAY_MAX_RETRIES: "0", LOG_LEVEL: "trace" },
    { logger: captured.logger },
  );
});
afterAll(async () => {
  await app.close();
  await gateway.close();
  tmp.cleanup();
});

async function call(method: "GET" | "POST", url: string, payload?: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({ method, url, payload: payload as object, headers: { "x-api-key": API_KEY, ...headers } });
  responses.push(res);
  return res;
}

describe("no secret reaches a response or a log line", () => {
  it("holds across verify, configure, runs and failures", async () => {
    const admin = { "x-admin-key": ADMIN_KEY };
    const creds = { baseUrl: gateway.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
    expect((await call("POST", "/api/providers/verify", { provider: "gateway", credentials: creds })).json().ok).toBe(true);
    expect((await call("POST", "/api/providers/verify", { provider: "gateway", credentials: { ...creds, clientSecret: WRONG_SECRET } })).json().ok).toBe(false);
    await call("POST", "/api/providers/verify", { provider: "ai_gateway", api_key: CLIENT_ID, client_secret: WRONG_SECRET, base_url: gateway.url });
    await call("POST", "/api/providers/verify", { provider: "openai", credentials: { apiKey: OPENAI_KEY, baseUrl: `${gateway.url}/v1` } });
    // Bad bodies carrying secrets: the 400s name fields, never values.
    await call("POST", "/api/providers/verify", { provider: "openai", credentials: { apiKey: OPENAI_KEY, baseUrl: "http://169.254.169.254/", note: CLIENT_SECRET } });
    await call("POST", "/api/providers/verify", { provider: "gateway", credentials: { clientSecret: CLIENT_SECRET, apiKey: OPENAI_KEY } });
    await call("POST", "/api/providers/configure", { provider: "gateway", settings: creds }, { "x-admin-key": WRONG_ADMIN });
    await call("POST", "/api/providers/configure", { provider: "gateway", settings: creds }, { authorization: `Bearer ${WRONG_ADMIN}` });
    const configured = await call("POST", "/api/providers/configure", { provider: "gateway", settings: creds }, admin);
    expect(configured.statusCode).toBe(200);
    expect(configured.json().discovery.ok).toBe(true);
    await call("POST", "/api/providers/configure", { provider: "gateway", settings: { baseUrl: "https://elsewhere.example" } }, admin);
    await call("POST", "/api/providers/configure", { provider: "gateway", verify: true, settings: { clientSecret: WRONG_SECRET } }, admin);
    await call("POST", "/api/providers/configure", { provider: "openai", settings: { apiKey: OPENAI_KEY, baseUrl: `${gateway.url}/v1` } }, admin);
    await call("POST", "/api/providers/verify", { provider: "gateway" });
    // The fake gateway has no chat endpoint: this run fails through every tier and provider.
    const run = await call("POST", "/api/runs", { task: "What is 2 + 2?" });
    expect(run.statusCode).toBe(502);
    await call("GET", "/api/providers");
    await call("GET", "/api/models");
    await call("GET", "/readyz");
    await call("GET", "/api/runs", undefined, { "x-api-key": `${API_KEY}x` });

    // The secrets were really used: the token endpoint saw requests and the models list the token.
    expect(gateway.requests.some((r) => r.url === "/oauth2/token")).toBe(true);
    expect(gateway.requests.some((r) => r.url === "/v1/models")).toBe(true);

    const logs = captured.lines.join("");
    expect(captured.lines.length).toBeGreaterThan(20);
    // Trace lines carried the Authorization header; it is redacted.
    expect(logs).toContain("[REDACTED]");
    const everything = [logs, ...responses.map((r) => `${JSON.stringify(r.headers)}\n${r.body}`)];
    for (const secret of [CLIENT_SECRET, TOKEN, WRONG_SECRET, OPENAI_KEY, ADMIN_KEY, API_KEY, WRONG_ADMIN]) {
      for (const text of everything) expect(text.includes(secret), `a secret (${secret.slice(0, 8)}…) leaked`).toBe(false);
    }
    expect(logs).not.toMatch(/Bearer (?!\[REDACTED\])[A-Za-z0-9._~+/=-]{6,}/);
    expect(responses.every((r) => !/\n\s+at /.test(r.body))).toBe(true);
  });
});
