/**
 * What the client tells the user for vendor answers that each call for a different fix, served on
 * loopback from the hand-written fixtures of test/fixtures/wire: a wrong client secret in the
 * words of Keycloak, Entra ID, Okta and Auth0; a spent LiteLLM budget and other quota refusals
 * (and Azure's throttling, which is not one); a missing APIM subscription key; Entra's support
 * ids; and a token endpoint's Retry-After. Each case checks the error's code and its message,
 * how the orchestrator classifies it, and that the client secret appears nowhere.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AIGatewayAuthError,
  AIGatewayClient,
  AIGatewayConfigError,
  AIGatewayHTTPError,
  AIGatewayQuotaError,
  AIGatewayRateLimitError,
  ClientCredentialsTokenSource,
} from "../../src/gateway/index.js";
import { describeModelFailure } from "../../src/providers/failure.js";
import { silentLogger } from "../helpers/gateway.js";
import { startReplayServer, type ReplayServer } from "../helpers/wire_replay.js";

const CHAT = "POST /v1/chat/completions";
const TOKEN = "POST /oauth2/token";
const SECRET = "wire-secret-4c8e1a7d";
const ask = { model: "gpt-4o", messages: [{ role: "user" as const, content: "Hello" }] };

let replay: ReplayServer;
const clients: AIGatewayClient[] = [];
beforeEach(async () => {
  replay = await startReplayServer();
});
afterEach(async () => {
  while (clients.length) await clients.pop()?.close();
  await replay.close();
});

function oauthClient(): AIGatewayClient {
  const client = new AIGatewayClient({
    baseUrl: replay.baseUrl,
    tokenUrl: `${replay.baseUrl}/oauth2/token`,
    clientId: "wire-client",
    clientSecret: SECRET,
    logger: silentLogger,
    retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5_000 },
  });
  clients.push(client);
  return client;
}

function apiKeyClient(): AIGatewayClient {
  const client = new AIGatewayClient({ baseUrl: replay.baseUrl, apiKey: SECRET, logger: silentLogger, retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5_000 } });
  clients.push(client);
  return client;
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error);

/** The error, its JSON and the orchestrator's record of it must not hold the secret. */
function expectNoSecret(error: Error): void {
  expect(error.message).not.toContain(SECRET);
  expect(JSON.stringify(error)).not.toContain(SECRET);
  expect(JSON.stringify(describeModelFailure(error))).not.toContain(SECRET);
}

describe("a wrong client secret is reported as one, whatever the identity provider calls it", () => {
  it.each([
    ["Keycloak", "keycloak/token_error_wrong_secret", "unauthorized_client", "Invalid client or Invalid client credentials"],
    ["Entra ID", "entra/token_error_invalid_client_secret", "invalid_client", "AADSTS7000215: Invalid client secret provided."],
    ["Okta", "okta/token_error_invalid_client", "invalid_client", "The client secret supplied for a confidential client is invalid."],
    ["Auth0", "auth0/token_error_access_denied", "access_denied", "Unauthorized"],
  ])("%s: code invalid_client, advice to check the id and secret, one token request, no API request", async (_idp, fixture, upstream, said) => {
    replay.answer(TOKEN, fixture);
    const error = await failure(oauthClient().createChatCompletion(ask));
    expect(error).toBeInstanceOf(AIGatewayAuthError);
    expect(error).toMatchObject({ code: "invalid_client", status: 401, retryable: false });
    const message = error!.message;
    expect(message).toMatch(/^The token endpoint rejected the client credentials \(401 /);
    expect(message).toContain(`401 ${upstream}: ${said}`);
    expect(message).toContain("The client id or secret is wrong, or the secret has expired: check AI_GATEWAY_CLIENT_ID and AI_GATEWAY_CLIENT_SECRET");
    expect(message).not.toMatch(/administrators|client-credentials grant/);
    expect(describeModelFailure(error)).toMatchObject({ kind: "auth", code: "invalid_client" });
    expect(describeModelFailure(error).message).toContain("AI_GATEWAY_CLIENT_SECRET");
    expectNoSecret(error!);
    expect(replay.count(TOKEN)).toBe(1);
    expect(replay.count(CHAT)).toBe(0);
  });

  it("Entra ID: the multi-line description keeps the trace id, correlation id and timestamp whole", async () => {
    replay.answer(TOKEN, "entra/token_error_invalid_client_secret");
    const error = await failure(oauthClient().createChatCompletion(ask));
    const message = error!.message;
    expect(message).toContain("Trace ID: 4d3c2b1a-0f9e-4d8c-b7a6-958473625140");
    expect(message).toContain("Correlation ID: 9e8d7c6b-5a4f-4e3d-2c1b-0a9f8e7d6c5b");
    expect(message).toContain("Timestamp: 2024-11-13 12:00:00Z");
    expect(message).not.toMatch(/[\r\n]/);
  });

  it("an unauthorized_client that is about the grant, not the secret, still sends the user to the administrators", async () => {
    replay.answer(TOKEN, "oauth/token_error_unauthorized_client");
    const error = await failure(oauthClient().createChatCompletion(ask));
    expect(error).toMatchObject({ code: "unauthorized_client", status: 400 });
    expect(error!.message).toContain("administrators");
    expect(error!.message).not.toContain("rejected the client credentials");
  });
});

describe("a spent budget or quota is its own error, not an invalid request", () => {
  it("LiteLLM's budget_exceeded (400, code \"400\"): gateway_budget_exceeded, not retried, kind quota", async () => {
    replay.answer(CHAT, "litellm/error_400_budget_exceeded");
    const error = await failure(apiKeyClient().createChatCompletion(ask));
    expect(error).toBeInstanceOf(AIGatewayQuotaError);
    expect(error).toMatchObject({ code: "gateway_budget_exceeded", status: 400, limit: "budget", upstreamCode: "budget_exceeded", retryable: false });
    const message = error!.message;
    expect(message).toContain("the spending budget of this client is used up (400 budget_exceeded): Budget has been exceeded! Current cost: 10.0421, Max budget: 10.0.");
    expect(message).toContain("retrying will not help");
    expect(message).not.toMatch(/invalid|messages, tools and parameters/);
    expect((error as AIGatewayQuotaError).toJSON()).toMatchObject({ code: "gateway_budget_exceeded", limit: "budget" });
    const described = describeModelFailure(error);
    expect(described).toMatchObject({ kind: "quota", code: "gateway_budget_exceeded", status: 400, provider: "gateway" });
    expect(described.message).toMatch(/quota or budget is used up/);
    expectNoSecret(error!);
    expect(replay.count(CHAT)).toBe(1);
  });

  it.each([
    ["OpenAI's insufficient_quota (429)", "openai/error_429_insufficient_quota", 429, "You exceeded your current quota"],
    ["APIM's quota policy (403)", "apim/error_403_quota", 403, "Out of call volume quota"],
  ])("%s: gateway_quota_exceeded, not retried", async (_name, fixture, status, said) => {
    replay.answer(CHAT, fixture);
    const error = await failure(apiKeyClient().createChatCompletion(ask));
    expect(error).toBeInstanceOf(AIGatewayQuotaError);
    expect(error).toMatchObject({ code: "gateway_quota_exceeded", status, limit: "quota", retryable: false });
    expect(error!.message).toContain("the usage quota of this client is used up");
    expect(error!.message).toContain(said);
    expect(describeModelFailure(error)).toMatchObject({ kind: "quota", code: "gateway_quota_exceeded" });
    expect(replay.count(CHAT)).toBe(1);
  });

  it("Azure OpenAI's 'exceeded token rate limit' is throttling: a rate-limit error, retried", async () => {
    replay.answer(CHAT, "azure_openai/error_429_token_rate_limit");
    const client = new AIGatewayClient({ baseUrl: replay.baseUrl, apiKey: SECRET, logger: silentLogger, retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 5_000 } });
    clients.push(client);
    const error = await failure(client.createChatCompletion(ask));
    expect(error).toBeInstanceOf(AIGatewayRateLimitError);
    expect(error).toMatchObject({ code: "429", retryable: true, retryAfterMs: 1000 });
    expect(describeModelFailure(error).kind).toBe("rate_limited");
  });
});

describe("Azure API Management without a subscription key", () => {
  it("names AI_GATEWAY_HEADERS and fetches no second token", async () => {
    replay.answer(TOKEN, "oauth/token_expires_in_string");
    replay.answer(CHAT, "apim/error_401_missing_subscription_key");
    const error = await failure(oauthClient().createChatCompletion(ask));
    expect(error).toBeInstanceOf(AIGatewayConfigError);
    expect(error).toMatchObject({ code: "apim_subscription_key_missing", status: 401, variable: "AI_GATEWAY_HEADERS", retryable: false });
    const message = error!.message;
    expect(message).toContain("the subscription key is missing (401): Access denied due to missing subscription key.");
    expect(message).toContain('AI_GATEWAY_HEADERS={"Ocp-Apim-Subscription-Key":"${APIM_KEY}"}');
    expect(message).not.toMatch(/scope|resource|access token/i);
    expect(describeModelFailure(error)).toMatchObject({ kind: "auth", code: "apim_subscription_key_missing" });
    expect(describeModelFailure(error).message).toContain("AI_GATEWAY_HEADERS");
    expectNoSecret(error!);
    // A new token cannot fix a missing subscription key: one token, one call.
    expect(replay.count(TOKEN)).toBe(1);
    expect(replay.count(CHAT)).toBe(1);
  });
});

describe("the token endpoint's Retry-After", () => {
  function tokenSource(waits: number[]): ClientCredentialsTokenSource {
    return new ClientCredentialsTokenSource({
      tokenUrl: `${replay.baseUrl}/oauth2/token`,
      clientId: "wire-client",
      clientSecret: SECRET,
      retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 20_000 },
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
  }

  it("is waited before each retry, and the token comes once the endpoint answers", async () => {
    replay.answer(TOKEN, "entra/token_429_retry_after", "oauth/token_expires_in_string");
    const waits: number[] = [];
    expect(await tokenSource(waits).getToken()).toBe("fixture-access-token-expires-in-string-7f3a9c");
    expect(waits).toEqual([1000]);
    expect(replay.count(TOKEN)).toBe(2);
  });

  it("once retries run out, the error names the token endpoint, not the gateway", async () => {
    replay.answer(TOKEN, "entra/token_429_retry_after");
    const waits: number[] = [];
    const error = await failure(tokenSource(waits).getToken());
    expect(waits).toEqual([1000, 1000]);
    expect(replay.count(TOKEN)).toBe(3);
    expect(error).toBeInstanceOf(AIGatewayHTTPError);
    expect(error).toMatchObject({ code: "token_endpoint_unavailable", status: 429, retryAfterMs: 1000, requestId: "2f1e0d9c-8b7a-4f6e-9d5c-4b3a29180f7e" });
    expect(error!.message).toMatch(/^The token endpoint at '127\.0\.0\.1:\d+' answered 429: it is rate limiting token requests\. It asked to wait 1 s\./);
    const described = describeModelFailure(error);
    expect(described.kind).toBe("rate_limited");
    expect(described.message).toMatch(/^The gateway's token endpoint is rate limiting this client/);
  });

  it("a wait longer than the client will sleep is reported at once, not slept on", async () => {
    replay.answer(TOKEN, "entra/token_429_retry_after_long");
    const waits: number[] = [];
    const error = await failure(tokenSource(waits).getToken());
    expect(waits).toEqual([]);
    expect(replay.count(TOKEN)).toBe(1);
    expect(error).toMatchObject({ code: "token_endpoint_unavailable", retryAfterMs: 30_000 });
    expect(error!.message).toContain("It asked to wait 30 s.");
  });
});
