/**
 * Error responses of the HTTP API. Every error is `{ error: { code, message, fields? } }`; a
 * stack trace or an upstream body never reaches a client. Unexpected errors are logged through
 * the redacting logger and answered with a generic 500 that carries the request id.
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import { scrubText } from "../logging/index.js";
import { isStoreBusy } from "../../graphs/sqlite_guard.js";
import { AIGatewayAgentsError } from "../errors.js";

/** What a client is told when the checkpoint store stayed busy (another process writing) past the wait. */
export const STORE_BUSY_MESSAGE = "The thread store is busy with other runs' writes; nothing was lost. Retry after the Retry-After delay.";

/** One problem with one field of a request body. */
export interface FieldProblem {
  /** Dotted path of the field, e.g. `credentials.baseUrl`; `(body)` for the body itself. */
  path: string;
  message: string;
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; fields?: FieldProblem[]; requestId?: string; failure?: Record<string, unknown> };
}

/** An error with an HTTP status, a stable code and a message safe to show to the client. */
export class HttpError extends AIGatewayAgentsError {
  override readonly name = "HttpError";
  declare readonly status: number;
  constructor(
    /** HTTP status to answer with (also `status`). */
    readonly statusCode: number,
    /** Stable machine-readable code. */
    code: string,
    message: string,
    /** Per-field problems (validation errors). */
    readonly fields?: FieldProblem[],
    /** Typed details of a failed run (kind, tier, status, provider, request id). */
    readonly failure?: Record<string, unknown>,
  ) {
    super(message, { code, status: statusCode });
  }
}

/** Builds an error body. */
export function errorBody(code: string, message: string, extra: { fields?: FieldProblem[]; requestId?: string; failure?: Record<string, unknown> } = {}): ErrorBody {
  return { error: { code, message, ...extra } };
}

/** Field problems from a zod error: one per issue, one per unknown key. Values are never quoted. */
export function zodFields(error: z.ZodError, prefix: (string | number)[] = []): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const issue of error.issues) {
    const base = [...prefix, ...issue.path.map((p) => (typeof p === "symbol" ? String(p.description) : p))];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ path: [...base, key].join("."), message: "is not a known field" });
    } else {
      out.push({ path: base.join(".") || "(body)", message: issue.message });
    }
  }
  return out;
}

/** Readable messages for the common issues (zod's defaults name types, not what to do). */
const issueMessage = (issue: { code: string; input?: unknown; expected?: unknown; values?: unknown[] }): string | undefined => {
  if (issue.code === "invalid_type" && issue.input === undefined) return "is required";
  if (issue.code === "invalid_type") return `must be ${String(issue.expected)}`;
  if (issue.code === "invalid_value" && Array.isArray(issue.values)) return `must be one of ${issue.values.map(String).join(", ")}`;
  return undefined;
};

/** Parses `value` with `schema` or throws a 400 `invalid_request` listing every bad field. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, prefix: (string | number)[] = []): z.output<S> {
  const result = schema.safeParse(value, { error: issueMessage as never });
  if (result.success) return result.data;
  const fields = zodFields(result.error, prefix);
  const message = `Invalid request: ${fields.map((f) => `${f.path} ${f.message}`).join("; ")}.`;
  throw new HttpError(400, "invalid_request", message, fields);
}

/** Maps framework and plugin errors to the API's error bodies and status codes. */
function classify(err: FastifyError & { statusCode?: number }, bodyLimit: number): { status: number; body: ErrorBody } | undefined {
  if (err instanceof HttpError) return { status: err.statusCode, body: errorBody(err.code, err.message, { ...(err.fields ? { fields: err.fields } : {}), ...(err.failure ? { failure: err.failure } : {}) }) };
  const status = err.statusCode ?? 500;
  switch (err.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { status: 413, body: errorBody("payload_too_large", `The request body is larger than the limit of ${bodyLimit} bytes.`) };
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return { status: 400, body: errorBody("invalid_json", "The request body is not valid JSON.") };
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return { status: 400, body: errorBody("invalid_json", "The request body is empty; send a JSON object.") };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return { status: 415, body: errorBody("unsupported_media_type", "Send the request body as application/json.") };
    default:
      break;
  }
  // Thrown outside a run (a claim, a thread read): the same answer a run gets.
  if (isStoreBusy(err)) return { status: 503, body: errorBody("store_busy", STORE_BUSY_MESSAGE) };
  if (status === 429) return { status, body: errorBody("rate_limited", scrubText(err.message || "Too many requests; try again later.")) };
  if (status === 400 && err instanceof SyntaxError) return { status, body: errorBody("invalid_json", "The request body is not valid JSON.") };
  if (status >= 400 && status < 500) {
    // Fastify's own 4xx messages describe the request, not server internals.
    const code = typeof err.code === "string" && err.code.startsWith("FST_") ? "bad_request" : "request_error";
    return { status, body: errorBody(code, scrubText(err.message || "Bad request.")) };
  }
  return undefined;
}

/** Installs the JSON error handler and the JSON 404 handler on `app`. */
export function installErrorHandling(app: FastifyInstance, options: { bodyLimit: number }): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const known = classify(err, options.bodyLimit);
    if (known) {
      // HttpErrors were logged where they were raised, with their context.
      if (known.status >= 500 && !(err instanceof HttpError)) request.log.error({ err }, "request failed");
      // Every 503 is worth retrying (too many runs, a busy store): say when.
      if (known.status === 503 && !reply.hasHeader("retry-after")) reply.header("retry-after", "1");
      return reply.status(known.status).send(known.body);
    }
    request.log.error({ err }, "unexpected error while handling the request");
    return reply
      .status(500)
      .send(errorBody("internal_error", "Internal server error; the details are in the server log.", { requestId: String(request.id) }));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0].slice(0, 200);
    return reply.status(404).send(errorBody("not_found", `No route for ${request.method} ${path}.`));
  });
}

/**
 * Fastify's `frameworkErrors`: errors raised while routing, before any handler (a malformed
 * percent-encoding, an over-long path parameter), answered in the API's error shape rather than
 * Fastify's own.
 */
export function frameworkErrorHandler(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (err.code === "FST_ERR_BAD_URL") {
    void reply.status(400).send(errorBody("bad_url", "The request URL is not valid: it contains a malformed percent-encoding."));
  } else if (err.code === "FST_ERR_MAX_PARAM_LENGTH") {
    void reply.status(414).send(errorBody("uri_too_long", "A path parameter of the request URL is too long."));
  } else {
    reply.log.error({ err }, "framework error while routing the request");
    void reply.status(500).send(errorBody("internal_error", "Internal server error; the details are in the server log."));
  }
}

/**
 * Fastify's `clientErrorHandler`: a request that fails HTTP parsing (a header with a bare CR/LF or
 * a control character, conflicting framing, oversized headers) is answered like Fastify's default
 * does, but with the API's error body and a message that says what was wrong; then the socket is
 * closed.
 */
export function clientErrorHandler(err: ConnectionError, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  let status = 400;
  let body = errorBody("bad_request", "The request is not valid HTTP/1.1 (for example a header containing a line break or a control character); it was not processed.");
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    status = 408;
    body = errorBody("request_timeout", "The request did not arrive in time; it was not processed.");
  } else if (err.code === "HPE_HEADER_OVERFLOW") {
    status = 431;
    body = errorBody("headers_too_large", "The request headers are larger than the server accepts; it was not processed.");
  }
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(err);
}
