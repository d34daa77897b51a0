/** A local Ollama server as the last-resort provider, through @langchain/ollama; configured by its URL alone. */
import { FALLBACK_PROVIDER_ENV } from "../../config/index.js";
import { countList, defineFallbackProvider } from "./define.js";

/** Model used for every tier of a local Ollama server unless OLLAMA_MODEL or the tiers file says otherwise. */
export const DEFAULT_OLLAMA_MODEL = "llama3.1";

/** The Ollama provider. */
export const ollama = defineFallbackProvider({
  name: "ollama",
  label: "Ollama",
  env: FALLBACK_PROVIDER_ENV.ollama,
  defaultBaseUrl: "http://127.0.0.1:11434",
  defaultModels: { fast: DEFAULT_OLLAMA_MODEL, standard: DEFAULT_OLLAMA_MODEL, premium: DEFAULT_OLLAMA_MODEL },
  // It runs on the user's own machine.
  prices: { free: true },
  loadSdk: () => import("@langchain/ollama"),
  createModel: (sdk, s, ctx) =>
    new sdk.ChatOllama({
      model: ctx.model,
      baseUrl: s.baseUrl,
      fetch: ctx.fetch,
      maxRetries: 0,
      numPredict: ctx.tier.maxTokens,
      temperature: ctx.tier.temperature,
    }),
  probe: (base) => ({ url: `${base}/api/tags`, headers: {}, count: countList("models") }),
});
