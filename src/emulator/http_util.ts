/**
 * Small HTTP helpers shared by the emulator's handlers: bounded body reading, JSON answers,
 * abortable sleeps and header parsing. Plain `node:http`, no framework.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { AIGatewayAgentsError } from "../errors.js";

/** Largest request body accepted; bigger ones get 413 like the real gateway. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Thrown by readBody when the body exceeds the limit. */
export class BodyTooLargeError extends AIGatewayAgentsError {
  override readonly name = "BodyTooLargeError";
  constructor(message: string) {
    super(message, { code: "payload_too_large", status: 413 });
  }
}

/** Reads the whole request body, refusing (without buffering it) anything over `limit` bytes. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError("request body too large"));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(new BodyTooLargeError("request body too large"));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on("error", (err) => {
      if (!failed) reject(err);
    });
  });
}

/** Sends a JSON response with an exact content-length. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Resolves true after `ms`, or false as soon as `signal` aborts (so timers never outlive a closed socket). */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** First value of a request header (names are case-insensitive: node lower-cases them). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether a boolean-ish header ("1", "true", "yes") is set. */
export function headerFlag(req: IncomingMessage, name: string): boolean {
  const value = header(req, name)?.trim().toLowerCase();
  return value === "1" || value === "true" || value === "yes";
}

/** A non-negative number from a header, or undefined when absent or not a number. */
export function headerNumber(req: IncomingMessage, name: string): number | undefined {
  const raw = header(req, name);
  if (raw === undefined || raw.trim() === "") return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Sends the response headers now and destroys the socket right after they left, so the
 * client sees a 200 whose body breaks. The short delay lets the kernel take the headers.
 */
export function destroyAfterHeaders(res: ServerResponse, status: number, headers: Record<string, string>): void {
  res.writeHead(status, headers);
  res.flushHeaders();
  setTimeout(() => res.socket?.destroy(), 10).unref();
}
