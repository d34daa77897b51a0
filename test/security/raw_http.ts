/**
 * Raw HTTP/1.1 over a TCP socket, for requests no well-behaved client would send (bare LF or
 * CR in a header, folded headers, oversized headers, bodies that disagree with their framing).
 */
import { connect } from "node:net";

/** What came back on the socket. */
export interface RawResponse {
  /** Status code of the first response line, or 0 when nothing parsable came back. */
  status: number;
  /** The response head (status line and headers), lower-cased header names kept as sent. */
  head: string;
  body: string;
}

/**
 * Writes `request` (with `Connection: close` expected in it) to 127.0.0.1:`port` and reads until
 * the server closes the connection or `timeoutMs` passes. A reset after the response is normal
 * (the server may close while the client is still writing) and is not an error.
 */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 5_000): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const head = split < 0 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: split < 0 ? "" : text.slice(split + 4) });
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("end", done);
    socket.on("close", done);
    socket.on("error", () => undefined);
    socket.on("connect", () => socket.write(request));
  });
}
