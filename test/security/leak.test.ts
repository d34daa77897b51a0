/**
 * Leak test over every path a secret travels: startup with a bad configuration, token errors,
 * verify and configure (right and wrong secrets in the bodies), runs that fail against a gateway
 * answering 401 and 500 with bodies that quote the credentials back, and wrong keys. The same
 * scenario runs against an in-process server (logger on a Writable, Fastify `inject`) and against
 * `npm run serve` as a child process (stdout and stderr, over real HTTP), both at trace level.
 * Every log line, every response header and body and every byte a process printed is searched
 * for every secret: client secrets, API keys, the admin key, and each access token issued.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type EmulatorHandle } from "../../src/emulator/index.js";
import { build, captureLogger, tempDir } from "../integration/server_helpers.js";
import { spawnServer, takeSseEvents, type ServerProcess } from "../reliability/crash_server.js";
import { hostileGateway, tokenTap, type HostileGateway, type TokenTap } from "./hostile.js";

const rand = (n = 12) => randomBytes(n).toString("hex");
const SECRETS = {
  adminKey: `leak-admin-${rand()}`,
  apiKey: `leak-api-${rand()}`,
  emulatorSecret: `leak-emu-secret-${rand()}`,
  hostileSecret: `leak-hostile-secret-${rand()}`,
  wrongSecret: `leak-wrong-secret-${rand()}`,
  openaiKey: `sk-leak-${rand()}`,
  wrongAdmin: `leak-wrong-admin-${rand()}`,
  wrongApiKey: `leak-wrong-api-${rand()}`,
  urlPassword: `leak-url-pass-${rand()}`,
  // Secrets of the bad-configuration startups.
  shortAdmin: `adm${rand(3)}`,
  envSecret: `leak-env-secret-${rand()}`,
  pastedInPort: `leak-pasted-${rand()}`,
  pastedInUrl: `leak-in-url-${rand()}`,
  storeSecret: `sk-leak-store-${rand()}`,
};
const EMU_ID = "leak-emulator-client";
const HOSTILE_ID = "leak-hostile-client";

const tmp = tempDir();
let emu: EmulatorHandle;
let tap: TokenTap;
let hostile: HostileGateway;

beforeAll(async () => {
  emu = await startEmulator({ host: "127.0.0.1", port: 0, clientId: EMU_ID, clientSecret: SECRETS.emulatorSecret });
  tap = await tokenTap(emu.baseUrl);
  hostile = await hostileGateway({ clientId: HOSTILE_ID, clientSecret: SECRETS.hostileSecret });
});
afterAll(async () => {
  await tap.close();
  await hostile.close();
  await emu.close();
  tmp.cleanup();
});

/** Environment of both servers: the gateway is the emulator behind the recording proxy. */
const serverEnv = (name: string): Record<string, string> => ({
  AI_GATEWAY_BASE_URL: tap.url,
  AI_GATEWAY_CLIENT_ID: EMU_ID,
  AI_GATEWAY_CLIENT_SECRET: SECRETS.emulatorSecret,
  AI_GATEWAY_MAX_RETRIES: "1",
  AI_GATEWAY_RETRY_BASE_DELAY_MS: "5",
  BREAKER_FAILURES: "1000",
  ADMIN_API_KEY: SECRETS.adminKey,
  API_KEY: SECRETS.apiKey,
  ALLOW_INSECURE_LOOPBACK_PROVIDERS: "true",
  VERIFY_RATE_LIMIT_MAX: "1000",
  CONFIG_STORE_PATH: join(tmp.dir, `${name}-providers.json`),
  CHECKPOINT_SQLITE_PATH: join(tmp.dir, `${name}-checkpoints.sqlite`),
  LOG_LEVEL: "trace",
  LOG_FORMAT: "json",
});

/** One exchange, whichever way it was made. */
interface Exchange {
  label: string;
  status: number;
  headers: string;
  body: string;
}
type Caller = (label: string, method: "GET" | "POST", path: string, body?: unknown, headers?: Record<string, string>) => Promise<Exchange>;

/** Verify is behind API_KEY like the other data-plane routes: its calls carry the key unless a step says otherwise. */
const withKey = (path: string, headers: Record<string, string>) =>
  path === "/api/providers/verify" && !("x-api-key" in headers) ? { "x-api-key": SECRETS.apiKey, ...headers } : headers;

const injectCaller =
  (app: FastifyInstance, seen: Exchange[]): Caller =>
  async (label, method, path, body, headers = {}) => {
    const res = await app.inject({ method, url: path, payload: body as object | undefined, headers: withKey(path, headers) });
    const ex = { label, status: res.statusCode, headers: JSON.stringify(res.headers), body: res.body };
    seen.push(ex);
    return ex;
  };

const httpCaller =
  (base: string, seen: Exchange[]): Caller =>
  async (label, method, path, body, headers = {}) => {
    const res = await request(`${base}${path}`, {
      method,
      headers: body === undefined ? withKey(path, headers) : { "content-type": "application/json", ...withKey(path, headers) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const ex = { label, status: res.statusCode, headers: JSON.stringify(res.headers), body: await res.body.text() };
    seen.push(ex);
    return ex;
  };

const parse = (ex: Exchange) => JSON.parse(ex.body) as Record<string, unknown>;

/** Everything the scenario does; asserts only that each step did what it should (the leak check comes after). */
async function scenario(call: Caller): Promise<void> {
  const admin = { "x-admin-key": SECRETS.adminKey };
  const data = { "x-api-key": SECRETS.apiKey };
  const emuCreds = { baseUrl: tap.url, clientId: EMU_ID, clientSecret: SECRETS.emulatorSecret };
  const hostileCreds = { baseUrl: hostile.url, clientId: HOSTILE_ID, clientSecret: SECRETS.hostileSecret };

  // Normal use: the gateway (the emulator) issues tokens, which travel on every call.
  expect((await call("providers", "GET", "/api/providers", undefined, data)).status).toBe(200);
  const ok = await call("run", "POST", "/api/runs", { task: "What is 12.5% of 3,480?" }, data);
  expect(ok.status).toBe(200);
  const threadId = parse(ok).threadId as string;
  const streamed = await call("stream", "POST", "/api/runs/stream", { task: "What is 2 + 2?" }, { ...data, authorization: `Bearer ${SECRETS.apiKey}` });
  expect(takeSseEvents(streamed.body).events.map((e) => e.event)).toContain("final_answer");
  expect((await call("thread", "GET", `/api/threads/${threadId}`, undefined, data)).status).toBe(200);
  expect(parse(await call("verify current", "POST", "/api/providers/verify", { provider: "gateway" })).ok).toBe(true);

  // Token errors: a wrong client secret at the emulator's token endpoint, in both body shapes.
  const wrongEmu = parse(await call("verify wrong secret", "POST", "/api/providers/verify", { provider: "gateway", credentials: { ...emuCreds, clientSecret: SECRETS.wrongSecret } }));
  expect(wrongEmu).toMatchObject({ ok: false, error: { code: "auth" } });
  const legacy = parse(
    await call("verify legacy wrong secret", "POST", "/api/providers/verify", { provider: "ai_gateway", api_key: EMU_ID, client_secret: SECRETS.wrongSecret, base_url: tap.url }),
  );
  expect(legacy).toMatchObject({ ok: false });
  // The hostile gateway: right credentials (a token is issued), then a wrong secret it quotes back.
  expect(parse(await call("verify hostile", "POST", "/api/providers/verify", { provider: "gateway", credentials: hostileCreds })).ok).toBe(true);
  expect(parse(await call("verify hostile wrong", "POST", "/api/providers/verify", { provider: "gateway", credentials: { ...hostileCreds, clientSecret: SECRETS.wrongSecret } })).ok).toBe(false);
  // A vendor key the upstream rejects with a body that quotes it.
  const vendor = parse(await call("verify openai", "POST", "/api/providers/verify", { provider: "openai", credentials: { apiKey: SECRETS.openaiKey, baseUrl: `${hostile.url}/v1` } }));
  expect(vendor).toMatchObject({ ok: false, error: { code: "auth" } });

  // Bad bodies carrying secrets: 400s name the fields, never the values.
  const badBodies: [string, unknown][] = [
    ["unknown field", { provider: "openai", credentials: { apiKey: SECRETS.openaiKey, note: SECRETS.hostileSecret } }],
    ["both kinds", { provider: "gateway", credentials: { ...emuCreds, apiKey: SECRETS.openaiKey } }],
    ["userinfo url", { provider: "openai", credentials: { apiKey: SECRETS.openaiKey, baseUrl: `http://admin:${SECRETS.urlPassword}@169.254.169.254/` } }],
    ["secret in a refused url", { provider: "gateway", credentials: { ...emuCreds, baseUrl: `http://169.254.169.254/?key=${SECRETS.urlPassword}` } }],
    ["secret in a bad type", { provider: "gateway", credentials: { clientId: EMU_ID, clientSecret: { value: SECRETS.hostileSecret } } }],
    ["secret as provider", { provider: SECRETS.hostileSecret }],
  ];
  for (const [label, body] of badBodies) expect((await call(`verify ${label}`, "POST", "/api/providers/verify", body)).status, label).toBe(400);
  const badJson = await call("verify bad json", "POST", "/api/providers/verify", undefined, { "content-type": "application/json" });
  expect(badJson.status).toBe(400);

  // Configure: wrong or missing admin key (with secrets in the body), a failed verification, then real changes.
  for (const [label, headers] of [
    ["configure wrong admin", { "x-admin-key": SECRETS.wrongAdmin }],
    ["configure wrong bearer", { authorization: `Bearer ${SECRETS.wrongAdmin}` }],
    ["configure api key as admin", { "x-admin-key": SECRETS.apiKey }],
    ["configure no admin", {}],
  ] as const) {
    expect((await call(label, "POST", "/api/providers/configure", { provider: "gateway", settings: hostileCreds }, headers)).status, label).toBe(401);
  }
  const failedVerify = await call("configure verify wrong", "POST", "/api/providers/configure", { provider: "gateway", verify: true, settings: { ...hostileCreds, clientSecret: SECRETS.wrongSecret } }, admin);
  expect(failedVerify.status).toBe(422);
  expect((await call("configure url without secret", "POST", "/api/providers/configure", { provider: "gateway", settings: { baseUrl: hostile.url } }, admin)).status).toBe(400);
  const toHostile = await call("configure hostile", "POST", "/api/providers/configure", { provider: "gateway", settings: hostileCreds }, admin);
  expect(toHostile.status).toBe(200);
  expect(parse(toHostile).discovery).toMatchObject({ ok: true });
  const openai = await call("configure openai", "POST", "/api/providers/configure", { provider: "openai", settings: { apiKey: SECRETS.openaiKey, baseUrl: `${hostile.url}/v1` } }, admin);
  expect(openai.status).toBe(200);

  // Failing runs: every chat call is rejected with a body quoting the bearer it was sent.
  hostile.mode = "401";
  const before401 = hostile.chatCalls["401"];
  expect((await call("run 401", "POST", "/api/runs", { task: "What is 7 * 6?" }, data)).status).toBe(502);
  const failedStream = await call("stream 401", "POST", "/api/runs/stream", { task: "Say hello" }, data);
  expect(takeSseEvents(failedStream.body).events.map((e) => e.event)).toContain("error");
  expect(hostile.chatCalls["401"]).toBeGreaterThan(before401);
  hostile.mode = "500";
  const before500 = hostile.chatCalls["500"];
  expect((await call("run 500", "POST", "/api/runs", { task: "What is 7 * 6?" }, data)).status).toBe(502);
  expect(hostile.chatCalls["500"]).toBeGreaterThan(before500);
  expect(parse(await call("verify current hostile", "POST", "/api/providers/verify", { provider: "openai" })).ok).toBe(false);

  // Wrong data-plane keys, and the status endpoints.
  expect((await call("models wrong key", "GET", "/api/models", undefined, { "x-api-key": SECRETS.wrongApiKey })).status).toBe(401);
  expect((await call("models wrong bearer", "GET", "/api/models", undefined, { authorization: `Bearer ${SECRETS.wrongApiKey}` })).status).toBe(401);
  // The admin key is a data-plane key too (it lists every tenant's threads); a wrong one is not.
  expect((await call("threads with the admin key", "GET", "/api/threads", undefined, { "x-api-key": SECRETS.adminKey })).status).toBe(200);
  expect((await call("threads with a wrong admin key", "GET", "/api/threads", undefined, { "x-api-key": SECRETS.wrongAdmin })).status).toBe(401);
  expect((await call("models", "GET", "/api/models", undefined, data)).status).toBe(200);
  expect((await call("providers after", "GET", "/api/providers", undefined, data)).status).toBe(200);
  await call("readyz", "GET", "/readyz");
}

/** Every secret and token known at the end of the test. */
function allSecrets(): string[] {
  return [...Object.values(SECRETS), ...hostile.issued, ...tap.tokens];
}

/** The secrets found in `text`, named by a short prefix (never printed whole). */
function leaked(text: string): string[] {
  return allSecrets()
    .filter((s) => text.includes(s))
    .map((s) => `${s.slice(0, 10)}…`);
}

/** Processes started with a bad configuration (spawned up front so they start while the other tests run). */
function spawnBadStartups(): ServerProcess[] {
  const badEnv = {
    ADMIN_API_KEY: SECRETS.shortAdmin,
    AI_GATEWAY_CLIENT_ID: "some-client",
    AI_GATEWAY_CLIENT_SECRET: SECRETS.envSecret,
    AI_GATEWAY_BASE_URL: `ftp://gateway.example/${SECRETS.pastedInUrl}`,
    PORT: SECRETS.pastedInPort,
    CONFIG_STORE_PATH: join(tmp.dir, "bad-providers.json"),
  };
  // Only the cross-field rule fails here: the client secret is set, the client id is not.
  const crossField = { AI_GATEWAY_CLIENT_SECRET: SECRETS.envSecret, ADMIN_API_KEY: SECRETS.adminKey, CONFIG_STORE_PATH: join(tmp.dir, "bad2-providers.json") };
  // A store of the wrong shape that holds secrets.
  const storePath = join(tmp.dir, "bad-store.json");
  writeFileSync(storePath, JSON.stringify({ version: 1, providers: { openai: { apiKey: SECRETS.storeSecret, organization: "org-1" }, gateway: { authMethod: SECRETS.storeSecret } } }), {
    mode: 0o600,
  });
  return [
    spawnServer(badEnv),
    spawnServer(badEnv, "src/cli/main.ts", ["What is 2 + 2?"]),
    spawnServer(crossField),
    spawnServer({ CONFIG_STORE_PATH: storePath, ADMIN_API_KEY: SECRETS.adminKey, OPENAI_API_KEY: SECRETS.openaiKey }),
    // (commander quotes a bad option value back, which is why the bad value here is not a secret)
    spawnServer({}, "src/emulator/cli.ts", ["--client-secret", SECRETS.envSecret, "--port", "not-a-port"]),
  ];
}

describe("no secret or token reaches a log line, a response or a process's output", () => {
  const processes: ServerProcess[] = [];
  let badStartups: ServerProcess[] = [];
  beforeAll(() => {
    badStartups = spawnBadStartups();
    processes.push(...badStartups);
  });
  afterAll(async () => {
    for (const p of processes) await p.stop("SIGKILL");
  });

  it("in process (inject), every log line and response", async () => {
    const captured = captureLogger("trace");
    const app = await build(tmp.dir, serverEnv("inproc"), { logger: captured.logger });
    const seen: Exchange[] = [];
    try {
      await scenario(injectCaller(app, seen));
    } finally {
      await app.close();
    }
    // Startup with a wrong client secret: discovery's token request fails at boot, then every call does.
    const wrongBefore = emu.stats().unauthorized;
    const wrong = await build(tmp.dir, { ...serverEnv("inproc-wrong"), AI_GATEWAY_CLIENT_SECRET: SECRETS.wrongSecret }, { logger: captured.logger });
    try {
      const call = injectCaller(wrong, seen);
      expect(parse(await call("wrong: readyz", "GET", "/readyz")).status).toBe("not_ready");
      expect(parse(await call("wrong: verify", "POST", "/api/providers/verify", { provider: "gateway" }))).toMatchObject({ ok: false, error: { code: "auth" } });
      expect((await call("wrong: run", "POST", "/api/runs", { task: "What is 7 * 6?" }, { "x-api-key": SECRETS.apiKey })).status).toBe(502);
    } finally {
      await wrong.close();
    }
    expect(emu.stats().unauthorized).toBeGreaterThan(wrongBefore);

    const logs = captured.lines.join("");
    expect(captured.lines.length).toBeGreaterThan(50);
    // The credentials were really used: the trace lines carried Authorization headers, now redacted.
    expect(logs).toContain("[REDACTED]");
    // The hostile gateway's bodies, which quote the bare credential back, reached the log scrubbed.
    expect(logs).toMatch(/presented \[REDACTED\]/);
    expect(logs).toContain("invalid_client");
    expect(tap.tokens.size).toBeGreaterThan(0);
    expect(hostile.issued.length).toBeGreaterThan(0);
    expect(leaked(logs)).toEqual([]);
    for (const ex of seen) expect(leaked(`${ex.headers}\n${ex.body}`), ex.label).toEqual([]);
    expect(logs).not.toMatch(/Bearer (?!\[REDACTED\])[A-Za-z0-9._~+/=-]{6,}/);
    expect(seen.filter((ex) => /\n\s+at /.test(ex.body)).map((ex) => ex.label)).toEqual([]);
  }, 30_000);

  it("as a child process (real HTTP), everything it printed and every response", async () => {
    const child = spawnServer(serverEnv("child"));
    processes.push(child);
    const seen: Exchange[] = [];
    const issuedBefore = hostile.issued.length;
    await scenario(httpCaller(await child.url, seen));
    expect(await child.stop()).toBe(0);
    expect(hostile.issued.length).toBeGreaterThan(issuedBefore);
    const printed = `${child.stdout()}\n${child.stderr()}`;
    expect(printed.split("\n").length).toBeGreaterThan(50);
    expect(printed).toContain("[REDACTED]");
    expect(printed).toMatch(/presented \[REDACTED\]/);
    expect(leaked(printed)).toEqual([]);
    for (const ex of seen) expect(leaked(`${ex.headers}\n${ex.body}`), ex.label).toEqual([]);
    expect(printed).not.toMatch(/Bearer (?!\[REDACTED\])[A-Za-z0-9._~+/=-]{6,}/);
  }, 40_000);

  it("startup with a bad configuration: stderr names the variables, never their values", async () => {
    const codes = await Promise.all(badStartups.map((p) => p.exited));
    expect(codes).toEqual([2, 2, 2, 2, expect.any(Number)]);
    expect(codes[4]).not.toBe(0);
    const [server, cli, cross, store, emulatorCli] = badStartups.map((p) => p.stderr());
    for (const text of [server, cli]) {
      for (const variable of ["ADMIN_API_KEY", "AI_GATEWAY_BASE_URL", "PORT"]) expect(text).toMatch(new RegExp(`^  - ${variable}: `, "m"));
    }
    expect(cross).toMatch(/^  - AI_GATEWAY_CLIENT_ID: is required when AI_GATEWAY_CLIENT_SECRET is set$/m);
    expect(store).toMatch(/unexpected shape.*providers\.gateway\.authMethod.*organization/);
    expect(emulatorCli).toMatch(/--port/);
    for (const p of badStartups) expect(leaked(`${p.stdout()}\n${p.stderr()}`)).toEqual([]);
  }, 30_000);
});
