/**
 * API abuse: malformed and hostile requests each get a 4xx with a clear message in the API's
 * error shape, never a 5xx, and none of them makes an outbound connection. The server's gateway
 * is an emulator whose counters must not move; SSRF targets point at a loopback decoy that counts
 * connections; name resolution goes through an injected `lookup` spy (no real DNS query is
 * made). Table-driven through Fastify `inject`, plus raw requests over real HTTP for what only a
 * socket can send.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startEmulator, type EmulatorHandle, type EmulatorStats } from "../../src/emulator/index.js";
import type { LookupFn, ResolvedAddress } from "../../src/net/index.js";
import { build, captureLogger, countingServer, tempDir, type CountingServer } from "../integration/server_helpers.js";
import { rawRequest } from "./raw_http.js";

const ADMIN_KEY = `abuse-admin-${randomBytes(12).toString("hex")}`;
const API_KEY = `abuse-api-${randomBytes(12).toString("hex")}`;
const PUBLIC: ResolvedAddress[] = [{ address: "93.184.216.34", family: 4 }];
const LOOPBACK: ResolvedAddress[] = [{ address: "127.0.0.1", family: 4 }];

const tmp = tempDir();
const storePath = join(tmp.dir, "providers.json");
const log = captureLogger("info");
let emu: EmulatorHandle;
/** Where any SSRF would land: a loopback server counting every TCP connection (started first: the tables use its port). */
const decoy: CountingServer = await countingServer((_req, res) => res.end('{"object":"list","data":[]}'));
let app: FastifyInstance;
let port: number;
let baseline: EmulatorStats;
/** Per-host behaviour of the injected resolver; unknown names do not resolve (so nothing can reach the internet). */
const names = new Map<string, () => ResolvedAddress[]>();
const lookup = vi.fn<LookupFn>(async (host) => {
  const answer = names.get(host);
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  return answer();
});

beforeAll(async () => {
  emu = await startEmulator({ host: "127.0.0.1", port: 0 });
  names.set("loopback.example", () => LOOPBACK);
  names.set("decoy.example", () => LOOPBACK);
  app = await build(
    tmp.dir,
    {
      CONFIG_STORE_PATH: storePath,
      AI_GATEWAY_BASE_URL: emu.baseUrl,
      AI_GATEWAY_CLIENT_ID: emu.clientId,
      AI_GATEWAY_CLIENT_SECRET: emu.clientSecret,
      ADMIN_API_KEY: ADMIN_KEY,
      API_KEY,
      VERIFY_RATE_LIMIT_MAX: "1000",
    },
    { lookup, logger: log.logger },
  );
  await app.listen({ port: 0, host: "127.0.0.1" });
  port = (app.server.address() as AddressInfo).port;
  // Startup discovery is done; from here on no abusive request may reach the gateway.
  baseline = emu.stats();
});
afterAll(async () => {
  await app.close();
  await decoy.close();
  await emu.close();
  tmp.cleanup();
});

const admin = { "x-admin-key": ADMIN_KEY };
const data = { "x-api-key": API_KEY };
const json = { "content-type": "application/json" };

/** One abusive request and what it must get. */
interface Case {
  name: string;
  method?: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  payload?: object | string | Buffer;
  status: number;
  code?: string;
  /** What the message must say (a clear message names the problem). */
  message?: RegExp;
}

const big = (bytes: number) => JSON.stringify({ task: "x".repeat(bytes) });
const nestedArrays = (depth: number) => `{"task":"x","extra":${"[".repeat(depth)}${"]".repeat(depth)}}`;
const nestedObjects = (depth: number) => `{"provider":"gateway","credentials":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`;
const d = () => decoy.port;

const MALFORMED: Case[] = [
  { name: "truncated JSON", url: "/api/runs", headers: { ...json, ...data }, payload: '{"task": "x",', status: 400, code: "invalid_json", message: /not valid JSON/ },
  { name: "trailing garbage", url: "/api/runs", headers: { ...json, ...data }, payload: '{"task":"x"} {"task":"y"}', status: 400, code: "invalid_json" },
  { name: "empty JSON body", url: "/api/runs", headers: { ...json, ...data }, payload: "", status: 400, code: "invalid_json", message: /empty/ },
  { name: "JSON null", url: "/api/runs", headers: { ...json, ...data }, payload: "null", status: 400, code: "invalid_request", message: /must be object/ },
  { name: "JSON array", url: "/api/runs", headers: { ...json, ...data }, payload: "[]", status: 400, code: "invalid_request" },
  { name: "JSON string", url: "/api/providers/verify", headers: json, payload: '"gateway"', status: 400, code: "invalid_request" },
  { name: "text/plain", url: "/api/runs", headers: { "content-type": "text/plain", ...data }, payload: "What is 2 + 2?", status: 415, code: "unsupported_media_type", message: /application\/json/ },
  { name: "form-encoded", url: "/api/providers/configure", headers: { "content-type": "application/x-www-form-urlencoded", ...admin }, payload: "provider=openai", status: 415 },
  { name: "no content type", url: "/api/runs", headers: data, payload: Buffer.from('{"task":"x"}'), status: 415 },
  { name: "malformed JSON to configure", url: "/api/providers/configure", headers: { ...json, ...admin }, payload: "{provider: openai}", status: 400, code: "invalid_json" },
  { name: "__proto__ key", url: "/api/runs", headers: { ...json, ...data }, payload: '{"task":"x","__proto__":{"polluted":true}}', status: 400 },
  { name: "constructor.prototype key", url: "/api/providers/verify", headers: json, payload: '{"provider":"openai","constructor":{"prototype":{"polluted":true}}}', status: 400 },
  { name: "malformed percent-encoding in the path", method: "GET", url: "/api/threads/%E0%A4%A", headers: data, status: 400, message: /URL/ },
];

const WRONG_TYPES: Case[] = [
  { name: "task is a number", url: "/api/runs", headers: data, payload: { task: 123 }, status: 400, code: "invalid_request", message: /task must be string/ },
  { name: "threadId is a number", url: "/api/runs", headers: data, payload: { task: "x", threadId: 42 }, status: 400, message: /threadId/ },
  { name: "unknown tier", url: "/api/runs", headers: data, payload: { task: "x", tier: "ultra" }, status: 400, message: /tier must be one of fast, standard, premium/ },
  { name: "messages is a string", url: "/api/runs", headers: data, payload: { messages: "hello" }, status: 400, message: /messages must be array/ },
  { name: "message role", url: "/api/runs", headers: data, payload: { messages: [{ role: "root", content: "x" }] }, status: 400, message: /messages\.0\.role/ },
  { name: "blank task", url: "/api/runs", headers: data, payload: { task: "   " }, status: 400, message: /task/ },
  { name: "task too long", url: "/api/runs", headers: data, payload: { task: "x".repeat(20_001) }, status: 400, message: /task/ },
  { name: "too many messages", url: "/api/runs", headers: data, payload: { messages: Array.from({ length: 201 }, () => ({ role: "user", content: "x" })) }, status: 400, message: /messages/ },
  { name: "provider is a number", url: "/api/providers/verify", payload: { provider: 7 }, status: 400, message: /provider must be one of/ },
  { name: "credentials is a string", url: "/api/providers/verify", payload: { provider: "gateway", credentials: "s3cret" }, status: 400, message: /credentials/ },
  { name: "baseUrl is an array", url: "/api/providers/verify", payload: { provider: "gateway", credentials: { baseUrl: ["https://a.example"], clientId: "c", clientSecret: "abcdef123" } }, status: 400, message: /credentials\.baseUrl/ },
  { name: "settings is a string", url: "/api/providers/configure", headers: admin, payload: { provider: "openai", settings: "x" }, status: 400, message: /settings/ },
  { name: "enabled is a string", url: "/api/providers/configure", headers: admin, payload: { provider: "openai", settings: { enabled: "yes" } }, status: 400, message: /settings\.enabled must be boolean/ },
  { name: "empty settings", url: "/api/providers/configure", headers: admin, payload: { provider: "openai", settings: {} }, status: 400, message: /at least one field/ },
  { name: "apiPath escaping upwards", url: "/api/providers/configure", headers: admin, payload: { provider: "gateway", settings: { apiPath: "../../admin" } }, status: 400, message: /settings\.apiPath/ },
  { name: "apiPath with a .. segment inside", url: "/api/providers/configure", headers: admin, payload: { provider: "gateway", settings: { apiPath: "/v1/../../internal" } }, status: 400, message: /settings\.apiPath/ },
  { name: "apiPath with a . segment", url: "/api/providers/verify", payload: { provider: "gateway", credentials: { baseUrl: "https://93.184.216.34", apiPath: "/./v1", apiKey: "abcdef123456" } }, status: 400, message: /credentials\.apiPath/ },
  { name: "verify flag is a string", url: "/api/providers/configure", headers: admin, payload: { provider: "openai", verify: "true", settings: { enabled: false } }, status: 400, message: /verify/ },
  { name: "revision is a string", url: "/api/providers/configure", headers: admin, payload: { provider: "openai", revision: "1", settings: { enabled: false } }, status: 400, message: /revision must be the revision number/ },
  { name: "revision is negative", url: "/api/providers/configure", headers: admin, payload: { provider: "openai", revision: -1, settings: { enabled: false } }, status: 400, message: /revision/ },
  { name: "revision is a fraction", url: "/api/providers/configure", headers: admin, payload: { provider: "openai", revision: 0.5, settings: { enabled: false } }, status: 400, message: /revision must be a whole number/ },
  { name: "revision from the future", url: "/api/providers/configure", headers: admin, payload: { provider: "openai", revision: 99, settings: { enabled: false } }, status: 409, code: "config_conflict" },
  { name: "thread id too long", method: "GET", url: `/api/threads/${"a".repeat(129)}`, headers: data, status: 400, message: /id must be 1-128/ },
  { name: "thread id far too long", method: "GET", url: `/api/threads/${"a".repeat(5_000)}`, headers: data, status: 414, message: /too long/ },
];

const SIZE: Case[] = [
  { name: "run body over the limit", url: "/api/runs", headers: { ...json, ...data }, payload: big(70_000), status: 413, code: "payload_too_large", message: /65536 bytes/ },
  { name: "1 MB to the open verify endpoint", url: "/api/providers/verify", headers: json, payload: big(1_000_000), status: 413, code: "payload_too_large" },
  { name: "over the limit to configure", url: "/api/providers/configure", headers: { ...json, ...admin }, payload: big(70_000), status: 413 },
  { name: "arrays nested 30,000 deep (under the limit)", url: "/api/runs", headers: { ...json, ...data }, payload: nestedArrays(30_000), status: 400, message: /extra is not a known field/ },
  { name: "objects nested 10,000 deep (under the limit)", url: "/api/providers/verify", headers: json, payload: nestedObjects(10_000), status: 400, message: /credentials\.a is not a known field/ },
  { name: "objects nested in a settings value", url: "/api/providers/configure", headers: { ...json, ...admin }, payload: `{"provider":"openai","settings":{"apiKey":${'{"k":'.repeat(8_000)}1${"}".repeat(8_000)}}}`, status: 400, message: /settings\.apiKey must be string/ },
  { name: "arrays nested 100,000 deep (over the limit)", url: "/api/runs", headers: { ...json, ...data }, payload: nestedArrays(100_000), status: 413 },
];

const UNKNOWN_FIELDS: Case[] = [
  { name: "run", url: "/api/runs", headers: data, payload: { task: "x", admin: true }, status: 400, message: /admin is not a known field/ },
  { name: "run message", url: "/api/runs", headers: data, payload: { messages: [{ role: "user", content: "x", name: "root" }] }, status: 400, message: /messages\.0\.name is not a known field/ },
  { name: "verify credentials", url: "/api/providers/verify", payload: { provider: "openai", credentials: { apiKey: "sk-abcdef123456", proxy: "http://127.0.0.1" } }, status: 400, message: /credentials\.proxy is not a known field/ },
  { name: "verify top level", url: "/api/providers/verify", payload: { provider: "openai", dispatcher: "raw" }, status: 400, message: /dispatcher/ },
  { name: "configure settings", url: "/api/providers/configure", headers: admin, payload: { provider: "openai", settings: { issuer: "https://x.example" } }, status: 400, message: /settings\.issuer is not a known field/ },
  { name: "configure top level", url: "/api/providers/configure", headers: admin, payload: { provider: "openai", settings: { enabled: false }, force: true }, status: 400, message: /force is not a known field/ },
];

const INJECTION: Case[] = [
  { name: "CRLF in the admin key", url: "/api/providers/configure", headers: { "x-admin-key": `${ADMIN_KEY}\r\nx-admin: 1` }, payload: { provider: "openai", settings: { enabled: false } }, status: 401, message: /not valid/ },
  { name: "CRLF in the API key", url: "/api/runs", headers: { "x-api-key": `${API_KEY}\r\nx-evil: 1` }, payload: { task: "x" }, status: 401 },
  { name: "CRLF + header in a threadId (run)", url: "/api/runs", headers: data, payload: { task: "x", threadId: "abc\r\nSet-Cookie: pwned=1" }, status: 400, message: /threadId must be/ },
  { name: "CRLF + SSE frame in a threadId (stream)", url: "/api/runs/stream", headers: data, payload: { task: "x", threadId: "t\n\nevent: final_answer\ndata: {}" }, status: 400, message: /threadId/ },
  { name: "newline in a tier (stream)", url: "/api/runs/stream", headers: data, payload: { task: "x", tier: "fast\n\nevent: end" }, status: 400, message: /tier/ },
  { name: "newline in a routing mode (stream)", url: "/api/runs/stream", headers: data, payload: { task: "x", routingMode: "auto\r\n" }, status: 400, message: /routingMode/ },
  { name: "../ in a threadId (run)", url: "/api/runs", headers: data, payload: { task: "x", threadId: "../../etc/passwd" }, status: 400, message: /threadId/ },
  { name: "newline in a threadId (stream)", url: "/api/runs/stream", headers: data, payload: { task: "x", threadId: "a\nb" }, status: 400 },
  { name: "encoded ../ in the thread path", method: "GET", url: "/api/threads/..%2F..%2Fetc%2Fpasswd", headers: data, status: 400, message: /id must be/ },
  { name: "encoded CRLF in the thread path", method: "GET", url: "/api/threads/a%0d%0aSet-Cookie:%20pwned=1", headers: data, status: 400, message: /id must be/ },
  { name: "NUL in the thread path", method: "GET", url: "/api/threads/a%00b", headers: data, status: 400 },
  { name: "plain ../ in the thread path", method: "GET", url: "/api/threads/../../etc/passwd", headers: data, status: 404, code: "not_found" },
  { name: "CRLF + Host in a baseUrl", url: "/api/providers/verify", payload: { provider: "openai", credentials: { apiKey: "sk-abcdef123456", baseUrl: "https://api.example.com/v1\r\nHost: 127.0.0.1" } }, status: 400, code: "unsafe_url", message: /control characters/ },
  { name: "backslash in a baseUrl", url: "/api/providers/verify", payload: { provider: "ollama", credentials: { baseUrl: "https://api.example.com\\@127.0.0.1/" } }, status: 400, code: "unsafe_url" },
  { name: "tab in a tokenUrl", url: "/api/providers/verify", payload: { provider: "gateway", credentials: { baseUrl: "https://93.184.216.34", tokenUrl: "https://93.184.216.34/\ttoken", clientId: "c", clientSecret: "abcdef123" } }, status: 400, code: "unsafe_url", message: /tokenUrl/ },
  { name: "CRLF in an apiPath", url: "/api/providers/configure", headers: admin, payload: { provider: "gateway", settings: { apiPath: "/v1\r\nX: y" } }, status: 400, message: /apiPath/ },
];

const AUTH: Case[] = [
  { name: "configure without a key", url: "/api/providers/configure", payload: { provider: "openai", settings: { enabled: false } }, status: 401, code: "unauthorized", message: /needs the admin key/ },
  { name: "configure with a wrong key", url: "/api/providers/configure", headers: { "x-admin-key": `${ADMIN_KEY}x` }, payload: { provider: "openai", settings: { enabled: false } }, status: 401, message: /admin key is not valid/ },
  { name: "configure with a wrong bearer", url: "/api/providers/configure", headers: { authorization: "Bearer not-the-admin-key" }, payload: { provider: "openai", settings: { enabled: false } }, status: 401 },
  { name: "configure with the API key", url: "/api/providers/configure", headers: { "x-admin-key": API_KEY }, payload: { provider: "openai", settings: { enabled: false } }, status: 401 },
  { name: "configure with a key prefix", url: "/api/providers/configure", headers: { "x-admin-key": ADMIN_KEY.slice(0, -1) }, payload: { provider: "openai", settings: { enabled: false } }, status: 401 },
  { name: "configure with the key in the query", url: `/api/providers/configure?x-admin-key=${ADMIN_KEY}`, payload: { provider: "openai", settings: { enabled: false } }, status: 401 },
  { name: "configure with Basic auth", url: "/api/providers/configure", headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString("base64")}` }, payload: { provider: "openai", settings: { enabled: false } }, status: 401 },
  { name: "configure with a pointed SSRF and no key", url: "/api/providers/configure", payload: { provider: "ollama", settings: { baseUrl: `http://127.0.0.1:${d()}` } }, status: 401 },
  { name: "run without a key", url: "/api/runs", payload: { task: "x" }, status: 401, message: /needs the API key/ },
  { name: "run with a wrong key", url: "/api/runs", headers: { "x-api-key": "wrong-key" }, payload: { task: "x" }, status: 401, message: /API key is not valid/ },
  // The admin key is taken on the data plane (it sees every tenant's threads), but only where a data-plane key goes.
  { name: "stream with the admin key in the admin header", url: "/api/runs/stream", headers: { "x-admin-key": ADMIN_KEY }, payload: { task: "x" }, status: 401 },
  { name: "thread without a key", method: "GET", url: "/api/threads/some-thread", status: 401 },
  { name: "models with a wrong bearer", method: "GET", url: "/api/models", headers: { authorization: "Bearer wrong" }, status: 401 },
  { name: "providers without a key", method: "GET", url: "/api/providers", status: 401 },
];

/** Every SSRF form, through verify (new and legacy shapes) and configure; `lookup` names the host a spy may see. */
const SSRF_URLS: { name: string; url: string; lookup?: string }[] = [
  { name: "cloud metadata", url: "http://169.254.169.254/latest/meta-data/" },
  { name: "localhost", url: `http://localhost:${d()}/v1` },
  { name: "127.1", url: `http://127.1:${d()}/v1` },
  { name: "decimal 2130706433", url: `http://2130706433:${d()}/v1` },
  { name: "octal 0177.0.0.1", url: `http://0177.0.0.1:${d()}/v1` },
  { name: "hex 0x7f.0.0.1", url: `http://0x7f.0.0.1:${d()}/v1` },
  { name: "IPv4-mapped IPv6", url: `http://[::ffff:127.0.0.1]:${d()}/v1` },
  { name: "IPv6 loopback", url: `https://[::1]:${d()}/v1` },
  { name: "IPv4-translated IPv6", url: `https://[::ffff:0:127.0.0.1]:${d()}/v1` },
  { name: "IPv4-translated IPv6, hex", url: `https://[::ffff:0:7f00:1]:${d()}/v1` },
  { name: "local-use NAT64", url: `https://[64:ff9b:1::7f00:1]:${d()}/v1` },
  { name: "NAT64", url: `https://[64:ff9b::7f00:1]:${d()}/v1` },
  { name: "6to4", url: `https://[2002:7f00:1::]:${d()}/v1` },
  { name: "site-local", url: `https://[fec0::1]:${d()}/v1` },
  { name: "0.0.0.0", url: `https://0.0.0.0:${d()}/v1` },
  { name: "private 10/8", url: "https://10.0.0.1/v1" },
  { name: "a name resolving to loopback", url: `https://loopback.example:${d()}/v1`, lookup: "loopback.example" },
  { name: "userinfo", url: `http://user:pass@decoy.example:${d()}/v1` },
  { name: "userinfo @ trick", url: `https://api.example.com@127.0.0.1:${d()}/v1` },
  { name: "file://", url: "file:///etc/passwd" },
  { name: "gopher://", url: `gopher://127.0.0.1:${d()}/_GET%20/` },
  { name: "ftp://", url: `ftp://127.0.0.1:${d()}/` },
  { name: "data:", url: "data:text/plain,hello" },
  { name: "no scheme", url: `127.0.0.1:${d()}` },
];

function ssrfCases(): Case[] {
  return SSRF_URLS.flatMap(({ name, url }) => [
    { name: `verify openai: ${name}`, url: "/api/providers/verify", payload: { provider: "openai", credentials: { apiKey: "sk-abuse-0123456789", baseUrl: url } }, status: 400, message: /credentials\.baseUrl|host of credentials\.baseUrl/ },
    { name: `verify gateway tokenUrl: ${name}`, url: "/api/providers/verify", payload: { provider: "gateway", credentials: { baseUrl: url, tokenUrl: url, clientId: "c", clientSecret: "abuse-secret-0123" } }, status: 400 },
    { name: `verify legacy: ${name}`, url: "/api/providers/verify", payload: { provider: "ai_gateway", api_key: "c", client_secret: "abuse-secret-0123", base_url: url }, status: 400, message: /base_url/ },
    { name: `configure: ${name}`, url: "/api/providers/configure", headers: admin, payload: { provider: "ollama", settings: { baseUrl: url } }, status: 400, message: /settings\.baseUrl/ },
  ]);
}

interface Outcome {
  name: string;
  status: number;
  body: string;
}
const outcomes: Outcome[] = [];

/** Sends a case through inject and checks the API's error shape. */
async function runCase(c: Case): Promise<void> {
  // Verify is behind API_KEY like the other data-plane routes; the cases test what comes after the key.
  const headers = c.url === "/api/providers/verify" ? { ...data, ...c.headers } : c.headers;
  const res = await app.inject({ method: c.method ?? "POST", url: c.url, headers, payload: c.payload as never });
  outcomes.push({ name: c.name, status: res.statusCode, body: res.body });
  expect(res.statusCode, `${c.name}: ${res.body.slice(0, 300)}`).toBe(c.status);
  const body = res.json() as { error?: { code?: unknown; message?: unknown } };
  expect(body.error, c.name).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  const message = String(body.error!.message);
  expect(message.length, c.name).toBeGreaterThan(15);
  if (c.code) expect(body.error!.code, c.name).toBe(c.code);
  if (c.message) expect(message, c.name).toMatch(c.message);
  // Nothing from the runtime leaks into an error: no stack frames, no internal error names.
  expect(res.body, c.name).not.toMatch(/\n\s+at |TypeError|ReferenceError|node_modules/);
}

describe("abusive requests get a clear 4xx and cause nothing (inject)", () => {
  it.each([
    ["malformed bodies", MALFORMED],
    ["wrong types", WRONG_TYPES],
    ["huge and deeply nested bodies", SIZE],
    ["unknown fields", UNKNOWN_FIELDS],
    ["header, path and SSE injection", INJECTION],
    ["missing or wrong keys", AUTH],
    ["the SSRF list", ssrfCases()],
  ] as [string, Case[]][])("%s", async (_group, cases) => {
    for (const c of cases) await runCase(c);
  });

  it("the SSRF cases resolved only the names they had to, and refused every other one before any lookup", () => {
    expect(new Set(lookup.mock.calls.map(([host]) => host))).toEqual(new Set(["loopback.example"]));
  });
});

describe("DNS rebinding: public at check time, the decoy at connect time", () => {
  it("verify reports the refusal and configure does not save; nothing reaches the decoy", async () => {
    let calls = 0;
    names.set("rebind.example", () => (++calls === 1 ? PUBLIC : LOOPBACK));
    const verify = await app.inject({ method: "POST", url: "/api/providers/verify", headers: data, payload: { provider: "openai", credentials: { apiKey: "sk-rebind-0123456789", baseUrl: `https://rebind.example:${d()}/v1` } } });
    // A credential check reports its outcome in a 200: the connection was refused, nothing was sent.
    expect(verify.statusCode).toBe(200);
    expect(verify.json()).toMatchObject({ ok: false, error: { code: "unsafe_url", message: expect.stringMatching(/forbidden address/) } });
    expect(calls).toBeGreaterThanOrEqual(2);

    calls = 0;
    const configure = await app.inject({
      method: "POST",
      url: "/api/providers/configure",
      headers: admin,
      payload: { provider: "gateway", verify: true, settings: { baseUrl: `https://rebind.example:${d()}`, clientId: "c", clientSecret: "rebind-secret-0123456789" } },
    });
    expect(configure.statusCode).toBe(422);
    expect(configure.json().error).toMatchObject({ code: "verification_failed", message: expect.stringMatching(/not saved.*forbidden address/) });
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(decoy.connections()).toBe(0);
    outcomes.push({ name: "rebinding configure", status: configure.statusCode, body: configure.body });
  });
});

describe("over real HTTP: what only a socket can send", () => {
  const line = (method: string, path: string, headers: string[], body = "") =>
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers.map((h) => `${h}\r\n`).join("")}${body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ""}\r\n${body}`;
  const configureBody = JSON.stringify({ provider: "openai", settings: { enabled: false } });

  it.each([
    ["a folded (obs-fold) admin key", line("POST", "/api/providers/configure", ["Content-Type: application/json", `x-admin-key: ${ADMIN_KEY}`, " x-injected: 1"], configureBody), 400],
    ["a bare LF inside the admin key", line("POST", "/api/providers/configure", ["Content-Type: application/json", `x-admin-key: ${ADMIN_KEY}\nx-admin: 1`], configureBody), 400],
    ["a bare CR inside the admin key", line("POST", "/api/providers/configure", ["Content-Type: application/json", `x-admin-key: ${ADMIN_KEY}\rx-admin: 1`], configureBody), 400],
    ["a NUL inside the API key", line("GET", "/api/providers", [`x-api-key: ${API_KEY}\u0000`]), 400],
    ["an unknown HTTP version", `GET /api/providers HTTP/9.9\r\nHost: 127.0.0.1\r\nConnection: close\r\nx-api-key: ${API_KEY}\r\n\r\n`, 400],
    ["an invalid method token", "G{T /api/providers HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 400],
    ["a 20 kB header", line("GET", "/api/providers", [`x-api-key: ${"k".repeat(20_000)}`]), 431],
    ["Content-Length and Transfer-Encoding together", `POST /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nx-api-key: ${API_KEY}\r\n\r\n0\r\n\r\n`, 400],
    ["a chunked body over the limit", `POST /api/providers/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nx-api-key: ${API_KEY}\r\nTransfer-Encoding: chunked\r\n\r\n${Array.from({ length: 20 }, () => `1000\r\n${"x".repeat(4096)}\r\n`).join("")}0\r\n\r\n`, 413],
    ["a declared length over the limit", line("POST", "/api/providers/verify", ["Content-Type: application/json", `x-api-key: ${API_KEY}`], big(70_000)), 413],
    ["two admin keys, the wrong one first", line("POST", "/api/providers/configure", ["Content-Type: application/json", "x-admin-key: wrong-admin-key-000000", `x-admin-key: ${ADMIN_KEY}`], configureBody), 401],
    ["encoded CRLF in the thread path", line("GET", "/api/threads/a%0D%0ASet-Cookie:%20pwned=1", [`x-api-key: ${API_KEY}`]), 400],
    ["a raw ../ thread path", line("GET", "/api/threads/../../../etc/passwd", [`x-api-key: ${API_KEY}`]), 404],
    ["malformed JSON", line("POST", "/api/runs", ["Content-Type: application/json", `x-api-key: ${API_KEY}`], '{"task":'), 400],
    ["an SSRF baseUrl", line("POST", "/api/providers/verify", ["Content-Type: application/json", `x-api-key: ${API_KEY}`], JSON.stringify({ provider: "openai", credentials: { apiKey: "sk-abuse-0123456789", baseUrl: `http://2130706433:${d()}/v1` } })), 400],
  ] as [string, string, number][])("%s -> %i", async (name, raw, status) => {
    const res = await rawRequest(port, raw);
    outcomes.push({ name: `raw: ${name}`, status: res.status, body: res.body });
    expect(res.status, `${name}: ${res.head}\n${res.body.slice(0, 300)}`).toBe(status);
    expect(res.head).not.toMatch(/^set-cookie:|^x-admin:|^x-injected:/im);
    // Each answer is the API's JSON error that says what was wrong, even when HTTP parsing failed.
    const body = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } };
    expect(body.error, name).toMatchObject({ code: expect.any(String), message: expect.stringMatching(/.{20,}/) });
  });

  it("a streamed run with an injected threadId is refused before any event stream starts", async () => {
    const res = await request(`http://127.0.0.1:${port}/api/runs/stream`, {
      method: "POST",
      headers: { ...json, ...data },
      body: JSON.stringify({ task: "x", threadId: "t\r\nx-injected: 1" }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toMatch(/application\/json/);
    expect(res.headers["x-thread-id"]).toBeUndefined();
    expect(res.headers["x-injected"]).toBeUndefined();
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
  });
});

describe("after every abusive request", () => {
  it("nothing was dispatched, stored or broken", async () => {
    expect(outcomes.length).toBeGreaterThan(100);
    expect(outcomes.filter((o) => o.status >= 500 || o.status < 400).map((o) => `${o.name}: ${o.status}`)).toEqual([]);
    // No outbound connection: the decoy saw none, the gateway saw no token, model or chat request.
    expect(decoy.connections()).toBe(0);
    const now = emu.stats();
    expect({ token: now.tokenRequests, chat: now.chatRequests, models: now.modelRequests }).toEqual({
      token: baseline.tokenRequests,
      chat: baseline.chatRequests,
      models: baseline.modelRequests,
    });
    // Nothing was saved, no prototype was polluted, and the server still answers.
    expect(existsSync(storePath)).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await app.inject("/healthz")).statusCode).toBe(200);
    // No error-level log line: every refusal was an expected one.
    const errors = log.lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50);
    expect(errors.map((l) => l.msg)).toEqual([]);
  });
});

describe("separate servers for the limits", () => {
  it("the verify rate limit answers 429 with a clear message, before anything is dispatched", async () => {
    const d2 = tempDir();
    const limited = await build(d2.dir, { VERIFY_RATE_LIMIT_MAX: "2", ADMIN_API_KEY: ADMIN_KEY }, { lookup });
    try {
      const bad = { provider: "openai", credentials: { apiKey: "sk-abuse-0123456789", baseUrl: `http://127.1:${d()}` } };
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push(await limited.inject({ method: "POST", url: "/api/providers/verify", payload: bad }));
      expect(statuses.map((r) => r.statusCode)).toEqual([400, 400, 429, 429]);
      expect(statuses[2].json().error).toMatchObject({ code: "rate_limited", message: expect.stringMatching(/.{15,}/) });
      expect(decoy.connections()).toBe(0);
    } finally {
      await limited.close();
      d2.cleanup();
    }
  });

  it("without ADMIN_API_KEY configuration over HTTP is refused with 403 whatever key is sent", async () => {
    const d2 = tempDir();
    const closed = await build(d2.dir, {}, { lookup });
    try {
      for (const headers of [{}, { "x-admin-key": ADMIN_KEY }, { authorization: `Bearer ${ADMIN_KEY}` }]) {
        const res = await closed.inject({ method: "POST", url: "/api/providers/configure", headers, payload: { provider: "ollama", settings: { baseUrl: `http://127.0.0.1:${d()}` } } });
        expect(res.statusCode).toBe(403);
        expect(res.json().error).toMatchObject({ code: "admin_disabled", message: expect.stringMatching(/set ADMIN_API_KEY/) });
      }
      expect(existsSync(join(d2.dir, "providers.json"))).toBe(false);
      expect(decoy.connections()).toBe(0);
    } finally {
      await closed.close();
      d2.cleanup();
    }
  });
});

describe("boundaries that must be accepted", () => {
  it("the longest thread id the schema allows (128 characters) can be run and read back", async () => {
    const threadId = `t${"0123456789abcdef".repeat(8)}`.slice(0, 128);
    expect(threadId).toHaveLength(128);
    const missing = await app.inject({ method: "GET", url: `/api/threads/${threadId}`, headers: data });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe("thread_not_found");
    const run = await app.inject({ method: "POST", url: "/api/runs", headers: data, payload: { task: "What is 2 + 2?", threadId } });
    expect(run.statusCode).toBe(200);
    const read = await app.inject({ method: "GET", url: `/api/threads/${threadId}`, headers: data });
    expect(read.statusCode).toBe(200);
    expect(read.json().messages[0]).toEqual({ role: "user", content: "What is 2 + 2?" });
  });

  it("text that looks like SSE framing inside a task stays inside its JSON data line", async () => {
    const task = "What is 2 + 2?\n\nevent: final_answer\ndata: {\"answer\":\"pwned\"}\r\n\r\n";
    const res = await request(`http://127.0.0.1:${port}/api/runs/stream`, { method: "POST", headers: { ...json, ...data }, body: JSON.stringify({ task }) });
    expect(res.statusCode).toBe(200);
    const text = await res.body.text();
    const frames = text.split("\n\n").filter((f) => f.trim() !== "" && !f.startsWith(":"));
    // Every frame is exactly one event line and one data line of JSON.
    for (const frame of frames) expect(frame).toMatch(/^event: [a-z_]+\ndata: \{.*\}$/s);
    for (const frame of frames) expect(frame.split("\n")).toHaveLength(2);
    const finals = frames.filter((f) => f.startsWith("event: final_answer"));
    expect(finals).toHaveLength(1);
    expect(finals[0]).not.toContain("pwned\"}\n");
  });
});
