/**
 * ChatCompletionStream: the async iterable returned by `streamChatCompletion`. It only parses.
 * The client opens it through its one retry loop, whose attempts each last until the first chunk
 * is decoded (or the answer ended empty), so a failure before that is the client's to retry. Once
 * a chunk is in hand the stream just reads and decodes, and a failure is raised as it is: part of
 * the answer has reached the caller, and a retry would repeat it.
 *
 * It is a hand-written iterator rather than an async generator: chunks decoded from one
 * network read are handed out from a buffer with one resolved promise each, which at 10,000
 * chunks per answer is measurably cheaper than a generator's per-yield machinery.
 */
import type { Dispatcher } from "undici";
import { AIGatewayAbortError } from "./errors.js";
import { isAbortError, toGatewayError } from "./network_errors.js";
import { isJsonResponse, readJsonAnswer } from "./completion_chunks.js";
import { isSimulatedResponse, responseRequestId } from "./response_meta.js";
import { ChatCompletionChunkDecoder } from "./sse.js";
import type { ChatCompletionChunk } from "./wire.js";

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/** Reads the start of one attempt's 2xx response: its first chunks, or undefined when the answer was empty. */
export type StreamStart = (res: Dispatcher.ResponseData) => Promise<ChatCompletionChunk[] | undefined>;

/** Sends the request and runs `start` on each attempt's 2xx response, under the client's retry policy, until one succeeds. */
export type StreamOpener = (start: StreamStart) => Promise<ChatCompletionChunk[] | undefined>;

/** An async iterable of chunks for one streamed completion. Iterate it once; `requestId` is set once headers arrive. */
export class ChatCompletionStream implements AsyncIterable<ChatCompletionChunk>, AsyncIterator<ChatCompletionChunk, undefined> {
  /** The gateway's request id of the attempt that is streaming. */
  requestId?: string;
  /** Whether this project's emulator is answering (it says so in SIMULATED_HEADER). */
  simulated = false;
  private started = false;
  private opened = false;
  private finished = false;
  private buffer: ChatCompletionChunk[] = [];
  private index = 0;
  private res?: Dispatcher.ResponseData;
  private reader?: AsyncIterator<Buffer>;
  private decoder?: ChatCompletionChunkDecoder;
  /** The whole answer came as one JSON body and has been handed out. */
  private answered = false;

  /**
   * Made by `AIGatewayClient.streamChatCompletion`. `host` names the gateway in messages; `sse`
   * false means the request asked for a plain JSON answer (AI_GATEWAY_STREAMING=false).
   */
  constructor(
    private readonly open: StreamOpener,
    private readonly host: string,
    private readonly signal: AbortSignal | undefined,
    private readonly sse = true,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<ChatCompletionChunk, undefined> {
    if (this.started) throw new Error("A ChatCompletionStream can be iterated only once.");
    this.started = true;
    return this;
  }

  /** The next chunk: from the buffer when one is waiting, else from the network. */
  next(): Promise<IteratorResult<ChatCompletionChunk, undefined>> {
    if (this.index < this.buffer.length) return Promise.resolve({ value: this.buffer[this.index++], done: false });
    if (this.finished) return Promise.resolve(DONE);
    return this.fill();
  }

  /** Stops early (a `break` in for-await): closes the request. */
  return(): Promise<IteratorResult<ChatCompletionChunk, undefined>> {
    this.finish();
    return Promise.resolve(DONE);
  }

  private async fill(): Promise<IteratorResult<ChatCompletionChunk, undefined>> {
    let chunks: ChatCompletionChunk[] | undefined;
    try {
      if (this.opened) {
        // Inlined readChunks(): one async frame less per network read on the hot path.
        do chunks = await this.read();
        while (chunks !== undefined && chunks.length === 0);
      } else {
        this.opened = true;
        chunks = await this.open((res) => this.begin(res));
      }
    } catch (err) {
      // From `open` this is the retry loop's final, typed error; later it is raised unretried.
      this.finish();
      if (isAbortError(err, this.signal)) throw new AIGatewayAbortError();
      throw toGatewayError(err, this.host, "the AI gateway");
    }
    if (chunks === undefined || chunks.length === 0) {
      this.finish();
      return DONE;
    }
    this.buffer = chunks;
    this.index = 1;
    return { value: chunks[0], done: false };
  }

  /** One attempt's start: takes its response and reads up to the first chunks. */
  private async begin(res: Dispatcher.ResponseData): Promise<ChatCompletionChunk[] | undefined> {
    this.res = res;
    this.requestId = responseRequestId(res.headers);
    this.simulated = isSimulatedResponse(res.headers);
    const ctx = { host: this.host, requestId: this.requestId };
    try {
      // A JSON answer (a gateway without SSE, or streaming switched off) is the whole answer at once.
      if (!this.sse || isJsonResponse(res)) {
        const chunks = await readJsonAnswer(res, ctx);
        this.answered = true;
        return chunks;
      }
      this.decoder = new ChatCompletionChunkDecoder(ctx);
      this.reader = (res.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      return await this.readChunks();
    } catch (err) {
      // This attempt is over: free its connection before the client makes another.
      this.closeResponse();
      throw err;
    }
  }

  /** The chunks of the next network reads that completed any, or undefined at the end. */
  private async readChunks(): Promise<ChatCompletionChunk[] | undefined> {
    for (;;) {
      const chunks = await this.read();
      if (chunks === undefined || chunks.length > 0) return chunks;
    }
  }

  /** Chunks from the next network read ([] when it completed none), or undefined at the end. */
  private async read(): Promise<ChatCompletionChunk[] | undefined> {
    if (this.answered) return undefined;
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
