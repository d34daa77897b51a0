import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import { emulator, silentLogger } from "../helpers/gateway.js";
import { CountingAgent } from "./providers_helpers.js";

const KEY = "sk-dispatcher-test-0123456789";
let secondary: EmulatorHandle;
beforeAll(async () => {
  secondary = await emulator({ staticApiKeys: [KEY] });
});
afterAll(async () => {
  await secondary.close();
});

describe("configure with a dispatcher", () => {
  it("carries a fallback provider's SDK calls (here OpenAI's) through the given dispatcher", async () => {
    // The HTTP API passes its SSRF-guarded Agent here, so later model calls are checked at connect time too.
    const registry = await ProviderRegistry.create({ env: {}, logger: silentLogger, discovery: { enabled: false } });
    const agent = new CountingAgent();
    try {
      await registry.configure("openai", { ...registry.providerSettings("openai"), apiKey: KEY, baseUrl: secondary.apiUrl }, { dispatcher: agent });
      const model = registry.providerModel("openai", "standard");
      const answer = await model!.invoke("hello through the dispatcher");
      expect(String(answer.content)).toContain("Simulated answer");
      expect(agent.requests).toBeGreaterThanOrEqual(1);
      expect(secondary.stats().chatRequests).toBe(1);

      // Reconfiguring without a dispatcher goes back to the default one.
      const before = agent.requests;
      await registry.configure("openai", { ...registry.providerSettings("openai") });
      await registry.providerModel("openai", "standard")!.invoke("hello again");
      expect(agent.requests).toBe(before);
      expect(secondary.stats().chatRequests).toBe(2);
    } finally {
      await registry.close();
      await agent.close();
    }
  });
});
