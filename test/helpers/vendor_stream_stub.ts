/**
 * A loopback server in the shape of the Anthropic, Gemini and Ollama APIs, streaming a fixed
 * answer the way each vendor streams: Anthropic's and Gemini's server-sent events, Ollama's
 * newline-delimited JSON. Enough for a whole CLI run through each vendor's LangChain package,
 * model discovery included. Each answer names its vendor.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface VendorStreamStub {
  url: string;
  /** "METHOD path" of every request, in order. */
  requests: string[];
  close(): Promise<void>;
}

export const answerFrom = (vendor: string) => `stub answer from ${vendor}`;

function sse(res: ServerResponse, events: { event?: string; data: unknown }[]): void {
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const e of events) res.write(`${e.event ? `event: ${e.event}\n` : ""}data: ${JSON.stringify(e.data)}\n\n`);
  res.end();
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function anthropicStream(res: ServerResponse, model: string): void {
  const usage = { input_tokens: 3, output_tokens: 4 };
  sse(res, [
    { event: "message_start", data: { type: "message_start", message: { id: "msg_stub", type: "message", role: "assistant", model, content: [], stop_reason: null, usage } } },
    { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } } },
    { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: answerFrom("anthropic") } } },
    { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
    { event: "message_delta", data: { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 4 } } },
    { event: "message_stop", data: { type: "message_stop" } },
  ]);
}

function geminiStream(res: ServerResponse): void {
  sse(res, [
    {
      data: {
        candidates: [{ content: { role: "model", parts: [{ text: answerFrom("gemini") }] }, finishReason: "STOP", index: 0 }],
        usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 },
      },
    },
  ]);
}

function ollamaStream(res: ServerResponse, model: string): void {
  const at = "2025-01-01T00:00:00Z";
  res.writeHead(200, { "content-type": "application/x-ndjson" });
  res.write(JSON.stringify({ model, created_at: at, message: { role: "assistant", content: answerFrom("ollama") }, done: false }) + "\n");
  res.end(JSON.stringify({ model, created_at: at, message: { role: "assistant", content: "" }, done: true, done_reason: "stop", prompt_eval_count: 3, eval_count: 2 }) + "\n");
}

export async function startVendorStreamStub(): Promise<VendorStreamStub> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://stub");
      requests.push(`${req.method} ${url.pathname}`);
      const text = Buffer.concat(chunks).toString("utf8");
      const body = (text ? JSON.parse(text) : {}) as { model?: string };
      if (url.pathname === "/v1/models") return json(res, 200, { data: [{ id: "claude-haiku-4-5", type: "model" }, { id: "claude-sonnet-4-6", type: "model" }], has_more: false });
      if (url.pathname === "/v1/messages") return anthropicStream(res, String(body.model));
      if (url.pathname === "/v1beta/models") return json(res, 200, { models: [{ name: "models/gemini-2.5-flash" }, { name: "models/gemini-2.5-pro" }] });
      if (url.pathname.startsWith("/v1beta/models/") && url.pathname.endsWith(":streamGenerateContent")) return geminiStream(res);
      if (url.pathname === "/api/tags") return json(res, 200, { models: [{ name: "llama3.1:latest" }, { name: "qwen3:4b" }] });
      if (url.pathname === "/api/chat") return ollamaStream(res, String(body.model));
      json(res, 404, { error: "not found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
