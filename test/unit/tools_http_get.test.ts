/** http_get against a node:http server on an ephemeral loopback port; nothing leaves the machine. */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHttpGetTool, isHostAllowed, isLoopbackHost, type HttpGetSettings } from "../../agents/tools/index.js";

let server: Server;
let port = 0;
let base = "";
const seen: string[] = [];
let connections = 0;

const BIG = "a".repeat(300_000);

function route(req: IncomingMessage, res: import("node:http").ServerResponse) {
  seen.push(req.url ?? "");
  switch (req.url) {
    case "/hello":
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("hello world");
      return;
    case "/json":
      res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, n: 42 }));
      return;
    case "/redirect":
      res.writeHead(302, { location: "/hello" }).end("moved");
      return;
    case "/big":
      res.writeHead(200, { "content-type": "text/plain" });
      // In several writes, so the limit falls inside a later chunk.
      for (let i = 0; i < BIG.length; i += 16_384) res.write(BIG.slice(i, i + 16_384));
      res.end();
      return;
    case "/exact":
      res.writeHead(200, { "content-type": "text/plain" }).end("b".repeat(1_000));
      return;
    case "/utf8":
      // 999 ASCII bytes, then "é" (2 bytes) straddling the 1000-byte limit.
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end(`${"c".repeat(999)}éz`);
      return;
    case "/binary":
      res.writeHead(200, { "content-type": "image/png" }).end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));
      return;
    case "/slow-headers":
      setTimeout(() => res.writeHead(200).end("late"), 3_000).unref();
      return;
    case "/slow-body":
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first part ");
      setTimeout(() => res.end("rest"), 3_000).unref();
      return;
    default:
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  }
}

beforeAll(async () => {
  server = createServer(route);
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
  connections = 0;
});

const settings = (overrides: Partial<HttpGetSettings> = {}): Partial<HttpGetSettings> => ({
  allowedHosts: ["127.0.0.1"],
  allowHttpLoopback: true,
  maxBytes: 1_000,
  timeoutMs: 2_000,
  ...overrides,
});

const get = async (url: string, overrides: Partial<HttpGetSettings> = {}): Promise<string> =>
  String(await createHttpGetTool(settings(overrides)).invoke({ url }));

describe("http_get tool", () => {
  it("fetches from an allowed loopback host and reports status, content type and body", async () => {
    const text = await get(`${base}/hello`);
    expect(text).toBe("status: 200\ncontent-type: text/plain; charset=utf-8\n\nhello world");
    expect(seen).toEqual(["/hello"]);
  });

  it("returns non-2xx answers as they are", async () => {
    expect(await get(`${base}/json`)).toBe('status: 201\ncontent-type: application/json\n\n{"ok":true,"n":42}');
    expect(await get(`${base}/missing`)).toMatch(/^status: 404\n[\s\S]*not found$/);
  });

  it.each([
    ["a host that is not allowlisted", `http://localhost:PORT/hello`, { allowedHosts: ["127.0.0.1"] }, /^Error: host localhost is not allowed\. Allowed hosts: 127\.0\.0\.1\./],
    ["an empty allowlist", `http://127.0.0.1:PORT/hello`, { allowedHosts: [] }, /no hosts are allowlisted/],
    ["a wildcard that does not cover the host", `http://127.0.0.1:PORT/hello`, { allowedHosts: ["*.0.0.1"] }, /is not allowed/],
    ["plain http when the loopback flag is off", `http://127.0.0.1:PORT/hello`, { allowHttpLoopback: false }, /^Error: plain http is not allowed for 127\.0\.0\.1; use https/],
    ["credentials in the URL", `http://user:pw@127.0.0.1:PORT/hello`, {}, /credentials/],
    ["a non-http scheme", `file:///etc/passwd`, {}, /only https URLs are supported, not file:/],
    ["a relative URL", `/hello`, {}, /not a valid absolute URL/],
  ])("refuses %s without connecting", async (_label, url, overrides, message) => {
    const text = await get(url.replace("PORT", String(port)), overrides);
    expect(text).toMatch(message);
    expect(seen).toEqual([]);
    expect(connections).toBe(0);
  });

  it("refuses plain http to an allowlisted host that is not loopback, before any network use", async () => {
    // The allowlist names the host, but http is only ever allowed to loopback.
    const text = await get("http://api.example.com/status", { allowedHosts: ["api.example.com"] });
    expect(text).toBe("Error: plain http is not allowed for api.example.com; use https.");
  });

  it("reports a redirect without following it", async () => {
    const text = await get(`${base}/redirect`);
    expect(text).toMatch(/^status: 302\nredirect not followed: the server points to \/hello/);
    expect(text).not.toContain("hello world");
    expect(seen).toEqual(["/redirect"]);
  });

  it("truncates a body over the byte limit and says so", async () => {
    const text = await get(`${base}/big`, { maxBytes: 20_000 });
    expect(text).toContain("truncated: yes, only the first 20000 bytes are shown");
    const body = text.slice(text.indexOf("\n\n") + 2);
    expect(body).toBe("a".repeat(20_000));
  });

  it("does not mark a body of exactly the limit as truncated", async () => {
    const text = await get(`${base}/exact`, { maxBytes: 1_000 });
    expect(text).not.toContain("truncated");
    expect(text.endsWith("b".repeat(1_000))).toBe(true);
  });

  it("drops a multi-byte character cut by the limit instead of garbling it", async () => {
    const text = await get(`${base}/utf8`, { maxBytes: 1_000 });
    expect(text).toContain("truncated: yes");
    expect(text.endsWith("c".repeat(999))).toBe(true);
    expect(text).not.toContain("\uFFFD");
  });

  it("does not dump binary bodies", async () => {
    expect(await get(`${base}/binary`)).toBe("status: 200\ncontent-type: image/png\nbody: binary content not shown (7 bytes)");
  });

  it.each(["/slow-headers", "/slow-body"])("times out on %s", async (path) => {
    const started = Date.now();
    const text = await get(`${base}${path}`, { timeoutMs: 300 });
    expect(text).toBe(`Error: request to 127.0.0.1:${port} timed out after 300 ms.`);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("turns a refused connection into an error string", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await get(`http://127.0.0.1:${closedPort}/`)).toMatch(/^Error: request to 127\.0\.0\.1:\d+ failed: ECONNREFUSED/);
  });

  it("names the allowed hosts and the limit in its description", () => {
    const tool = createHttpGetTool(settings({ allowedHosts: ["api.example.com", "*.example.org"] }));
    expect(tool.name).toBe("http_get");
    expect(tool.description).toContain("api.example.com, *.example.org");
    expect(tool.description).toContain("1000 bytes");
  });
});

describe("host policy", () => {
  it.each([
    ["api.example.com", ["api.example.com"], true],
    ["API.Example.com", ["api.example.com"], true],
    ["a.example.com", ["*.example.com"], true],
    ["a.b.example.com", ["*.example.com"], true],
    ["example.com", ["*.example.com"], false],
    ["badexample.com", ["*.example.com"], false],
    ["example.com.evil.net", ["example.com", "*.example.com"], false],
    ["::1", ["[::1]"], true],
    ["127.0.0.1", [], false],
  ])("%s against %j -> %s", (host, allowed, expected) => {
    expect(isHostAllowed(host, allowed)).toBe(expected);
  });

  it.each([
    ["localhost", true],
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["::1", true],
    ["10.0.0.1", false],
    ["127.0.0.1.nip.io", false],
    ["example.com", false],
  ])("isLoopbackHost(%s) = %s", (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
