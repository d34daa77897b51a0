import { describe, expect, it } from "vitest";
import { AIGatewayStreamError } from "../../src/gateway/errors.js";
import { readChatCompletionChunks } from "../../src/gateway/sse.js";

const enc = new TextEncoder();
async function* bytes(...parts: (string | Uint8Array)[]) {
  for (const p of parts) yield typeof p === "string" ? enc.encode(p) : p;
}
const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

async function collect(body: AsyncIterable<Uint8Array>): Promise<string> {
  let text = "";
  for await (const c of readChatCompletionChunks(body, { host: "gw" })) text += c.choices[0]?.delta?.content ?? "";
  return text;
}

describe("readChatCompletionChunks", () => {
  it("reads chunks until [DONE], skipping comments, with CRLF framing", async () => {
    const crlf = (s: string) => s.replace(/\n/g, "\r\n");
    const text = await collect(bytes(": keep-alive\n\n", crlf(chunk("Hello ")), crlf(chunk("world", "stop")), "data: [DONE]\r\n\r\n"));
    expect(text).toBe("Hello world");
  });

  it("reassembles a multi-byte character split across network chunks", async () => {
    const event = enc.encode(chunk("héllo 🎉 日本", "stop") + "data: [DONE]\n\n");
    const emoji = event.indexOf(0xf0); // first byte of the 4-byte emoji
    const text = await collect(bytes(event.slice(0, emoji + 2), event.slice(emoji + 2)));
    expect(text).toBe("héllo 🎉 日本");
  });

  it("accepts a stream that ends after finish_reason without [DONE]", async () => {
    expect(await collect(bytes(chunk("a"), chunk("b", "stop")))).toBe("ab");
  });

  it.each([
    ["truncated", [chunk("a")], "stream_truncated"],
    ["malformed", [chunk("a"), "data: {not json\n\n"], "malformed_chunk"],
    ["error event", [chunk("a"), 'event: error\ndata: {"error":{"message":"boom"}}\n\n'], "stream_error_event"],
    ["error payload", [chunk("a"), 'data: {"error":{"message":"upstream failed","code":"x"}}\n\n'], "stream_error_event"],
  ])("raises a typed error when %s", async (_name, parts, code) => {
    const seen: string[] = [];
    const run = async () => {
      for await (const c of readChatCompletionChunks(bytes(...parts), { host: "gw", requestId: "req_1" })) {
        seen.push(c.choices[0]?.delta?.content ?? "");
      }
    };
    await expect(run()).rejects.toSatisfy((e: unknown) => e instanceof AIGatewayStreamError && e.code === code && e.message.includes("req_1"));
    expect(seen).toEqual(["a"]);
  });
});
