/**
 * ChatCompletionStream: the async iterable returned by `streamChatCompletion`.
 *
 * It is a hand-written iterator rather than an async generator: chunks decoded from one
 * network read are handed out from a buffer with one resolved promise each, which at 10,000
 * chunks per answer is measurably cheaper than a generator's per-yield machinery. A failure is
 * retried (through the client's retry policy) only while no chunk has reached the caller.
 */
import type { Dispatcher } from "undici";
import { headerValue, type AIGatewayClient, type RequestOptions, type RetryState } from "./client.js";
import { AIGatewayAbortError, AIGatewayError } from "./errors.js";
import { isAbortError, toGatewayError } from "./network_errors.js";
import { ChatCompletionChunkDecoder } from "./sse.js";
import { REQUEST_ID_HEADER, SIMULATED_HEADER, type ChatCompletionChunk } from "./wire.js";

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/** An async iterable of chunks for one streamed completion. Iterate it once; `requestId` is set once headers arrive. */
export class ChatCompletionStream implements AsyncIterable<ChatCompletionChunk>, AsyncIterator<ChatCompletionChunk, undefined> {
  /** The gateway's request id of the attempt that is streaming. */
  requestId?: string;
  /** Whether this project's emulator is answering (it says so in SIMULATED_HEADER). */
  simulated = false;
  private started = false;
  private finished = false;
  private yielded = false;
  private buffer: ChatCompletionChunk[] = [];
  private index = 0;
  private res?: Dispatcher.ResponseData;
  private reader?: AsyncIterator<Buffer>;
  private decoder?: ChatCompletionChunkDecoder;
  private state?: RetryState;

  constructor(
    private readonly client: AIGatewayClient,
    private readonly body: string,
    private readonly options: RequestOptions,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<ChatCompletionChunk, undefined> {
    if (this.started) throw new Error("A ChatCompletionStream can be iterated only once.");
    this.started = true;
    return this;
  }

  /** The next chunk: from the buffer when one is waiting, else from the network. */
  next(): Promise<IteratorResult<ChatCompletionChunk, undefined>> {
    if (this.index < this.buffer.length) {
      this.yielded = true;
      return Promise.resolve({ value: this.buffer[this.index++], done: false });
    }
    if (this.finished) return Promise.resolve(DONE);
    return this.fill();
  }

  /** Stops early (a `break` in for-await): closes the request. */
  return(): Promise<IteratorResult<ChatCompletionChunk, undefined>> {
    this.finish();
    return Promise.resolve(DONE);
  }

  private async fill(): Promise<IteratorResult<ChatCompletionChunk, undefined>> {
    for (;;) {
      try {
        const chunks = await this.read();
        if (chunks === undefined) {
          this.finish();
          return DONE;
        }
        if (chunks.length === 0) continue;
        this.buffer = chunks;
        this.index = 1;
        this.yielded = true;
        return { value: chunks[0], done: false };
      } catch (err) {
        this.closeResponse();
        if (isAbortError(err, this.options.signal)) {
          this.finish();
          throw new AIGatewayAbortError();
        }
        if (this.yielded) {
          // Part of the answer already reached the caller: a retry would duplicate it.
          this.finish();
          throw err instanceof AIGatewayError ? err : toGatewayError(err, this.client.hostForMessages, "the AI gateway");
        }
        this.state ??= this.client.retryState(this.options);
        try {
          await this.client.beforeRetry(err, this.state, this.options.signal);
        } catch (final) {
          this.finish();
          throw final;
        }
      }
    }
  }

  /** Chunks from the next network read ([] when it completed none), or undefined at the end. */
  private async read(): Promise<ChatCompletionChunk[] | undefined> {
    if (!this.res) {
      if (this.options.signal?.aborted) throw new AIGatewayAbortError();
      const { res } = await this.client.attempt("POST", "/chat/completions", this.body, this.options, true);
      this.res = res;
      this.requestId = headerValue(res.headers[REQUEST_ID_HEADER]);
      this.simulated = headerValue(res.headers[SIMULATED_HEADER]) === "simulated";
      this.decoder = new ChatCompletionChunkDecoder({ host: this.client.hostForMessages, requestId: this.requestId });
      this.reader = (res.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    }
    const decoder = this.decoder!;
    // A failure found in the previous read is raised once the chunks before it were handed out.
    decoder.check();
    if (decoder.done) return undefined;
    const step = await this.reader!.next();
    if (step.done) {
      const last = decoder.end();
      decoder.check();
      return last.length > 0 ? last : undefined;
    }
    return decoder.push(step.value);
  }

  private closeResponse(): void {
    const res = this.res;
    this.res = undefined;
    this.reader = undefined;
    if (res && !res.body.destroyed) res.body.destroy();
  }

  private finish(): void {
    this.finished = true;
    this.buffer = [];
    this.index = 0;
    this.closeResponse();
  }
}
