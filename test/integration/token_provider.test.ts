/**
 * A caller's own token function (`tokenProvider`, like AzureChatOpenAI's azureADTokenProvider)
 * on AIGatewayClient, ChatAIGateway and createRuntime: cached and single-flight like OAuth2
 * tokens, and asked again exactly once after the gateway answers 401.
 */
import { HumanMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { AIGatewayClient, type TokenFunction } from "../../src/gateway/index.js";
import { ChatAIGateway } from "../../src/models/index.js";
import { createRuntime } from "../../src/runtime/index.js";
import { emulator, silentLogger } from "../helpers/gateway.js";

let emu: EmulatorHandle;
beforeAll(async () => {
  emu = await emulator({ tokenTtlSeconds: 3600 });
});
afterAll(() => emu.close());
beforeEach(() => emu.resetStats());

/** A token function that, like @azure/identity's, fetches a token from an identity provider (the emulator's token endpoint). */
function countingProvider(shape: "string" | "object" = "string"): { fn: TokenFunction; calls: () => number } {
  let calls = 0;
  const fn: TokenFunction = async () => {
    calls++;
    const res = await fetch(emu.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`${emu.clientId}:${emu.clientSecret}`).toString("base64")}` },
      body: "grant_type=client_credentials",
    });
    const body = (await res.json()) as { access_token: string; expires_in: number };
    return shape === "string" ? body.access_token : { token: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
  };
  return { fn, calls: () => calls };
}

const ask = (content: string) => ({ model: "gpt-5.1", messages: [{ role: "user" as const, content }] });

describe("tokenProvider on AIGatewayClient", () => {
  it.each(["string", "object"] as const)("is called once for 50 concurrent calls, and again once after a 401 (%s results)", async (shape) => {
    const provider = countingProvider(shape);
    const client = new AIGatewayClient({ baseUrl: emu.baseUrl, tokenProvider: provider.fn, logger: silentLogger, retry: { baseDelayMs: 1 } });
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => client.createChatCompletion(ask(`question ${i}`))));
      expect(answers.every((a) => a.choices[0]?.message.content?.startsWith("Simulated"))).toBe(true);
      expect(provider.calls()).toBe(1);

      emu.revokeAllTokens();
      const after = await Promise.all(Array.from({ length: 10 }, (_, i) => client.createChatCompletion(ask(`after revoke ${i}`))));
      expect(after).toHaveLength(10);
      expect(provider.calls()).toBe(2);
      expect(emu.stats().unauthorized).toBeGreaterThanOrEqual(1);
      // The tokens came from the function, not from a client-credentials source of the client's own.
      expect(emu.stats().tokenRequests).toBe(2);
    } finally {
      await client.close();
    }
  });

  it("surfaces a failing function as a typed auth error without its message", async () => {
    const client = new AIGatewayClient({
      baseUrl: emu.baseUrl,
      tokenProvider: async () => {
        throw new Error("credential sk-live-very-secret-value expired");
      },
      logger: silentLogger,
    });
    try {
      const error = (await client.listModels().catch((e: unknown) => e)) as { name: string; code: string; message: string };
      expect(error.name).toBe("AIGatewayAuthError");
      expect(error.code).toBe("token_provider_failed");
      expect(error.message).not.toContain("sk-live-very-secret-value");
      expect(emu.stats().modelRequests).toBe(0);
    } finally {
      await client.close();
    }
  });
});

describe("tokenProvider on ChatAIGateway", () => {
  it("serves several calls and models with one call of the function, and is not serialised", async () => {
    const provider = countingProvider();
    const a = new ChatAIGateway({ model: "gpt-5.1", baseUrl: emu.baseUrl, tokenProvider: provider.fn });
    const b = new ChatAIGateway({ model: "gpt-5-mini", baseUrl: emu.baseUrl, tokenProvider: provider.fn });
    try {
      const answers = await Promise.all([a.invoke([new HumanMessage("one")]), a.invoke([new HumanMessage("two")]), b.invoke([new HumanMessage("three")])]);
      expect(answers.map((m) => m.text).every((t) => t.startsWith("Simulated"))).toBe(true);
      expect(provider.calls()).toBe(1);
      expect(a.client).toBe(b.client);
      expect(JSON.stringify(a.toJSON())).not.toMatch(/tokenProvider/);
    } finally {
      await a.client.close();
    }
  });
});

describe("tokenProvider on createRuntime", () => {
  it("uses the function instead of credentials from the environment, with only the base URL set", async () => {
    const provider = countingProvider();
    const runtime = await createRuntime({ env: { AI_GATEWAY_BASE_URL: emu.baseUrl }, tokenProvider: provider.fn, logger: silentLogger });
    try {
      expect(runtime.emulator).toBeUndefined();
      const outcome = await runtime.registry.verify("gateway");
      expect(outcome.ok).toBe(true);
      expect(outcome.token?.authMethod).toBe("token_provider");
      const model = runtime.registry.chatModel("fast");
      expect((await model.invoke([new HumanMessage("hello")])).text).toMatch(/^Simulated/);
      // One token for discovery's model list at startup, one forced by verify; the call reuses the latter.
      expect(provider.calls()).toBe(2);
    } finally {
      await runtime.close();
    }
  });

  it("needs AI_GATEWAY_BASE_URL", async () => {
    const error = await createRuntime({ env: {}, tokenProvider: async () => "x", logger: silentLogger }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/AI_GATEWAY_BASE_URL/);
  });
});
