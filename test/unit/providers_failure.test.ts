import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { ContextOverflowError } from "@langchain/core/errors";
import { BaseChatModel, type BaseChatModelCallOptions } from "@langchain/core/language_models/chat_models";
import { AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { describe, expect, it } from "vitest";
import {
  AIGatewayAbortError,
  AIGatewayAuthError,
  AIGatewayError,
  AIGatewayHTTPError,
  AIGatewayNetworkError,
  AIGatewayRateLimitError,
  AIGatewayStreamError,
  AIGatewayTimeoutError,
} from "../../src/gateway/index.js";
import { toGatewayError } from "../../src/gateway/network_errors.js";
import { ProviderBreakers } from "../../src/providers/breaker.js";
import { FallbackChatModel } from "../../src/providers/fallback_chat_model.js";
import {
  AllProvidersFailedError,
  annotateFailure,
  failureAnnotation,
  invokeWithFallback,
  type FallbackCandidate,
} from "../../src/providers/fallback_engine.js";
import { describeModelFailure, MODEL_FAILURE_KINDS, type ModelFailure, type ModelFailureKind } from "../../src/providers/failure.js";
import type { ProviderName } from "../../src/providers/types.js";
import { silentLogger } from "../helpers/gateway.js";

/** Upstream text that must never reach a ModelFailure. */
const LEAK = "sk-live-0123456789abcdef";
const upstream = `Incorrect API key provided: ${LEAK}. You can find your API key at https://example.com`;

/** Describes `err` and checks that nothing of the upstream text got in. */
function describeSafely(err: unknown, signal?: AbortSignal): ModelFailure {
  const failure = describeModelFailure(err, signal);
  expect(MODEL_FAILURE_KINDS).toContain(failure.kind);
  expect(JSON.stringify(failure)).not.toContain("sk-live");
  expect(failure.message).not.toContain("Incorrect API key");
  expect(failure.message).not.toMatch(/\n/);
  return failure;
}

const openaiError = (status: number, error: Record<string, unknown> = {}, requestId = "req_openai_42") =>
  APIError.generate(status, { error: { message: upstream, ...error } }, undefined, new Headers({ "x-request-id": requestId }));

describe("describeModelFailure: gateway client errors", () => {
  it.each<[string, ModelFailureKind, AIGatewayError, Partial<ModelFailure>]>([
    [
      "token endpoint invalid_client",
      "auth",
      new AIGatewayAuthError(`The token endpoint rejected the client credentials: invalid_client (${upstream}).`, { status: 401, code: "invalid_client", description: upstream }),
      { status: 401, code: "invalid_client", provider: "gateway" },
    ],
    ["token endpoint invalid_scope (400)", "auth", new AIGatewayAuthError(upstream, { status: 400, code: "invalid_scope" }), { status: 400, code: "invalid_scope" }],
    ["token endpoint at a wrong URL (404)", "auth", new AIGatewayAuthError(upstream, { status: 404, code: "invalid_token_response" }), { status: 404, code: "invalid_token_response" }],
    ["missing credentials", "auth", new AIGatewayAuthError(upstream, { code: "missing_credentials" }), { code: "missing_credentials" }],
    ["API 401", "auth", new AIGatewayAuthError(upstream, { status: 401, code: "unauthorized", requestId: "gw-req-1" }), { status: 401, requestId: "gw-req-1" }],
    ["API 403", "forbidden", new AIGatewayAuthError(upstream, { status: 403, code: "forbidden", requestId: "gw-req-2" }), { status: 403, code: "forbidden", requestId: "gw-req-2" }],
    ["400 context_length_exceeded", "context_length", new AIGatewayHTTPError(upstream, { status: 400, code: "context_length_exceeded" }), { status: 400, code: "context_length_exceeded" }],
    ["413 context_length_exceeded", "context_length", new AIGatewayHTTPError(upstream, { status: 413, code: "context_length_exceeded" }), { status: 413 }],
    ["400 without a code", "bad_request", new AIGatewayHTTPError(upstream, { status: 400 }), { status: 400, code: "http_400", message: expect.stringMatching(/^The AI gateway rejected the request as invalid \(400\)\./) }],
    ["422", "bad_request", new AIGatewayHTTPError(upstream, { status: 422, code: "invalid_request_error" }), { status: 422 }],
    ["404", "model_not_found", new AIGatewayHTTPError(upstream, { status: 404 }), { status: 404 }],
    ["400 model_not_found", "model_not_found", new AIGatewayHTTPError(upstream, { status: 400, code: "model_not_found" }), { code: "model_not_found" }],
    ["429 insufficient_quota", "quota", new AIGatewayRateLimitError(upstream, { code: "insufficient_quota" }), { status: 429, code: "insufficient_quota" }],
    ["402", "quota", new AIGatewayHTTPError(upstream, { status: 402 }), { status: 402 }],
    ["403 budget_exceeded", "quota", new AIGatewayAuthError(upstream, { status: 403, code: "budget_exceeded" }), { status: 403, code: "budget_exceeded" }],
    ["400 content_filter", "content_filter", new AIGatewayHTTPError(upstream, { status: 400, code: "content_filter" }), { code: "content_filter" }],
    ["400 content_policy_violation", "content_filter", new AIGatewayHTTPError(upstream, { status: 400, code: "content_policy_violation" }), {}],
    ["429", "rate_limited", new AIGatewayRateLimitError(upstream, { requestId: "gw-req-3" }), { status: 429, code: "rate_limited", requestId: "gw-req-3" }],
    ["503", "server_error", new AIGatewayHTTPError(upstream, { status: 503, retryable: true }), { status: 503 }],
    ["408", "server_error", new AIGatewayHTTPError(upstream, { status: 408, retryable: true }), { status: 408 }],
    ["token endpoint 503", "server_error", new AIGatewayHTTPError(upstream, { status: 503, code: "token_endpoint_unavailable" }), { code: "token_endpoint_unavailable" }],
    ["token phase timeout", "token_timeout", new AIGatewayTimeoutError(upstream, { phase: "token" }), { code: "timeout" }],
    ["headers timeout", "timeout", new AIGatewayTimeoutError(upstream, { phase: "headers" }), {}],
    ["idle timeout", "timeout", new AIGatewayTimeoutError(upstream, { phase: "idle" }), {}],
    ["connect timeout", "network", new AIGatewayTimeoutError(upstream, { phase: "connect" }), {}],
    ["stream truncated", "stream_cut", new AIGatewayStreamError(upstream, { code: "stream_truncated", requestId: "gw-req-4" }), { code: "stream_truncated", requestId: "gw-req-4" }],
    ["malformed chunk", "stream_cut", new AIGatewayStreamError(upstream, { code: "malformed_chunk" }), { code: "malformed_chunk" }],
    ["DNS failure", "network", new AIGatewayNetworkError(upstream, { code: "dns", host: "gw.example.com" }), { code: "dns" }],
    ["abort", "aborted", new AIGatewayAbortError(), {}],
    ["a non-JSON 2xx body", "server_error", new AIGatewayError(upstream, { code: "invalid_response", status: 200 }), {}],
  ])("%s -> %s", (_name, kind, err, fields) => {
    const failure = describeSafely(err);
    expect(failure.kind).toBe(kind);
    expect(failure).toMatchObject({ provider: "gateway", ...fields });
  });

  it("gives the token endpoint's rejections advice naming the variables to check", () => {
    const client = describeSafely(new AIGatewayAuthError(upstream, { status: 401, code: "invalid_client" }));
    expect(client.message).toBe(
      "The gateway rejected the client credentials (401 invalid_client). Check AI_GATEWAY_CLIENT_ID and AI_GATEWAY_CLIENT_SECRET, and AI_GATEWAY_AUTH_METHOD.",
    );
    expect(describeSafely(new AIGatewayAuthError(upstream, { status: 400, code: "invalid_scope" })).message).toContain("AI_GATEWAY_SCOPE");
    expect(describeSafely(new AIGatewayTimeoutError(upstream, { phase: "token" })).message).toContain("AI_GATEWAY_TOKEN_TIMEOUT_MS");
  });

  it("puts the request id in the message, and only ids and codes of a safe shape in the record", () => {
    const ok = describeSafely(new AIGatewayHTTPError(upstream, { status: 500, code: "upstream_error", requestId: "req_9f8e.7:d-c" }));
    expect(ok).toMatchObject({ code: "upstream_error", requestId: "req_9f8e.7:d-c" });
    expect(ok.message).toContain("Request id: req_9f8e.7:d-c.");

    const leaky = describeSafely(new AIGatewayHTTPError(upstream, { status: 500, code: LEAK, requestId: `${LEAK} or <script>` }));
    expect(leaky.kind).toBe("server_error");
    expect(leaky.code).toBeUndefined();
    expect(leaky.requestId).toBeUndefined();
    const spaced = describeSafely(new AIGatewayHTTPError(upstream, { status: 400, code: "bad key here", requestId: "x".repeat(129) }));
    expect(spaced).toMatchObject({ kind: "bad_request", status: 400 });
    expect(spaced.code).toBeUndefined();
    expect(spaced.requestId).toBeUndefined();
  });

  it("tells a token endpoint that cannot be reached from the API being unreachable, by the gateway client's own wording", () => {
    const refused = Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:9 ${LEAK}`), { code: "ECONNREFUSED" });
    const connectTimeout = Object.assign(new Error("Connect Timeout Error"), { code: "UND_ERR_CONNECT_TIMEOUT" });
    expect(describeSafely(toGatewayError(refused, "idp.example.com", "the token endpoint")).kind).toBe("token_timeout");
    expect(describeSafely(toGatewayError(connectTimeout, "idp.example.com", "the token endpoint")).kind).toBe("token_timeout");
    expect(describeSafely(toGatewayError(refused, "gw.example.com", "the AI gateway")).kind).toBe("network");
    expect(describeSafely(toGatewayError(connectTimeout, "gw.example.com", "the AI gateway")).kind).toBe("network");
  });

  it("calls anything aborted once the caller's signal fired", () => {
    const controller = new AbortController();
    controller.abort();
    expect(describeSafely(new AIGatewayHTTPError(upstream, { status: 503 }), controller.signal).kind).toBe("aborted");
    expect(describeSafely(Object.assign(new Error(upstream), { name: "AbortError" })).kind).toBe("aborted");
    expect(describeSafely(new AIGatewayAbortError()).message).toBe("The model call was cancelled.");
  });
});

describe("describeModelFailure: provider SDK errors", () => {
  it.each<[string, ModelFailureKind, unknown, Partial<ModelFailure>]>([
    ["openai 401 AuthenticationError", "auth", openaiError(401, { code: "invalid_api_key", type: "invalid_request_error" }), { status: 401, code: "invalid_api_key", requestId: "req_openai_42" }],
    ["openai 403 PermissionDeniedError", "forbidden", openaiError(403, { code: null, type: "permission_error" }), { status: 403, code: "permission_error" }],
    ["openai 400 context_length_exceeded", "context_length", openaiError(400, { code: "context_length_exceeded", type: "invalid_request_error" }), { status: 400, code: "context_length_exceeded" }],
    ["openai 400", "bad_request", openaiError(400, { code: null, type: "invalid_request_error", param: "messages" }), { status: 400 }],
    ["openai 404 model_not_found", "model_not_found", openaiError(404, { code: "model_not_found" }), { status: 404, code: "model_not_found" }],
    ["openai 429 insufficient_quota", "quota", openaiError(429, { code: "insufficient_quota", type: "insufficient_quota" }), { status: 429 }],
    ["openai 429", "rate_limited", openaiError(429, { code: "rate_limit_exceeded" }), { status: 429, code: "rate_limit_exceeded" }],
    ["openai 400 content_filter", "content_filter", openaiError(400, { code: "content_filter" }), { status: 400 }],
    ["openai 500", "server_error", openaiError(500), { status: 500, requestId: "req_openai_42" }],
    ["openai connection error (ECONNREFUSED)", "network", new APIConnectionError({ cause: Object.assign(new Error(upstream), { code: "ECONNREFUSED" }) }), { code: "ECONNREFUSED" }],
    ["openai connection timeout", "timeout", new APIConnectionTimeoutError(), {}],
    ["openai user abort", "aborted", new APIUserAbortError(), {}],
    ["LangChain-wrapped openai timeout", "timeout", Object.assign(new Error(upstream), { name: "TimeoutError" }), {}],
    [
      "LangChain ContextOverflowError over an openai 400",
      "context_length",
      ContextOverflowError.fromError(openaiError(400, { code: "context_length_exceeded" }, "req_ctx_1")),
      { status: 400, requestId: "req_ctx_1" },
    ],
    ["anthropic 529 overloaded", "server_error", Object.assign(new Error(upstream), { status: 529, type: "overloaded_error", requestID: "req_ant_1" }), { status: 529, code: "overloaded_error", requestId: "req_ant_1" }],
    ["ollama 404", "model_not_found", Object.assign(new Error(upstream), { status_code: 404, error: upstream }), { status: 404 }],
    ["Gemini fetch failure (text only)", "network", new Error(`[GoogleGenerativeAI Error]: Error fetching from http://x?key=${LEAK}: fetch failed`), {}],
    ["undici DNS error in a cause chain", "network", new TypeError("fetch failed", { cause: Object.assign(new Error(upstream), { code: "ENOTFOUND" }) }), { code: "ENOTFOUND" }],
    ["undici body timeout", "timeout", Object.assign(new Error(upstream), { code: "UND_ERR_BODY_TIMEOUT" }), { code: "UND_ERR_BODY_TIMEOUT" }],
  ])("%s -> %s", (name, kind, err, fields) => {
    // As the fallback loop does: the provider is known from the candidate, not from the error.
    const provider: ProviderName = name.startsWith("anthropic") ? "anthropic" : name.startsWith("ollama") ? "ollama" : name.startsWith("Gemini") ? "google" : "openai";
    annotateFailure(err, { provider });
    const failure = describeSafely(err);
    expect(failure.kind).toBe(kind);
    expect(failure).toMatchObject({ provider, ...fields });
  });

  it("leaves the provider out when nobody annotated a non-gateway error", () => {
    const failure = describeSafely(openaiError(500));
    expect(failure.provider).toBeUndefined();
    expect(failure.message).toMatch(/^The model provider failed with a server error \(500\)/);
  });
});

describe("describeModelFailure: anything else", () => {
  it("reports a bug as internal, with the error's name only when it has a plain shape", () => {
    expect(describeSafely(new TypeError(upstream))).toEqual({ kind: "internal", message: "The model call failed unexpectedly (TypeError)." });
    expect(describeSafely(Object.assign(new Error(upstream), { name: `Bad ${LEAK}` })).message).toBe("The model call failed unexpectedly.");
    expect(describeSafely(Object.assign(new Error(upstream), { name: "sk_live_0123456789abcdef" })).message).toBe("The model call failed unexpectedly.");
    expect(describeSafely(upstream)).toEqual({ kind: "internal", message: "The model call failed unexpectedly." });
    expect(describeSafely(undefined).kind).toBe("internal");
  });
});

/** Stand-in chat model for candidates whose calls are scripted in `call` (the engine never touches it). */
const noModel = undefined as unknown as BaseChatModel;
const candidate = (provider: ProviderName): FallbackCandidate => ({ provider, model: `${provider}-model`, chatModel: noModel });

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

describe("AllProvidersFailedError and the fallback engine's annotations", () => {
  const ctx = (failures = 3) => ({ breakers: new ProviderBreakers({ failures, cooldownMs: 60_000 }, silentLogger), logger: silentLogger, tier: "fast" as const });

  it("with no provider configured -> no_provider", () => {
    const failure = describeSafely(new AllProvidersFailedError("fast", []));
    expect(failure.kind).toBe("no_provider");
    expect(failure.message).toContain("OPENAI_API_KEY");
  });

  it("keeps the providers' errors, not enumerable, and describes the last one with its provider", async () => {
    const errors: Record<string, unknown> = {
      gateway: new AIGatewayNetworkError(upstream, { code: "dns" }),
      openai: openaiError(500, {}, "req_last"),
    };
    const err = await rejection(
      invokeWithFallback(ctx(), [candidate("gateway"), candidate("openai")], async (c) => {
        throw errors[c.provider];
      }),
    );
    expect(err).toBeInstanceOf(AllProvidersFailedError);
    const all = err as AllProvidersFailedError;
    expect(all.errors).toEqual([errors.gateway, errors.openai]);
    expect(Object.keys(all)).not.toContain("errors");
    expect(JSON.stringify(all)).not.toContain("req_last");
    expect(failureAnnotation(errors.gateway)).toEqual({ provider: "gateway" });
    expect(failureAnnotation(errors.openai)).toEqual({ provider: "openai" });

    const failure = describeSafely(all);
    expect(failure).toMatchObject({ kind: "server_error", provider: "openai", status: 500, requestId: "req_last" });
    expect(failure.message).toContain("Every provider in line failed (2 tried)");
  });

  it("when every provider was skipped by its breaker -> server_error naming the first", async () => {
    const context = ctx(1);
    const fail = () =>
      invokeWithFallback(context, [candidate("gateway"), candidate("anthropic")], async () => {
        throw new AIGatewayHTTPError(upstream, { status: 503 });
      });
    await rejection(fail());
    const err = (await rejection(fail())) as AllProvidersFailedError;
    expect(err.attempts.map((a) => a.code)).toEqual(["skipped", "skipped"]);
    expect(err.errors).toEqual([]);
    const failure = describeSafely(err);
    expect(failure).toMatchObject({ kind: "server_error", provider: "gateway", code: "skipped" });
    expect(failure.message).toContain("circuit breaker is open");
  });

  it("annotates the caller error it rethrows and the lone provider's own error", async () => {
    const bad = new AIGatewayHTTPError(upstream, { status: 400 });
    const thrown = await rejection(
      invokeWithFallback(ctx(), [candidate("gateway"), candidate("openai")], async (c) => {
        if (c.provider === "gateway") throw new AIGatewayNetworkError(upstream, { code: "connection_refused" });
        throw bad;
      }),
    );
    expect(thrown).toBe(bad);
    expect(describeSafely(thrown)).toMatchObject({ kind: "bad_request", provider: "openai", status: 400 });

    const lone = openaiError(401);
    expect(await rejection(invokeWithFallback(ctx(), [candidate("anthropic")], async () => Promise.reject(lone)))).toBe(lone);
    expect(describeSafely(lone)).toMatchObject({ kind: "auth", provider: "anthropic" });
  });

  it("annotateFailure merges, and ignores values it cannot key on", () => {
    const err = new Error("x");
    annotateFailure(err, { provider: "gateway" });
    annotateFailure(err, { provider: "gateway", partialOutput: true });
    expect(failureAnnotation(err)).toEqual({ provider: "gateway", partialOutput: true });
    annotateFailure("text", { provider: "openai" });
    expect(failureAnnotation("text")).toBeUndefined();
    expect(failureAnnotation(null)).toBeUndefined();
  });
});

/** A provider model that streams `parts`, then throws `error` (after the parts, or at once). */
class ScriptedModel extends BaseChatModel<BaseChatModelCallOptions, AIMessageChunk> {
  constructor(
    private readonly parts: string[],
    private readonly error?: Error,
  ) {
    super({});
  }
  _llmType(): string {
    return "scripted";
  }
  async _generate(): Promise<ChatResult> {
    if (this.error) throw this.error;
    const message = new AIMessageChunk({ content: this.parts.join("") });
    return { generations: [{ text: message.text, message }] };
  }
  override async *_streamResponseChunks(_m: BaseMessage[]): AsyncGenerator<ChatGenerationChunk> {
    for (const text of this.parts) yield new ChatGenerationChunk({ message: new AIMessageChunk({ content: text }), text });
    if (this.error) throw this.error;
  }
}

function fallbackModel(...models: [ProviderName, BaseChatModel][]): FallbackChatModel {
  return new FallbackChatModel({
    candidates: models.map(([provider, chatModel]) => ({ provider, model: `${provider}-m`, chatModel })),
    breakers: new ProviderBreakers({}, silentLogger),
    logger: silentLogger,
    tier: "fast",
  });
}

async function streamUntilFailure(model: FallbackChatModel): Promise<{ text: string; error: unknown }> {
  let text = "";
  try {
    for await (const chunk of await model.stream("hi")) text += chunk.text;
  } catch (error) {
    return { text, error };
  }
  throw new Error("expected the stream to fail");
}

describe("FallbackChatModel", () => {
  it("marks a stream that failed after text reached the caller as partial output, with its provider", async () => {
    const cut = new AIGatewayNetworkError(upstream, { code: "connection_reset" });
    const { text, error } = await streamUntilFailure(fallbackModel(["gateway", new ScriptedModel(["Partial ", "answer"], cut)]));
    expect(text).toBe("Partial answer");
    expect(error).toBe(cut);
    expect(failureAnnotation(cut)).toEqual({ provider: "gateway", partialOutput: true });
    expect(describeSafely(cut)).toMatchObject({ kind: "stream_cut", provider: "gateway", partialOutput: true, code: "connection_reset" });
  });

  it("does not mark a stream that failed before any text, and names the provider that failed", async () => {
    const early = new AIGatewayStreamError(upstream, { code: "malformed_chunk" });
    const { text, error } = await streamUntilFailure(fallbackModel(["openai", new ScriptedModel([""], early)]));
    expect(text).toBe("");
    expect(error).toBe(early);
    const failure = describeSafely(early);
    expect(failure).toMatchObject({ kind: "stream_cut", provider: "openai" });
    expect(failure.partialOutput).toBeUndefined();
  });

  it("tags the provider's own run langsmith:nostream and langsmith:hidden, and not its own", async () => {
    const runs: { name: string; tags: string[] }[] = [];
    const recorder = {
      name: "recorder",
      handleChatModelStart: (llm: { id: string[] }, _m: unknown, _r: string, _p?: string, _e?: unknown, tags?: string[]) => {
        runs.push({ name: llm.id[llm.id.length - 1], tags: tags ?? [] });
      },
    } as unknown as BaseCallbackHandler;
    await fallbackModel(["gateway", new ScriptedModel(["ok"])]).invoke("hi", { callbacks: [recorder], tags: ["outer"] });
    expect(runs).toHaveLength(2);
    const [outer, inner] = runs;
    expect(outer.tags).toEqual(["outer"]);
    expect(inner.tags).toEqual(expect.arrayContaining(["outer", "langsmith:nostream", "langsmith:hidden"]));
  });
});
