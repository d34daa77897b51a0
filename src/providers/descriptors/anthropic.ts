/** Anthropic as a fallback provider, through @langchain/anthropic. */
import { FALLBACK_PROVIDER_ENV } from "../../config/index.js";
import { countList, defineFallbackProvider } from "./define.js";
import { STAINLESS_ERROR_NAMES } from "./stainless.js";

/** The Anthropic provider. */
export const anthropic = defineFallbackProvider({
  name: "anthropic",
  label: "Anthropic",
  env: FALLBACK_PROVIDER_ENV.anthropic,
  defaultBaseUrl: "https://api.anthropic.com",
  defaultModels: { fast: "claude-haiku-4-5", standard: "claude-sonnet-4-6", premium: "claude-opus-4-6" },
  errorNames: STAINLESS_ERROR_NAMES,
  prices: { tableId: "anthropic" },
  loadSdk: () => import("@langchain/anthropic"),
  // reasoningEffort is not mapped: Anthropic's thinking budget is a different control.
  createModel: (sdk, s, ctx) =>
    new sdk.ChatAnthropic({
      model: ctx.model,
      apiKey: "apiKey" in s ? s.apiKey : undefined,
      anthropicApiUrl: s.baseUrl,
      clientOptions: ctx.fetch ? { fetch: ctx.fetch } : undefined,
      maxRetries: 0,
      maxTokens: ctx.tier.maxTokens,
      temperature: ctx.tier.temperature,
    }),
  probe: (base, key) => ({
    url: `${base}/v1/models?limit=1000`,
    headers: { "x-api-key": key, "anthropic-version": "2023-06-01" },
    count: countList("data"),
  }),
});
