/**
 * The table model discovery ranks by: which model families it knows, which vendor each
 * belongs to, and which words (or parameter counts) mark a model's size class. It is data
 * only; `model_ranking.ts` reads it, and `npm run docs` renders it as the README's rank table.
 * Adding a family is one entry here plus a row in test/unit/providers_model_families.test.ts.
 */

/** A model family discovery can rank. */
export type ModelFamilyName = "gpt" | "o" | "claude" | "gemini" | "llama" | "mistral" | "qwen" | "deepseek";

/** The vendor behind a family. Generations are only compared within one vendor. */
export type ModelVendor = "openai" | "anthropic" | "google" | "meta" | "mistral" | "qwen" | "deepseek";

/**
 * Size class of a model, biggest first: `pro` (premium grade: opus, ultra, large, max...),
 * `base` (standard grade: sonnet, gemini pro...), `chat` (GPT chat-latest), `mini` (fast grade:
 * mini, flash, haiku, small...) and `nano` (the smallest: nano, flash-lite, tiny...).
 */
export type ModelVariant = "pro" | "base" | "chat" | "mini" | "nano";

/** One row of the family table. */
export interface FamilyRule {
  /** How the README's rank table names the row. */
  name: string;
  family: ModelFamilyName;
  vendor: ModelVendor;
  /** Matches the start of a bare, lower-case id; what follows holds the version and size words. */
  prefix: RegExp;
  /**
   * Generation from the prefix match, for families whose version is part of the prefix (gpt-4o,
   * o3). Others take it from the first version word: `major * 1000 + minor`.
   */
  generation?: (match: RegExpExecArray) => number;
  /** Words naming a size class in this family. */
  sizes: Readonly<Record<string, ModelVariant>>;
  /** Size class of an id that names none; "base" when unset. */
  plain?: ModelVariant;
  /**
   * Premium compares this family's generations by major version only, so a bigger model of an
   * earlier point release beats a smaller newer one (Llama 3.1 405B over Llama 3.3 70B): these
   * point releases re-train only some sizes, and the biggest of a major stays its top model.
   */
  premiumByMajor?: boolean;
}

const OPENAI_SIZES = { pro: "pro", chat: "chat", mini: "mini", nano: "nano" } as const;

/**
 * Every family, in the order vendors are preferred when a gateway lists several: OpenAI first,
 * because the gateway speaks its API and the model-family rules know its parameters.
 */
export const MODEL_FAMILIES: readonly FamilyRule[] = [
  {
    name: "GPT-3.5",
    // Before the general GPT row, which would read Azure's dotless "gpt-35" as generation 35.
    // GPT-3.5 Turbo is the small, cheap model of its era: fast grade beside GPT-4-class models.
    family: "gpt",
    vendor: "openai",
    prefix: /^gpt-3\.?5(?=-|$)/,
    generation: () => 3005,
    sizes: OPENAI_SIZES,
    plain: "mini",
  },
  {
    name: "GPT",
    family: "gpt",
    vendor: "openai",
    prefix: /^gpt-(\d+)(?:\.(\d+))?(o)?(?=-|$)/,
    // gpt-4o sits half a step above gpt-4: gpt-5.1 (5001) > gpt-5 (5000) > gpt-4.1 (4001) > gpt-4o (4000.5).
    generation: (m) => Number(m[1]) * 1000 + Number(m[2] ?? 0) + (m[3] ? 0.5 : 0),
    sizes: OPENAI_SIZES,
  },
  {
    name: "o-series",
    family: "o",
    vendor: "openai",
    prefix: /^o(\d+)(?=-|$)/,
    // The o-series sits between GPT-4.x and GPT-5, which replaced it: o3 is 4503.
    generation: (m) => 4500 + Number(m[1]),
    sizes: OPENAI_SIZES,
    // A reasoning model thinks at length before it answers, at a multiple of a GPT model's cost
    // and latency: premium grade, so standard stays on a GPT-4o-class model when one is listed.
    plain: "pro",
  },
  { name: "Claude", family: "claude", vendor: "anthropic", prefix: /^claude(?=-|$)/, sizes: { opus: "pro", sonnet: "base", haiku: "mini", instant: "mini" } },
  { name: "Gemini", family: "gemini", vendor: "google", prefix: /^gemini(?=-|$)/, sizes: { ultra: "pro", pro: "base", flash: "mini", lite: "nano" } },
  // Llama 4 names its sizes (the "17b" of Scout and Maverick counts active parameters only).
  { name: "Llama", family: "llama", vendor: "meta", prefix: /^(?:meta-)?llama(?=[-\d]|$)/, sizes: { behemoth: "pro", maverick: "base", scout: "mini" }, premiumByMajor: true },
  {
    name: "Mistral",
    family: "mistral",
    vendor: "mistral",
    prefix: /^(?:open-)?(?:mistral|mixtral|magistral|ministral)(?=-|$)/,
    sizes: { large: "pro", medium: "base", small: "mini", nemo: "mini", tiny: "nano" },
  },
  { name: "Qwen", family: "qwen", vendor: "qwen", prefix: /^(?:qwen|qwq)(?=[-\d]|$)/, sizes: { max: "pro", plus: "base", turbo: "mini", flash: "mini" } },
  // R1 and the reasoner alias are DeepSeek's premium grade; its distilled models are small.
  { name: "DeepSeek", family: "deepseek", vendor: "deepseek", prefix: /^deepseek(?=-|$)/, sizes: { reasoner: "pro", r1: "pro", lite: "mini", distill: "mini" } },
];

/**
 * Size class from a parameter count in billions ("70b", "8x7b"): the first bound the count
 * does not exceed. When an id has both size words and a count, the smaller class wins, so
 * Mistral-Small-24B is fast and deepseek-r1:7b (a distilled model) is not premium.
 */
export const PARAMETER_SIZES: readonly (readonly [maxBillions: number, variant: ModelVariant])[] = [
  [4, "nano"],
  [14, "mini"],
  [130, "base"],
  [Infinity, "pro"],
];

/** Words that say nothing about rank; any other unknown word marks an id as a variant (preview, exp, vision...). */
export const NEUTRAL_WORDS: ReadonlySet<string> = new Set(["instruct", "chat", "it", "hf", "latest", "fp8", "fp16", "bf16"]);

/**
 * Hosting prefixes some gateways put before the vendor's id with a dot (Amazon Bedrock:
 * "anthropic.claude-…", "us.meta.llama3-…"). A slash prefix ("azure/", "vertex_ai/",
 * "openrouter/anthropic/") is dropped whole.
 */
export const DOTTED_VENDOR_PREFIX = /^(?:(?:us|eu|apac|global|us-gov)\.)?(anthropic|meta|mistral|deepseek|qwen|openai|google)\./;

/**
 * Ids a `/models` list serves that cannot hold a chat conversation, or that are specialised
 * tools (search, computer use, code agents, safety classifiers) unsuitable as a general tier.
 * OpenAI's "-instruct" models are completions-only; other vendors' "-instruct" ids are chat models.
 */
export const NON_CHAT =
  /(embed|whisper|audio|tts|transcribe|speech|dall-e|image|moderation|realtime|search|davinci|babbage|codex|computer-use|deep-research|sora|rerank|guard|(?:^|[-/.])(?:live|ocr)(?:[-.]|$)|(?:^|\/)gpt-3\.?5-turbo-instruct)/i;
