/**
 * AIGatewayClient against vendor wire fixtures (test/fixtures/wire): Azure OpenAI streams with
 * content-filter annotations, tool-call deltas without `index`, error bodies that are not
 * OpenAI's envelope, a 200 that is not JSON, RFC 6749 token errors and a string `expires_in`.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AIGatewayAuthError,
  AIGatewayClient,
  AIGatewayConfigError,
  AIGatewayHTTPError,
  AIGatewayRateLimitError,
  AIGatewayResponseError,
  ClientCredentialsTokenSource,
  type ChatCompletionChunk,
} from "../../src/gateway/index.js";
import { silentLogger } from "../helpers/gateway.js";
import { startReplayServer, type ReplayServer } from "../helpers/wire_replay.js";

const CHAT = "POST /v1/chat/completions";
const TOKEN = "POST /oauth2/token";
const ask = { model: "gpt-4o", messages: [{ role: "user" as const, content: "What is the capital of France?" }] };

let replay: ReplayServer;
const clients: AIGatewayClient[] = [];
beforeEach(async () => {
  replay = await startReplayServer();
});
afterEach(async () => {
  while (clients.length) await clients.pop()?.close();
  await replay.close();
});

function apiKeyClient(maxRetries = 2): AIGatewayClient {
  const client = new AIGatewayClient({ baseUrl: replay.baseUrl, apiKey: "wire-fixture-key-0001", logger: silentLogger, retry: { maxRetries, baseDelayMs: 1, maxDelayMs: 5_000 } });
  clients.push(client);
  return client;
}

function oauthClient(): AIGatewayClient {
  const client = new AIGatewayClient({
    baseUrl: replay.baseUrl,
    tokenUrl: `${replay.baseUrl}/oauth2/token`,
    clientId: "wire-client",
    clientSecret: "wire-secret-6b2d9e0f",
    scope: "api://ai-gateway/chat",
    logger: silentLogger,
    retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5_000 },
  });
  clients.push(client);
  return client;
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

const textOf = (chunks: ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe("Azure OpenAI streams", () => {
  it("accept a first chunk with choices: [] and prompt_filter_results, filter verdicts on deltas, and a usage chunk", async () => {
    replay.answer(CHAT, "azure_openai/stream_prompt_filter");
    const stream = apiKeyClient().streamChatCompletion(ask);
    const chunks = await collect(stream);
    expect(chunks[0].choices).toEqual([]);
    expect(chunks[0]).toHaveProperty("prompt_filter_results");
    expect(textOf(chunks)).toBe("Paris is the capital of France.");
    expect(chunks.filter((c) => c.choices[0]?.finish_reason === "stop")).toHaveLength(1);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 8, total_tokens: 22 });
    expect(stream.requestId).toBe("0b8a3c6e-2f41-4f7b-a8c5-5d0c9e2b7a10");
    expect(replay.count(CHAT)).toBe(1);
  });

  it("complete on a content_filter finish, annotation chunks without a delta included", async () => {
    replay.answer(CHAT, "azure_openai/stream_content_filter_finish");
    const chunks = await collect(apiKeyClient().streamChatCompletion(ask));
    expect(textOf(chunks)).toBe("Here is the first part of the answer");
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("content_filter");
    expect(chunks.some((c) => c.choices[0] && c.choices[0].delta === undefined)).toBe(true);
    expect(replay.count(CHAT)).toBe(1);
  });

  it("non-streamed: a filtered answer comes back with finish_reason content_filter and no content", async () => {
    replay.answer(CHAT, "azure_openai/completion_content_filter");
    const completion = await apiKeyClient().createChatCompletion(ask);
    expect(completion.choices[0].finish_reason).toBe("content_filter");
    expect(completion.choices[0].message.content).toBeUndefined();
    expect(completion._request_id).toBe("5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170");
  });

  it("a prompt refused by the filter is a 400 carrying code content_filter, not retried", async () => {
    replay.answer(CHAT, "azure_openai/error_content_filter_400");
    const error = await failure(apiKeyClient().createChatCompletion(ask));
    expect(error).toBeInstanceOf(AIGatewayHTTPError);
    expect(error).toMatchObject({ status: 400, code: "content_filter", retryable: false, requestId: "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d" });
    expect((error as Error).message).toContain("content management policy");
    expect(replay.count(CHAT)).toBe(1);
  });
});

describe("tool-call deltas without index", () => {
  it.each(["gemini_openai/stream_tool_calls_no_index", "proxy/stream_tool_call_fragments_no_index"])("%s streams to the end", async (fixture) => {
    replay.answer(CHAT, fixture);
    const chunks = await collect(apiKeyClient().streamChatCompletion(ask));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.every((c) => c.index === undefined)).toBe(true);
    expect(chunks.some((c) => c.choices[0]?.finish_reason)).toBe(true);
  });
});

describe("error bodies that are not OpenAI's envelope", () => {
  it("APIM {statusCode, message} on a 401: a settings error naming AI_GATEWAY_HEADERS, quoting APIM's message, not retried", async () => {
    replay.answer(CHAT, "apim/error_401_subscription_key");
    const error = await failure(apiKeyClient().createChatCompletion(ask));
    expect(error).toBeInstanceOf(AIGatewayConfigError);
    expect(error).toMatchObject({ status: 401, code: "apim_subscription_key_invalid", variable: "AI_GATEWAY_HEADERS" });
    expect(replay.count(CHAT)).toBe(1);
    expect((error as Error).message).toContain("Access denied due to invalid subscription key");
    expect((error as Error).message).toContain("the subscription key is not valid (401)");
  });

  it("APIM's 429 with Retry-After: waits the hinted second, then succeeds", async () => {
    replay.answer(CHAT, "apim/error_429_rate_limit", "azure_openai/completion_content_filter");
    const started = performance.now();
    const completion = await apiKeyClient().createChatCompletion(ask);
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
    expect(completion.id).toBe("chatcmpl-AZg5mT7uQ1wE3rY9iO2pA6sD8fG4h");
    expect(replay.count(CHAT)).toBe(2);
  });

  it("APIM's 429 without retries left: a rate-limit error with the hint and APIM's message", async () => {
    replay.answer(CHAT, "apim/error_429_rate_limit");
    const error = await failure(apiKeyClient(0).createChatCompletion(ask));
    expect(error).toBeInstanceOf(AIGatewayRateLimitError);
    expect(error).toMatchObject({ retryAfterMs: 1000 });
    expect((error as Error).message).toContain("Rate limit is exceeded");
  });

  it('{"error": "<sentence>"}: the sentence is the message, not the code', async () => {
    replay.answer(CHAT, "ollama/error_404_string");
    const error = await failure(apiKeyClient().createChatCompletion(ask));
    expect(error).toBeInstanceOf(AIGatewayHTTPError);
    expect(error).toMatchObject({ status: 404, code: "http_404", retryable: false });
    expect((error as Error).message).toContain('model "llama3.3" not found, try pulling it first');
    expect((error as Error).message).toContain("AI_GATEWAY_API_PATH");
    expect(replay.count(CHAT)).toBe(1);
  });

  it("Google's error envelope in an array: its message and its status as the code", async () => {
    replay.answer(CHAT, "gemini_openai/error_400_array");
    const error = await failure(apiKeyClient().createChatCompletion(ask));
    expect(error).toMatchObject({ status: 400, code: "INVALID_ARGUMENT" });
    expect((error as Error).message).toContain("Request contains an invalid argument.");
  });

  it("an HTML 502 page: retried as a server error, its markup never echoed", async () => {
    replay.answer(CHAT, "proxy/error_502_html");
    const error = await failure(apiKeyClient().createChatCompletion(ask));
    expect(error).toBeInstanceOf(AIGatewayHTTPError);
    expect(error).toMatchObject({ status: 502, retryable: true });
    expect((error as Error).message).not.toMatch(/<|nginx/);
    expect((error as Error).message).toContain("HTML page");
    expect(replay.count(CHAT)).toBe(3);
  });
});

describe("a 200 whose body is not JSON", () => {
  it("is an AIGatewayResponseError (the gateway's fault, retried), naming the content type and what to check", async () => {
    replay.answer(CHAT, "proxy/ok_200_html_login");
    const error = await failure(apiKeyClient().createChatCompletion(ask));
    expect(error).toBeInstanceOf(AIGatewayResponseError);
    expect(error).toMatchObject({ status: 200, code: "invalid_response", retryable: true });
    const message = (error as Error).message;
    expect(message).toContain("text/html");
    expect(message).toContain("AI_GATEWAY_BASE_URL");
    expect(message).not.toMatch(/Sign in|proxy_session/);
    expect(replay.count(CHAT)).toBe(3);
  });

  it("from GET /models too", async () => {
    replay.answer("GET /v1/models", "proxy/ok_200_html_login");
    const error = await failure(apiKeyClient(0).listModels());
    expect(error).toBeInstanceOf(AIGatewayResponseError);
  });
});

describe("RFC 6749 §5.2 token errors", () => {
  it.each([
    ["invalid_scope", "AI_GATEWAY_SCOPE", "AADSTS1002012"],
    ["invalid_target", "AI_GATEWAY_RESOURCE", "is invalid, unknown, or not allowed"],
    ["unauthorized_client", "client-credentials grant", "not authorized to request an access token"],
  ])("%s: one token request, no API request, an auth error with advice", async (code, advice, description) => {
    replay.answer(TOKEN, `oauth/token_error_${code}`);
    const error = await failure(oauthClient().createChatCompletion(ask));
    expect(error).toBeInstanceOf(AIGatewayAuthError);
    expect(error).toMatchObject({ code, status: 400, retryable: false });
    const message = (error as Error).message;
    expect(message).toContain(advice);
    expect(message).toContain(description);
    // The credentials were fine; only invalid_client says they were rejected.
    expect(message).not.toContain("rejected the client credentials");
    expect(message).not.toContain("wire-secret-6b2d9e0f");
    expect(replay.count(TOKEN)).toBe(1);
    expect(replay.count(CHAT)).toBe(0);
  });
});

describe("a token response with expires_in as a string", () => {
  it("is used as a bearer token", async () => {
    replay.answer(TOKEN, "oauth/token_expires_in_string");
    replay.answer(CHAT, "azure_openai/completion_content_filter");
    const client = oauthClient();
    await client.createChatCompletion(ask);
    await client.createChatCompletion(ask);
    expect(replay.count(TOKEN)).toBe(1);
    const chat = replay.requests.filter((r) => r.path === "/v1/chat/completions");
    expect(chat.map((r) => r.headers.authorization)).toEqual(Array(2).fill("Bearer fixture-access-token-expires-in-string-7f3a9c"));
  });

  it("sets the token's lifetime (120 s here, not the 300 s assumed without expires_in)", async () => {
    replay.answer(TOKEN, "oauth/token_expires_in_string");
    let now = 1_000_000;
    const source = new ClientCredentialsTokenSource({
      tokenUrl: `${replay.baseUrl}/oauth2/token`,
      clientId: "wire-client",
      clientSecret: "wire-secret-6b2d9e0f",
      refreshMarginS: 1,
      defaultTtlS: 300,
      now: () => now,
    });
    await source.getToken();
    now += 100_000;
    await source.getToken();
    expect(replay.count(TOKEN)).toBe(1);
    now += 21_000; // 121 s after issue: expired at 120 s
    await source.getToken();
    expect(replay.count(TOKEN)).toBe(2);
  });
});
