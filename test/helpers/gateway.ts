/** Test helpers: an emulator plus a client wired to it, with fast retry timings. */
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "../../src/emulator/index.js";
import { AIGatewayClient, type AIGatewayClientOptions } from "../../src/gateway/index.js";
import { createLogger } from "../../src/logging/index.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import { resolveTiersFile } from "../../src/policy/tier_config.js";
import type { Policy } from "../../src/policy/policy.js";

/** A logger that drops everything (tests that inspect logs make their own). */
export const silentLogger = createLogger({ level: "silent", format: "json" });

/** Starts an emulator on an ephemeral loopback port. */
export function emulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  return startEmulator({ host: "127.0.0.1", port: 0, ...options });
}

/** A client for `emu` with small backoffs so retry tests stay quick. */
export function clientFor(emu: EmulatorHandle, options: AIGatewayClientOptions = {}): AIGatewayClient {
  return new AIGatewayClient({
    baseUrl: emu.baseUrl,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    logger: silentLogger,
    ...options,
    retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 5_000, ...options.retry },
  });
}

/** Collects the text of a streamed completion. */
export async function streamText(stream: AsyncIterable<{ choices: { delta?: { content?: string | null } }[] }>): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  return text;
}

/** An emulator plus a registry whose gateway is that emulator (discovery off), and how to close both. */
export async function emulatorRegistry(options: EmulatorOptions = {}): Promise<{ emu: EmulatorHandle; registry: ProviderRegistry; close: () => Promise<void> }> {
  const emu = await emulator(options);
  const registry = await ProviderRegistry.create({
    env: { AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret },
    logger: silentLogger,
    discovery: { enabled: false },
  });
  return {
    emu,
    registry,
    close: async () => {
      await registry.close();
      await emu.close();
    },
  };
}

/** A registry whose gateway is `emu` (discovery off) and the policy, both from the given tiers-file content. */
export async function runtimeOnEmulator(emu: EmulatorHandle, tiers: Parameters<typeof resolveTiersFile>[0] = {}): Promise<{ registry: ProviderRegistry; policy: Policy }> {
  const { models, policy } = resolveTiersFile(tiers);
  const registry = await ProviderRegistry.create({
    env: { AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret },
    tierConfig: models,
    logger: silentLogger,
    discovery: { enabled: false },
  });
  return { registry, policy };
}
