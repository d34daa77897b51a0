/**
 * A loopback stand-in for a third-party OpenAI-compatible gateway we did not write (unlike the
 * emulator): an OAuth2 token endpoint, `GET /v1/models` and `POST /v1/chat/completions`, each
 * scripted per request from a FIFO so a test can make the next answer an error, a hang or a
 * stream cut off mid-answer. With an empty queue it answers "stub answer".
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ProviderRegistry } from "../../src/providers/index.js";
import { silentLogger } from "./gateway.js";

/** A scripted answer of the chat endpoint: a raw status/body, or a stream of deltas. */
export interface StubChatAnswer {
  /** HTTP status of a raw answer (default 200). */
  status?: number;
  /** Body of a raw answer: JSON-encoded unless a string. */
  body?: unknown;
  /** Extra response headers (an `x-request-id` here replaces the stub's own). */
  headers?: Record<string, string>;
  /** Stream these content deltas as SSE instead of a raw answer. */
  stream?: string[];
  /** With `stream`: destroy the socket after the deltas, without finish_reason or [DONE]. */
  cut?: boolean;
  /** With `stream`: send no usage chunk (a gateway that does not report usage). */
  noUsage?: boolean;
  /** Never answer (the connection is dropped by `close()`): a gateway that accepts and stalls. */
  hang?: boolean;
}

/** A scripted answer of the token endpoint: an error, or a request that is never answered. */
export interface StubTokenAnswer {
  status?: number;
  body?: unknown;
  /** Never answer (the connection is dropped by `close()`). */
  hang?: boolean;
}

/** A running stub gateway. */
export interface StubGateway {
  /** Origin, e.g. http://127.0.0.1:43210 (the API is under /v1). */
  baseUrl: string;
  /** The OAuth2 token endpoint. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Model ids listed by GET /v1/models. */
  models: string[];
  /** Requests received per endpoint. */
  readonly chatRequests: number;
  readonly tokenRequests: number;
  readonly modelsRequests: number;
  /** Parsed body of the last chat request. */
  readonly lastChatBody?: Record<string, unknown>;
  /** The `model` of every chat request, in order (one tier's model per entry). */
  readonly chatModels: readonly string[];
  /** Scripts the next chat answer. */
  enqueueChat(answer: StubChatAnswer): void;
  /** Scripts the next token answer. */
  enqueueToken(answer: StubTokenAnswer): void;
  /** Stops the server, dropping hanging requests. */
  close(): Promise<void>;
}

/** Starts a stub gateway on an ephemeral loopback port. */
export async function startStubGateway(
  options: {
    clientId?: string;
    clientSecret?: string;
    models?: string[];
    /** Entries GET /v1/models serves as they are, instead of ones built from `models` (vendor-shaped lists, e.g. Azure deployments). */
    modelEntries?: Record<string, unknown>[];
  } = {},
): Promise<StubGateway> {
  const clientId = options.clientId ?? "stub-client";
  const clientSecret = options.clientSecret ?? "stub-secret-5f1c2e9a";
  const models = options.models ?? ["gpt-5-mini", "gpt-5.1", "gpt-5.1-pro"];
  const chatQueue: StubChatAnswer[] = [];
  const tokenQueue: StubTokenAnswer[] = [];
  const issued = new Set<string>();
  const counts = { chat: 0, token: 0, models: 0, ids: 0 };
  let lastChatBody: Record<string, unknown> | undefined;
  const chatModels: string[] = [];

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", "x-request-id": `req_stub_${++counts.ids}`, ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };

  const onToken = (req: IncomingMessage, res: ServerResponse, text: string) => {
    counts.token++;
    const scripted = tokenQueue.shift();
    if (scripted?.hang) return; // left open on purpose
    if (scripted) return send(res, scripted.status ?? 400, scripted.body ?? { error: "invalid_request" });
    const form = new URLSearchParams(text);
    let id = form.get("client_id");
    let secret = form.get("client_secret");
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? "");
    if (basic) {
      const [u, p] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
      [id, secret] = [decodeURIComponent(u ?? ""), decodeURIComponent(p ?? "")];
    }
    if (form.get("grant_type") !== "client_credentials") return send(res, 400, { error: "unsupported_grant_type" });
    if (id !== clientId || secret !== clientSecret) return send(res, 401, { error: "invalid_client" });
    const token = `stub-token-${counts.token}-${Math.random().toString(36).slice(2)}`;
    issued.add(token);
    send(res, 200, { access_token: token, token_type: "Bearer", expires_in: 3600 });
  };

  const onChat = (res: ServerResponse, body: Record<string, unknown>) => {
    counts.chat++;
    lastChatBody = body;
    const model = typeof body.model === "string" ? body.model : "stub-model";
    chatModels.push(model);
    const scripted = chatQueue.shift();
    if (scripted?.hang) return; // left open on purpose
    if (scripted && !scripted.stream) return send(res, scripted.status ?? 200, scripted.body ?? {}, scripted.headers);
    const base = { id: `chatcmpl-stub-${counts.chat}`, created: 1_700_000_000, model };
    const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
    if (body.stream !== true && !scripted) {
      const message = { role: "assistant", content: "stub answer", refusal: null };
      return send(res, 200, { ...base, object: "chat.completion", choices: [{ index: 0, message, finish_reason: "stop", logprobs: null }], usage });
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-request-id": `req_stub_${++counts.ids}`, ...scripted?.headers });
    const event = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices, ...extra })}\n\n`);
    const deltas = scripted?.stream ?? ["stub ", "answer"];
    deltas.forEach((content, i) => event([{ index: 0, delta: i === 0 ? { role: "assistant", content } : { content }, finish_reason: null }]));
    if (scripted?.cut) {
      // Let the deltas reach the client, then drop the connection mid-answer.
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    event([{ index: 0, delta: {}, finish_reason: "stop" }]);
    if (!scripted?.noUsage) event([], { usage });
    res.end("data: [DONE]\n\n");
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const path = new URL(req.url ?? "/", "http://stub").pathname;
      if (req.method === "POST" && path === "/oauth2/token") return onToken(req, res, text);
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
      if (!bearer || !issued.has(bearer)) return send(res, 401, { error: { message: "invalid or missing token", type: "invalid_request_error", code: "invalid_token" } });
      if (req.method === "GET" && path === "/v1/models") {
        counts.models++;
        const data = options.modelEntries ?? models.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "stub" }));
        return send(res, 200, { object: "list", data });
      }
      if (req.method === "POST" && path === "/v1/chat/completions") {
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          return send(res, 400, { error: { message: "body is not JSON", type: "invalid_request_error", code: null } });
        }
        return onChat(res, body);
      }
      send(res, 404, { error: { message: `no route ${req.method} ${path}`, type: "not_found", code: null } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    tokenUrl: `${baseUrl}/oauth2/token`,
    clientId,
    clientSecret,
    models,
    get chatRequests() {
      return counts.chat;
    },
    get tokenRequests() {
      return counts.token;
    },
    get modelsRequests() {
      return counts.models;
    },
    get lastChatBody() {
      return lastChatBody;
    },
    get chatModels() {
      return chatModels;
    },
    enqueueChat: (answer) => void chatQueue.push(answer),
    enqueueToken: (answer) => void tokenQueue.push(answer),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Environment pointing the gateway provider (and nothing else) at `stub`, with no client retries. */
export function stubGatewayEnv(stub: StubGateway): Record<string, string> {
  return {
    AI_GATEWAY_BASE_URL: stub.baseUrl,
    AI_GATEWAY_TOKEN_URL: stub.tokenUrl,
    AI_GATEWAY_CLIENT_ID: stub.clientId,
    AI_GATEWAY_CLIENT_SECRET: stub.clientSecret,
    AI_GATEWAY_MAX_RETRIES: "0",
    PROVIDER_ORDER: "gateway",
  };
}

/** A registry whose only provider is `stub`'s gateway (discovery off, silent); the caller closes it. */
export function stubRegistry(stub: StubGateway, extra: Record<string, string> = {}): ProviderRegistry {
  return new ProviderRegistry({ env: { ...stubGatewayEnv(stub), ...extra }, logger: silentLogger, discovery: { enabled: false } });
}
