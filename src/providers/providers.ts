/**
 * Builds the LangChain chat model of a provider for a tier, with the factory of the provider's
 * descriptor (./descriptors). Provider clients are built with their own retries off
 * (`maxRetries: 0`): the gateway client is the one retry layer, and fallback to the next
 * provider replaces retrying a failing one. ChatAIGateway keeps its client's retry policy.
 *
 * The vendor SDKs are loaded only for the providers that take part (`loadProviderSdks`, which
 * `ProviderRegistry.create` and `configure` await): a process that only talks to the gateway
 * never pays for the OpenAI, Anthropic, Gemini or Ollama packages.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { descriptorOf, type ModelBuildContext } from "./descriptors/index.js";
import type { ProviderSettings } from "./settings.js";
import { PROVIDERS, type ProviderName } from "./types.js";

export type { ModelBuildContext } from "./descriptors/index.js";

/** Loads the SDK of each of `providers` that has one and is not loaded yet (default: all of them). */
export async function loadProviderSdks(providers: readonly ProviderName[] = PROVIDERS): Promise<void> {
  await Promise.all(providers.map((p) => descriptorOf(p).loadSdk()));
}

/** Builds the chat model of `provider` for one tier; throws when the settings cannot make one. */
export function createProviderChatModel(provider: ProviderName, settings: ProviderSettings, ctx: ModelBuildContext): BaseChatModel {
  return descriptorOf(provider).createModel(settings, ctx);
}
