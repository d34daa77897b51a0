/**
 * Server-sent events writer. Besides plain `data: <json>\n\n` framing it can produce the odd
 * framings real proxies emit (CRLF line ends, keep-alive comments, a multi-byte character
 * split across network chunks) so client parsers can be tested against them.
 */
import type { ServerResponse } from "node:http";
import { sleep } from "./http_util.js";

/** Optional odd framings, each switched on by an `x-emulator-sse-*` request header. */
export interface SseFraming {
  /** Use "\r\n" line endings. */
  crlf?: boolean;
  /** Put a `: keep-alive` comment before every event. */
  comments?: boolean;
  /** Write each event in two network chunks, split inside a multi-byte UTF-8 character. */
  splitUtf8?: boolean;
}

/** Timing of a stream: wait before the first event, and between later events. */
export interface SsePacing {
  firstDelayMs: number;
  betweenMs: number;
}

/** Headers of an SSE response. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
};

// Gap between the two halves of a split event, long enough to leave as separate TCP segments.
const SPLIT_GAP_MS = 5;

/** Byte offset that cuts a multi-byte UTF-8 character in two, or the middle when there is none. */
export function splitPoint(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    // A lead byte (11xxxxxx) starts a multi-byte sequence; cutting right after it splits the character.
    if (bytes[i] >= 0xc0) return i + 1;
  }
  return Math.max(1, Math.floor(bytes.length / 2));
}

/** Writes SSE events to one response with the requested framing and pacing. */
export class SseWriter {
  private readonly eol: string;

  constructor(
    private readonly res: ServerResponse,
    private readonly framing: SseFraming = {},
    private readonly signal?: AbortSignal,
  ) {
    this.eol = framing.crlf ? "\r\n" : "\n";
  }

  /** One event as text: an optional keep-alive comment, then `data: <payload>` and a blank line. */
  frame(data: string): string {
    const comment = this.framing.comments ? `: keep-alive${this.eol}${this.eol}` : "";
    return `${comment}data: ${data}${this.eol}${this.eol}`;
  }

  /** Whether the client is still there to receive more. */
  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded && !(this.signal?.aborted ?? false);
  }

  /**
   * Writes the events; with no delays and no split framing everything goes out in one write
   * (benchmarks need zero per-chunk overhead). Ends the response when `end` is set.
   * Resolves false when the client went away before everything was written.
   */
  async send(events: readonly string[], pacing: SsePacing, end: boolean): Promise<boolean> {
    if (!this.open) return false;
    if (pacing.firstDelayMs <= 0 && pacing.betweenMs <= 0 && !this.framing.splitUtf8) {
      const text = events.map((e) => this.frame(e)).join("");
      if (end) this.res.end(text);
      else if (text.length > 0) this.res.write(text);
      return true;
    }
    if (!(await sleep(pacing.firstDelayMs, this.signal))) return false;
    // Without per-token delay, the rest is batched after the first-token wait.
    if (pacing.betweenMs <= 0 && !this.framing.splitUtf8) return this.send(events, { firstDelayMs: 0, betweenMs: 0 }, end);
    for (let i = 0; i < events.length; i++) {
      if (i > 0 && !(await sleep(pacing.betweenMs, this.signal))) return false;
      if (!this.open) return false;
      if (!(await this.writeEvent(events[i]))) return false;
    }
    if (end && this.open) this.res.end();
    return true;
  }

  /** Writes raw text (used for deliberately malformed lines). */
  writeRaw(text: string): void {
    if (this.open) this.res.write(text);
  }

  private async writeEvent(data: string): Promise<boolean> {
    const text = this.frame(data);
    if (!this.framing.splitUtf8) {
      this.res.write(text);
      return true;
    }
    const bytes = Buffer.from(text, "utf8");
    const cut = splitPoint(bytes);
    this.res.write(bytes.subarray(0, cut));
    if (!(await sleep(SPLIT_GAP_MS, this.signal)) || !this.open) return false;
    this.res.write(bytes.subarray(cut));
    return true;
  }
}
