/**
 * Server-sent events of a chat completion stream -> typed chunks.
 *
 * Bytes are decoded with a streaming TextDecoder, so a multi-byte UTF-8 character split
 * across network chunks is reassembled; eventsource-parser does the SSE framing (CRLF,
 * comments, multi-line data). The stream must end with `[DONE]` or a `finish_reason`;
 * anything else is a truncation and raises instead of returning partial text as complete.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { AIGatewayStreamError } from "./errors.js";
import type { ChatCompletionChunk } from "./wire.js";

/** Context for error messages. */
export interface StreamContext {
  host: string;
  requestId?: string;
}

/**
 * Incremental decoder: feed it network chunks, get parsed completion chunks back. It is
 * synchronous so the stream needs one async step per chunk, not one per layer.
 */
export class ChatCompletionChunkDecoder {
  /** True once `[DONE]` arrived; later bytes are ignored. */
  done = false;
  private finished = false;
  private failure?: AIGatewayStreamError;
  private readonly decoder = new TextDecoder("utf-8");
  private pending: ChatCompletionChunk[] = [];
  private readonly parser;

  constructor(private readonly ctx: StreamContext) {
    this.parser = createParser({
      onEvent: (event) => this.onEvent(event),
      onError: () => this.fail("malformed_chunk", "sent a line that is not valid server-sent events"),
    });
  }

  /** Decodes `bytes` and returns the chunks completed by them; throws a typed error on a bad stream. */
  push(bytes: Uint8Array): ChatCompletionChunk[] {
    if (this.done) return [];
    this.parser.feed(this.decoder.decode(bytes, { stream: true }));
    return this.take();
  }

  /** Call at end of body: returns the last chunks, or throws if the stream was cut short. */
  end(): ChatCompletionChunk[] {
    if (this.done) return [];
    this.parser.feed(this.decoder.decode());
    // A last event without its blank line still counts once the body ended.
    this.parser.feed("\n\n");
    const last = this.take();
    if (!this.done && !this.finished) {
      throw new AIGatewayStreamError(
        `The AI gateway stream from '${this.ctx.host}' ended before it was complete (no [DONE] and no finish_reason); ` +
          `the answer was cut off${this.ctx.requestId ? ` (request id ${this.ctx.requestId})` : ""}.`,
        { code: "stream_truncated", requestId: this.ctx.requestId, retryable: true },
      );
    }
    return last;
  }

  private take(): ChatCompletionChunk[] {
    // Chunks parsed before a failure are still handed out first, so callers see what arrived.
    const out = this.pending;
    this.pending = [];
    if (this.failure && out.length === 0) throw this.failure;
    return out;
  }

  /** Throws the failure that `take()` deferred, if any. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  private fail(code: string, detail: string): void {
    const rid = this.ctx.requestId ? ` (request id ${this.ctx.requestId})` : "";
    this.failure ??= new AIGatewayStreamError(`The AI gateway stream from '${this.ctx.host}' ${detail}${rid}.`, {
      code,
      requestId: this.ctx.requestId,
      retryable: true,
    });
  }

  private onEvent(event: EventSourceMessage): void {
    if (this.done || this.failure) return;
    if (event.data === "[DONE]") {
      this.done = true;
      return;
    }
    if (event.event === "error") return this.fail("stream_error_event", `reported an error mid-stream: ${describeError(event.data)}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      return this.fail("malformed_chunk", "sent a chunk that is not valid JSON");
    }
    if (parsed && typeof parsed === "object" && "error" in parsed && (parsed as { error: unknown }).error) {
      return this.fail("stream_error_event", `reported an error mid-stream: ${describeError(event.data)}`);
    }
    const chunk = parsed as ChatCompletionChunk;
    if (!this.finished && chunk.choices) {
      for (const choice of chunk.choices) if (choice.finish_reason) this.finished = true;
    }
    this.pending.push(chunk);
  }
}

/** Reads chat completion chunks from an SSE body until `[DONE]`. */
export async function* readChatCompletionChunks(
  body: AsyncIterable<Uint8Array>,
  ctx: StreamContext,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  const decoder = new ChatCompletionChunkDecoder(ctx);
  for await (const bytes of body) {
    yield* decoder.push(bytes);
    decoder.check();
    if (decoder.done) return;
  }
  yield* decoder.end();
  decoder.check();
}

function describeError(data: string): string {
  try {
    const parsed = JSON.parse(data) as { error?: { message?: unknown; code?: unknown } | string; message?: unknown };
    const err = parsed.error;
    if (typeof err === "string") return err.slice(0, 300);
    const message = err?.message ?? parsed.message;
    if (typeof message === "string") return message.slice(0, 300) + (typeof err?.code === "string" ? ` [${err.code}]` : "");
  } catch {
    // fall through to the raw text
  }
  return data.slice(0, 300);
}
