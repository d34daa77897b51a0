/**
 * The concurrent-401 race: the gateway revokes every token while many calls are about to use
 * the cached one. Each call gets a 401, drops that token and asks for a new one; the token
 * source must turn those 100 requests for a new token into exactly one token request.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import type { AIGatewayClient } from "../../src/gateway/index.js";
import { clientFor, emulator, streamText } from "../helpers/gateway.js";

let emu: EmulatorHandle;
let client: AIGatewayClient;
beforeEach(async () => {
  emu = await emulator();
  client = clientFor(emu);
});
afterEach(async () => {
  await client.close();
  await emu.close();
});

const ask = (content: string) => ({ model: "gpt-4.1-mini", messages: [{ role: "user" as const, content }] });

describe("100 concurrent calls after the gateway revokes every token", () => {
  it("all succeed with one new token request between them (half streamed, half not)", async () => {
    await client.listModels();
    expect(emu.stats().tokenRequests).toBe(1);
    emu.revokeAllTokens();
    const calls = Array.from({ length: 100 }, (_, i) =>
      i % 2 === 0
        ? client.createChatCompletion(ask(`call ${i}`)).then((c) => c.choices[0]?.message.content ?? "")
        : streamText(client.streamChatCompletion(ask(`call ${i}`))),
    );
    const answers = await Promise.all(calls);
    expect(answers.every((a) => a.includes("Simulated"))).toBe(true);
    expect(emu.stats().tokenRequests).toBe(2);
    // Every call had taken the revoked token before the first 401 came back.
    expect(emu.stats().unauthorized).toBe(100);
    expect(emu.stats().chatRequests).toBe(200);
  });

  it("and again after a second revocation: one more token request, not one per call", async () => {
    await client.listModels();
    for (const round of [1, 2]) {
      emu.revokeAllTokens();
      await Promise.all(Array.from({ length: 100 }, (_, i) => client.createChatCompletion(ask(`round ${round} call ${i}`))));
      expect(emu.stats().tokenRequests).toBe(1 + round);
    }
  });
});
