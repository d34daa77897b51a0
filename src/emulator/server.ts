/**
 * The emulator's HTTP server: routing, bearer authentication, request ids, counters and the
 * lifecycle (`startEmulator` / `close`). Endpoint behaviour lives in tokens.ts,
 * chat_handler.ts and control_plane.ts.
 */
import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { SIMULATED_HEADER, type ModelList } from "../gateway/wire.js";
import { applyHttpFault, handleChat, type ChatContext } from "./chat_handler.js";
import { CONTROL_PREFIX, handleControl } from "./control_plane.js";
import { FaultPlan, isHeaderFaultKind, type HeaderFaultKind } from "./faults.js";
import { BodyTooLargeError, header, readBody, sendJson } from "./http_util.js";
import { toRegisteredKey } from "./client_assertion.js";
import { metadataDocumentFor, serveMetadata } from "./metadata.js";
import { TokenStore, handleTokenRequest } from "./tokens.js";
import { DEFAULT_MODELS, type EmulatorHandle, type EmulatorOptions, type EmulatorStats, type RecordedRequest, type ScriptedResponse } from "./types.js";
import { openAIError } from "./validation.js";

// Fixed so /v1/models answers are byte-identical across runs.
const MODEL_CREATED = 1_735_689_600;

function emptyStats(): Omit<EmulatorStats, "openConnections"> {
  return { tokenRequests: 0, chatRequests: 0, modelRequests: 0, faultsInjected: 0, faultsByKind: {}, clientAbortedStreams: 0, unauthorized: 0, authMethods: {}, metadataRequests: {}, tlsHandshakeFailures: 0 };
}

/** Starts the emulator; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const host = options.host ?? "127.0.0.1";
  const clientId = options.clientId ?? "emulator-client";
  const clientSecret = options.clientSecret ?? randomBytes(24).toString("hex");
  const controlToken = options.controlToken ?? randomBytes(24).toString("hex");
  const models = [...(options.models ?? DEFAULT_MODELS)];
  const modelSet = new Set(models);
  const staticKeys = new Set(options.staticApiKeys ?? []);
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  const slowHeadersMs = options.slowHeadersMs ?? 2000;

  let stats = emptyStats();
  const sockets = new Set<Socket>();
  const tokens = new TokenStore();
  const faults = new FaultPlan({ faultRate: options.faultRate, faultSeed: options.faultSeed, faultKinds: options.faultKinds });
  const scripts: ScriptedResponse[] = [];
  const closing = new AbortController();
  // Every in-flight chat request listens on this signal; concurrent benchmarks exceed the default of 10.
  setMaxListeners(0, closing.signal);
  let tokenEndpointDown = false;
  let requestCounter = 0;
  const publicKeys = (options.clientPublicKeys ?? []).map(toRegisteredKey);
  const seenJti = new Map<string, number>();
  const issuerPath = (options.issuerMetadata?.path ?? "").replace(/\/+$/, "");
  const metadataDocuments = options.issuerMetadata?.documents ?? ["oauth-authorization-server", "openid-configuration"];

  const countFault = (kind: string) => {
    stats.faultsInjected++;
    stats.faultsByKind[kind] = (stats.faultsByKind[kind] ?? 0) + 1;
  };
  const countUnauthorized = () => {
    stats.unauthorized++;
  };
  // The last API requests, so tests can check which headers arrived; credentials are not kept.
  const recorded: RecordedRequest[] = [];
  const record = (method: string, path: string, req: IncomingMessage) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === "authorization" || name === "cookie" || value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    if (recorded.length >= 200) recorded.shift();
    recorded.push({ method, path, headers });
  };
  const chatContext: ChatContext = {
    models: modelSet,
    faults,
    scripts,
    latency: { ttftMs: options.latency?.ttftMs ?? 0, perTokenMs: options.latency?.perTokenMs ?? 0 },
    slowHeadersMs,
    stallMs: options.stallMs,
    retryAfterSeconds,
    sse: options.sse !== false,
    closing: closing.signal,
    countFault,
    countClientAbort: () => {
      stats.clientAbortedStreams++;
    },
  };

  /** Checks the bearer; on failure answers 401 and returns false. */
  const authorize = (req: IncomingMessage, res: ServerResponse): boolean => {
    const match = /^bearer\s+(\S+)\s*$/i.exec(header(req, "authorization") ?? "");
    let problem: string | undefined;
    if (!match) problem = "Missing bearer token: send 'Authorization: Bearer <access token>' obtained from the token endpoint.";
    else if (!staticKeys.has(match[1])) {
      const status = tokens.check(match[1]);
      if (status === "unknown") problem = "Invalid access token: it is unknown or was revoked. Fetch a new token from the token endpoint.";
      else if (status === "expired") problem = "The access token expired. Fetch a new token from the token endpoint.";
    }
    if (problem === undefined) return true;
    countUnauthorized();
    sendJson(res, 401, openAIError(problem, "invalid_request_error", "invalid_token"), { "www-authenticate": 'Bearer error="invalid_token"' });
    return false;
  };

  const handle: EmulatorHandle = {
    baseUrl: "",
    apiUrl: "",
    tokenUrl: "",
    clientId,
    clientSecret,
    controlToken,
    issuer: "",
    stats: () => ({
      ...stats,
      faultsByKind: { ...stats.faultsByKind },
      authMethods: { ...stats.authMethods },
      metadataRequests: { ...stats.metadataRequests },
      openConnections: sockets.size,
    }),
    resetStats: () => {
      stats = emptyStats();
    },
    enqueueResponse: (r) => {
      scripts.push(structuredClone(r));
    },
    enqueueFault: (kind, opts) => faults.enqueue(kind, opts),
    setTokenEndpointDown: (down) => {
      tokenEndpointDown = down;
    },
    revokeAllTokens: () => tokens.revokeAll(),
    requests: () => recorded.map((r) => ({ ...r, headers: { ...r.headers } })),
    close: () => close(),
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requestCounter++;
    res.setHeader("x-request-id", `req_${requestCounter.toString(36).padStart(4, "0")}${randomBytes(6).toString("hex")}`);
    // Every response says it came from a simulation, never from a real model.
    res.setHeader(SIMULATED_HEADER, "simulated");
    const path = new URL(req.url ?? "/", "http://emulator.invalid").pathname.replace(/\/+$/, "") || "/";
    const method = req.method ?? "GET";
    if (path.startsWith("/v1/")) record(method, path, req);

    if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) return handleControl(req, res, path, handle, controlToken);

    const rawFault = header(req, "x-emulator-fault")?.trim();
    let headerFault: HeaderFaultKind | undefined;
    if (rawFault) {
      if (!isHeaderFaultKind(rawFault)) {
        sendJson(res, 400, openAIError(`Unknown x-emulator-fault '${rawFault}'.`, "invalid_request_error", "invalid_emulator_fault"));
        return;
      }
      headerFault = rawFault;
    }

    const document = metadataDocumentFor(path, issuerPath);
    if (document) {
      stats.metadataRequests[path] = (stats.metadataRequests[path] ?? 0) + 1;
      if (method !== "GET") return methodNotAllowed(res, "GET");
      if (!metadataDocuments.includes(document)) return sendJson(res, 404, { error: "not_found" });
      return serveMetadata(res, handle, document, options.tls?.clientCa !== undefined);
    }

    if (path === "/oauth2/token") {
      if (method !== "POST") return methodNotAllowed(res, "POST");
      stats.tokenRequests++;
      return handleTokenRequest(req, res, {
        clientId,
        clientSecret,
        publicKeys,
        audiences: [handle.tokenUrl, handle.issuer, handle.baseUrl],
        seenJti,
        countAuthMethod: (m) => {
          stats.authMethods[m] = (stats.authMethods[m] ?? 0) + 1;
        },
        ttlSeconds: options.tokenTtlSeconds ?? 3600,
        omitExpiresIn: options.omitExpiresIn === true,
        store: tokens,
        faults,
        isDown: () => tokenEndpointDown,
        slowHeadersMs,
        retryAfterSeconds,
        signal: closing.signal,
        headerFault,
        countFault,
        countUnauthorized,
      });
    }

    if (path === "/v1/models" || path.startsWith("/v1/models/")) {
      if (method !== "GET") return methodNotAllowed(res, "GET");
      stats.modelRequests++;
      if (!authorize(req, res)) return;
      if (headerFault && ["429", "500", "502", "503", "reset", "slow-headers"].includes(headerFault)) {
        countFault(headerFault);
        const done = await applyHttpFault(req, res, { kind: headerFault }, { retryAfterSeconds, slowHeadersMs, signal: closing.signal });
        if (done || closing.signal.aborted) return;
      }
      const entry = (id: string) => ({ id, object: "model" as const, created: MODEL_CREATED, owned_by: "ai-gateway-emulator" });
      if (path === "/v1/models") {
        const list: ModelList = { object: "list", data: models.map(entry) };
        return sendJson(res, 200, list);
      }
      const id = decodeURIComponent(path.slice("/v1/models/".length));
      if (modelSet.has(id)) return sendJson(res, 200, entry(id));
      return sendJson(res, 404, openAIError(`The model '${id}' does not exist`, "invalid_request_error", "model_not_found", "model"));
    }

    if (path === "/v1/chat/completions") {
      if (method !== "POST") return methodNotAllowed(res, "POST");
      stats.chatRequests++;
      if (!authorize(req, res)) return;
      let raw: Buffer;
      try {
        raw = await readBody(req);
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          sendJson(res, 413, openAIError("Request body too large: the limit is 10 MB.", "invalid_request_error", "request_too_large"), { connection: "close" });
        }
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        sendJson(res, 400, openAIError("We could not parse the JSON body of your request. The API expects a JSON payload.", "invalid_request_error"));
        return;
      }
      return handleChat(req, res, body, headerFault, chatContext);
    }

    sendJson(res, 404, openAIError(`Unknown route: ${method} ${path}`, "invalid_request_error", "not_found"));
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((err: unknown) => {
      // A handler bug must not hang the client: answer 500 if possible, otherwise drop the socket.
      if (!res.headersSent) sendJson(res, 500, openAIError(`Emulator internal error: ${String(err)}`, "server_error"));
      else res.destroy();
    });
  };
  const tls = options.tls;
  // With a client CA, the TLS handshake itself refuses a client without a certificate that CA signed.
  const server = tls
    ? createTlsServer({ cert: tls.cert, key: tls.key, ca: tls.clientCa, requestCert: !!tls.clientCa, rejectUnauthorized: !!tls.clientCa }, listener)
    : createServer(listener);
  server.on("tlsClientError", () => {
    stats.tlsHandshakeFailures++;
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  let closed: Promise<void> | undefined;
  function close(): Promise<void> {
    closed ??= new Promise<void>((resolve) => {
      closing.abort();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return closed;
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === "IPv6" || address.address.includes(":") ? `[${address.address}]` : address.address;
  handle.baseUrl = `${tls ? "https" : "http"}://${hostPart}:${address.port}`;
  handle.apiUrl = `${handle.baseUrl}/v1`;
  handle.tokenUrl = `${handle.baseUrl}/oauth2/token`;
  handle.issuer = `${handle.baseUrl}${issuerPath}`;
  return handle;
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendJson(res, 405, openAIError(`Method not allowed; use ${allow}.`, "invalid_request_error", "method_not_allowed"), { allow });
}
