/**
 * stdin for the MCP stdio transport, with a size limit per message. The SDK's transport holds
 * a line until its newline and, past its buffer limit, closes itself, which ended the server
 * with exit code 0 and nothing said. Here a line over the limit is dropped while it streams in
 * (never held whole), the client gets a JSON-RPC error, and the lines after it are served.
 */
import { PassThrough, type Readable } from "node:stream";

/** The largest message accepted on stdin: the SDK transport's own buffer limit (10 MiB). */
export const MAX_STDIO_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * `input` with every complete line passed on as its own chunk (so the SDK's buffer never holds
 * more than one message), and each line longer than `maxBytes` replaced by a call to
 * `onOversize` with its size once its newline arrives.
 */
export function limitLines(input: Readable, maxBytes: number, onOversize: (bytes: number) => void): Readable {
  const out = new PassThrough();
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** Bytes of the current line seen so far, once it is known to be over the limit. */
  let dropped: number | undefined;
  input.on("data", (chunk: Buffer) => {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start);
      const end = newline === -1 ? chunk.length : newline + 1;
      const piece = chunk.subarray(start, end);
      start = end;
      if (dropped !== undefined) dropped += piece.length;
      else if (pendingBytes + piece.length - (newline === -1 ? 0 : 1) > maxBytes) {
        dropped = pendingBytes + piece.length;
        pending = [];
        pendingBytes = 0;
      } else {
        pending.push(piece);
        pendingBytes += piece.length;
      }
      if (newline === -1) break;
      if (dropped !== undefined) {
        // The newline counts as part of the line read, not of the message.
        onOversize(dropped - 1);
        dropped = undefined;
      } else {
        out.write(pending.length === 1 ? pending[0] : Buffer.concat(pending));
        pending = [];
        pendingBytes = 0;
      }
    }
  });
  input.on("end", () => {
    if (pendingBytes > 0) out.write(Buffer.concat(pending));
    out.end();
  });
  input.on("error", (err) => out.destroy(err));
  return out;
}

/**
 * The JSON-RPC error line answering a message that was too large to read. Its id could not be
 * read either, so the error has none, as the MCP schema allows for an unattributable error.
 */
export function oversizeReply(bytes: number, maxBytes: number): string {
  const message = `The message of ${bytes} bytes is larger than the limit of ${maxBytes} bytes and was not read; send a smaller message.`;
  return `${JSON.stringify({ jsonrpc: "2.0", error: { code: -32600, message } })}\n`;
}
