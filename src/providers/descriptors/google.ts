/** Google Gemini as a fallback provider, through @langchain/google-genai. */
import { FALLBACK_PROVIDER_ENV } from "../../config/index.js";
import { countList, defineFallbackProvider } from "./define.js";

/** The Gemini provider. */
export const google = defineFallbackProvider({
  name: "google",
  label: "Google Gemini",
  env: FALLBACK_PROVIDER_ENV.google,
  defaultBaseUrl: "https://generativelanguage.googleapis.com",
  defaultModels: { fast: "gemini-2.5-flash", standard: "gemini-2.5-pro", premium: "gemini-2.5-pro" },
  // The Gemini client takes no custom fetch: its calls cannot be guarded, so its URL is env-only.
  guardable: false,
  prices: { tableId: "google" },
  loadSdk: () => import("@langchain/google-genai"),
  createModel: (sdk, s, ctx) =>
    new sdk.ChatGoogleGenerativeAI({
      model: ctx.model,
      apiKey: "apiKey" in s ? s.apiKey : undefined,
      baseUrl: s.baseUrl,
      maxRetries: 0,
      maxOutputTokens: ctx.tier.maxTokens,
      temperature: ctx.tier.temperature,
    }),
  probe: (base, key) => ({ url: `${base}/v1beta/models?pageSize=1000`, headers: { "x-goog-api-key": key }, count: countList("models") }),
});
