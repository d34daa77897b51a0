/**
 * describeModelFailure over real failures: a registry's fast-tier model (FallbackChatModel over
 * ChatAIGateway) against a loopback stub of a third-party gateway whose answers echo a secret.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FallbackChatModel } from "../../src/providers/fallback_chat_model.js";
import { describeModelFailure, type ModelFailure } from "../../src/providers/failure.js";
import { startStubGateway, stubRegistry, type StubGateway } from "../helpers/stub_gateway.js";

const LEAK = "sk-live-0123456789abcdef";
const upstream = `Incorrect API key provided: ${LEAK}.`;

let stub: StubGateway;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  stub = await startStubGateway();
});
afterAll(() => stub.close());
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** The fast-tier model of a fresh registry (fresh token cache) that has only the stub gateway. */
function fastModel(extra: Record<string, string> = {}): FallbackChatModel {
  const registry = stubRegistry(stub, extra);
  cleanups.push(() => registry.close());
  return registry.chatModel("fast");
}

/** Runs `fn`, expects it to fail, and describes the failure, checking no upstream text got in. */
async function failureOf(fn: () => Promise<unknown>): Promise<{ failure: ModelFailure; error: unknown }> {
  let error: unknown;
  try {
    await fn();
  } catch (err) {
    error = err;
  }
  expect(error).toBeDefined();
  const failure = describeModelFailure(error);
  expect(failure.message).not.toContain("sk-live");
  expect(failure.message).not.toContain("Incorrect API key");
  expect(JSON.stringify(failure)).not.toContain("sk-live");
  return { failure, error };
}

describe("describeModelFailure against a stub gateway", () => {
  it("the stub answers when nothing is scripted (invoke and stream)", async () => {
    const model = fastModel();
    expect((await model.invoke("hi")).content).toBe("stub answer");
    let text = "";
    for await (const chunk of await model.stream("hi")) text += chunk.text;
    expect(text).toBe("stub answer");
  });

  it("token endpoint 401 invalid_client -> auth", async () => {
    stub.enqueueToken({ status: 401, body: { error: "invalid_client", error_description: `client authentication failed for ${LEAK}` } });
    const chatBefore = stub.chatRequests;
    const { failure, error } = await failureOf(() => fastModel().invoke("hi"));
    // The raw error keeps the upstream description, with the key-shaped part scrubbed.
    expect((error as Error).message).toContain("client authentication failed for [REDACTED]");
    expect(failure).toMatchObject({ kind: "auth", status: 401, code: "invalid_client", provider: "gateway" });
    expect(failure.message).toContain("AI_GATEWAY_CLIENT_ID");
    expect(stub.chatRequests).toBe(chatBefore);
  });

  it("chat 403 -> forbidden, with the gateway's request id", async () => {
    stub.enqueueChat({ status: 403, body: { error: { message: upstream, type: "permission_error", code: null } }, headers: { "x-request-id": "req-forbidden-1" } });
    const { failure } = await failureOf(() => fastModel().invoke("hi"));
    expect(failure).toMatchObject({ kind: "forbidden", status: 403, code: "permission_error", provider: "gateway", requestId: "req-forbidden-1" });
    expect(failure.message).toContain("req-forbidden-1");
  });

  it("chat 400 -> bad_request", async () => {
    stub.enqueueChat({ status: 400, body: { error: { message: upstream, type: "invalid_request_error", param: "messages", code: null } } });
    const { failure } = await failureOf(() => fastModel().invoke("hi"));
    expect(failure).toMatchObject({ kind: "bad_request", status: 400, code: "invalid_request_error", provider: "gateway" });
    expect(failure.requestId).toMatch(/^req_stub_\d+$/);
  });

  it("chat 400 context_length_exceeded -> context_length", async () => {
    stub.enqueueChat({ status: 400, body: { error: { message: upstream, type: "invalid_request_error", code: "context_length_exceeded" } } });
    const { failure } = await failureOf(() => fastModel().invoke("hi"));
    expect(failure).toMatchObject({ kind: "context_length", status: 400, code: "context_length_exceeded" });
  });

  it("chat 404 model_not_found -> model_not_found", async () => {
    stub.enqueueChat({ status: 404, body: { error: { message: `The model does not exist (${LEAK})`, type: "invalid_request_error", code: "model_not_found" } } });
    const { failure } = await failureOf(() => fastModel().invoke("hi"));
    expect(failure).toMatchObject({ kind: "model_not_found", status: 404, code: "model_not_found", provider: "gateway" });
  });

  it("a stream cut after text -> stream_cut with partialOutput", async () => {
    stub.enqueueChat({ stream: ["Partial ", "answer"], cut: true });
    const model = fastModel();
    let text = "";
    const { failure } = await failureOf(async () => {
      for await (const chunk of await model.stream("hi")) text += chunk.text;
    });
    expect(text).toBe("Partial answer");
    expect(failure).toMatchObject({ kind: "stream_cut", provider: "gateway", partialOutput: true });
    expect(failure.message).toContain("after part of it had been streamed");
  });

  it("a token endpoint that never answers -> token_timeout, within the token timeout", async () => {
    stub.enqueueToken({ hang: true });
    const tokensBefore = stub.tokenRequests;
    const started = performance.now();
    const { failure } = await failureOf(() => fastModel({ AI_GATEWAY_TOKEN_TIMEOUT_MS: "300" }).invoke("hi"));
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(failure).toMatchObject({ kind: "token_timeout", provider: "gateway" });
    expect(stub.tokenRequests).toBe(tokensBefore + 1);
  });
});
