/**
 * Replays the hand-written vendor responses of test/fixtures/wire on a loopback port. A
 * fixture is one `.http` file (see the README there); a route answers with its queue of
 * fixtures in order, and keeps answering with the last one, so a retried request gets the same
 * answer again. Every request is recorded. Server-sent events go out one event per write, so
 * the client sees them arrive over several network reads, as from a real gateway.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One parsed fixture file. */
export interface WireFixture {
  /** Path under test/fixtures/wire, without `.http`. */
  name: string;
  status: number;
  /** Headers as written, without Content-Length / Transfer-Encoding (the server sets framing). */
  headers: Record<string, string>;
  body: Buffer;
}

/** A request the replay server received. */
export interface ReplayedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A running replay server. */
export interface ReplayServer {
  /** Origin, e.g. http://127.0.0.1:43210. */
  baseUrl: string;
  /** Every request so far, in order. */
  requests: ReplayedRequest[];
  /** Requests to `route` ("POST /v1/chat/completions") so far. */
  count(route: string): number;
  /** Answers `route` with these fixtures in turn, then the last one for ever. */
  answer(route: string, ...fixtures: string[]): void;
  close(): Promise<void>;
}

const ROOT = new URL("../fixtures/wire/", import.meta.url);
const FRAMING = new Set(["content-length", "transfer-encoding"]);

/** Reads and parses `test/fixtures/wire/<name>.http`. */
export function loadWireFixture(name: string): WireFixture {
  const raw = readFileSync(new URL(`${name}.http`, ROOT));
  const text = raw.toString("latin1");
  let pos = 0;
  // Provenance comments come first.
  while (text.startsWith("#", pos)) pos = text.indexOf("\n", pos) + 1;
  const headEnd = text.indexOf("\n\n", pos);
  if (headEnd < 0) throw new Error(`Wire fixture ${name}: no blank line after the headers.`);
  const [statusLine, ...headerLines] = text.slice(pos, headEnd).split("\n");
  const status = /^HTTP\/1\.1 (\d{3})\b/.exec(statusLine)?.[1];
  if (!status) throw new Error(`Wire fixture ${name}: bad status line '${statusLine}'.`);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`Wire fixture ${name}: bad header line '${line}'.`);
    const key = line.slice(0, colon).trim();
    if (!FRAMING.has(key.toLowerCase())) headers[key] = line.slice(colon + 1).trim();
  }
  return { name, status: Number(status), headers, body: raw.subarray(headEnd + 2) };
}

/** Whether `fixture` is a server-sent events body. */
function isEventStream(fixture: WireFixture): boolean {
  return Object.entries(fixture.headers).some(([k, v]) => k.toLowerCase() === "content-type" && v.startsWith("text/event-stream"));
}

async function send(res: ServerResponse, fixture: WireFixture): Promise<void> {
  res.writeHead(fixture.status, fixture.headers);
  if (!isEventStream(fixture)) {
    res.end(fixture.body);
    return;
  }
  const events = fixture.body.toString("utf8").split(/(?<=\n\n)/);
  for (const event of events) {
    if (res.destroyed) return;
    res.write(event);
    // Lets each event leave in its own packet.
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}

/** Starts a replay server on an ephemeral loopback port; `routes` are initial `answer` calls. */
export async function startReplayServer(routes: Record<string, string | string[]> = {}): Promise<ReplayServer> {
  const queues = new Map<string, WireFixture[]>();
  const requests: ReplayedRequest[] = [];
  const answer = (route: string, ...names: string[]) => void queues.set(route, names.map(loadWireFixture));
  for (const [route, names] of Object.entries(routes)) answer(route, ...(Array.isArray(names) ? names : [names]));

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://replay").pathname;
      requests.push({ method: req.method ?? "GET", path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const queue = queues.get(`${req.method} ${path}`);
      const fixture = queue && queue.length > 1 ? queue.shift() : queue?.[0];
      if (!fixture) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `no fixture for ${req.method} ${path}`, type: "not_found", code: null } }));
        return;
      }
      void send(res, fixture);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    requests,
    count: (route) => requests.filter((r) => `${r.method} ${r.path}` === route).length,
    answer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
