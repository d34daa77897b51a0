/** Helpers of the server tests: temp stores, log capture, loopback servers that count connections, a fake gateway. */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { MemorySaver } from "@langchain/langgraph";
import type { FastifyInstance } from "fastify";
import { createLogger, type Logger } from "../../src/logging/index.js";
import { buildServer, type ServerOptions } from "../../src/server/app.js";

/** A long enough admin key for tests. */
export const ADMIN_KEY = "test-admin-key-0123456789abcdef";
/** A data-plane key for tests. */
export const API_KEY = "test-data-plane-key-0123456789";

/** A temporary directory removed by `cleanup`. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "server-test-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A JSON logger whose raw lines are kept. */
export function captureLogger(level = "debug"): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger({ level, format: "json", destination }), lines };
}

/** Builds a server with an in-memory checkpointer and a store in `dir`. */
export async function build(dir: string, env: Record<string, string> = {}, options: ServerOptions = {}): Promise<FastifyInstance> {
  return buildServer({
    env: { CONFIG_STORE_PATH: join(dir, "providers.json"), ...env },
    logger: options.logger ?? createLogger({ level: "silent", format: "json" }),
    checkpointer: new MemorySaver(),
    ...options,
  });
}

/** A loopback HTTP server that counts TCP connections (so a test can prove none was made). */
export interface CountingServer {
  url: string;
  port: number;
  connections(): number;
  requests: { method: string; url: string }[];
  close(): Promise<void>;
}

/** Starts a counting server on 127.0.0.1 with an ephemeral port. */
export async function countingServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<CountingServer> {
  let connections = 0;
  const requests: { method: string; url: string }[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "" });
    handler(req, res);
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => connections,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Reads a request body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += String(chunk);
  return body;
}

/**
 * A minimal OAuth2 + OpenAI-compatible gateway that issues one known access token, so a test
 * can look for that exact token in logs and responses.
 */
export async function fakeGateway(creds: { clientId: string; clientSecret: string; token: string }): Promise<CountingServer> {
  return countingServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "POST" && req.url === "/oauth2/token") {
      void readBody(req).then(() => {
        // RFC 6749 2.3.1: both parts are form-urlencoded before base64.
        const decoded = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString();
        const [id, secret] = decoded.split(":").map((p) => decodeURIComponent(p.replace(/\+/g, " ")));
        if (id !== creds.clientId || secret !== creds.clientSecret) {
          json(401, { error: "invalid_client", error_description: "UPSTREAM-DETAIL: bad client credentials" });
          return;
        }
        json(200, { access_token: creds.token, token_type: "Bearer", expires_in: 3600 });
      });
      return;
    }
    if (req.method === "GET" && req.url === "/v1/models") {
      if (req.headers.authorization !== `Bearer ${creds.token}`) {
        json(401, { error: { message: "UPSTREAM-DETAIL: bad token", type: "invalid_request_error", code: "invalid_api_key" } });
        return;
      }
      json(200, { object: "list", data: [{ id: "gpt-5.1", object: "model" }, { id: "gpt-5.1-chat-latest", object: "model" }] });
      return;
    }
    json(404, { error: { message: "not here" } });
  });
}
