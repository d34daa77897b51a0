/** OpenAI (or any OpenAI-compatible API) as a fallback provider, through @langchain/openai. */
import { FALLBACK_PROVIDER_ENV } from "../../config/index.js";
import { isReasoningModel } from "../../models/index.js";
import { countList, defineFallbackProvider } from "./define.js";
import { STAINLESS_ERROR_NAMES } from "./stainless.js";

/** The OpenAI provider. */
export const openai = defineFallbackProvider({
  name: "openai",
  label: "OpenAI",
  env: FALLBACK_PROVIDER_ENV.openai,
  defaultBaseUrl: "https://api.openai.com/v1",
  defaultModels: { fast: "gpt-5-mini", standard: "gpt-5.1", premium: "gpt-5.1" },
  errorNames: STAINLESS_ERROR_NAMES,
  prices: { tableId: "openai" },
  loadSdk: () => import("@langchain/openai"),
  createModel: (sdk, s, ctx) => {
    const reasoning = isReasoningModel(ctx.model);
    return new sdk.ChatOpenAI({
      model: ctx.model,
      apiKey: "apiKey" in s ? s.apiKey : undefined,
      configuration: s.baseUrl || ctx.fetch ? { baseURL: s.baseUrl, fetch: ctx.fetch } : undefined,
      maxRetries: 0,
      maxTokens: ctx.tier.maxTokens,
      // Reasoning models reject a temperature; other models reject reasoning_effort.
      temperature: reasoning ? undefined : ctx.tier.temperature,
      reasoning: reasoning && ctx.tier.reasoningEffort ? { effort: ctx.tier.reasoningEffort } : undefined,
      streamUsage: true,
    });
  },
  probe: (base, key) => ({ url: `${base}/models`, headers: { authorization: `Bearer ${key}` }, count: countList("data") }),
});
