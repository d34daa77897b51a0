/**
 * Table tests of the family/size table (src/providers/model_families.ts) as the ranking reads
 * it: ids of every known family, bare and behind the prefixes gateways put on them.
 */
import { describe, expect, it } from "vitest";
import { isChatModel, parseModelId, pickTierModels, rankModels, type ModelVariant } from "../../src/providers/index.js";

type Row = [id: string, family: string, vendor: string, generation: number, variant: ModelVariant];

describe("parseModelId across families and prefixes", () => {
  it.each<Row>([
    // Anthropic: opus > sonnet > haiku; old and new word orders, Bedrock, Vertex and OpenRouter spellings.
    ["claude-sonnet-4-5", "claude", "anthropic", 4005, "base"],
    ["claude-opus-4-1-20250805", "claude", "anthropic", 4001, "pro"],
    ["claude-haiku-4-5", "claude", "anthropic", 4005, "mini"],
    ["claude-3-5-sonnet-20241022", "claude", "anthropic", 3005, "base"],
    ["claude-3-opus-20240229", "claude", "anthropic", 3000, "pro"],
    ["anthropic/claude-sonnet-4-5", "claude", "anthropic", 4005, "base"],
    ["bedrock/us.anthropic.claude-sonnet-4-20250514-v1:0", "claude", "anthropic", 4000, "base"],
    ["vertex_ai/claude-3-5-haiku@20241022", "claude", "anthropic", 3005, "mini"],
    ["openrouter/anthropic/claude-3.7-sonnet", "claude", "anthropic", 3007, "base"],
    // Google: pro is the standard grade, flash fast, flash-lite the smallest.
    ["gemini-2.5-pro", "gemini", "google", 2005, "base"],
    ["gemini-2.5-flash", "gemini", "google", 2005, "mini"],
    ["gemini-2.5-flash-lite", "gemini", "google", 2005, "nano"],
    ["vertex_ai/gemini-2.0-flash-001", "gemini", "google", 2000, "mini"],
    ["google/gemini-1.5-flash-8b", "gemini", "google", 1005, "mini"],
    // Meta: by parameter count, or by Llama 4's size names (its "17b" is the active count).
    ["meta-llama/Llama-3.3-70B-Instruct", "llama", "meta", 3003, "base"],
    ["meta-llama/Meta-Llama-3.1-8B-Instruct", "llama", "meta", 3001, "mini"],
    ["llama-3.1-405b-instruct", "llama", "meta", 3001, "pro"],
    ["llama3.2:1b", "llama", "meta", 3002, "nano"],
    ["bedrock/meta.llama3-1-70b-instruct-v1:0", "llama", "meta", 3001, "base"],
    ["meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8", "llama", "meta", 4000, "base"],
    ["meta-llama/Llama-4-Scout-17B-16E-Instruct", "llama", "meta", 4000, "mini"],
    // Mistral: large > medium > small; a size word and a parameter count, the smaller wins.
    ["mistral-large-latest", "mistral", "mistral", Infinity, "pro"],
    ["mistral-medium-2505", "mistral", "mistral", Infinity, "base"],
    ["azure/mistral-small-2503", "mistral", "mistral", Infinity, "mini"],
    ["mistralai/Mistral-Small-3.1-24B-Instruct-2503", "mistral", "mistral", 3001, "mini"],
    ["mistralai/Mixtral-8x7B-Instruct-v0.1", "mistral", "mistral", 1, "base"],
    ["ministral-3b-latest", "mistral", "mistral", Infinity, "nano"],
    // Qwen: max > plus > turbo, or by total (not active) parameters.
    ["qwen-max", "qwen", "qwen", Infinity, "pro"],
    ["qwen-turbo", "qwen", "qwen", Infinity, "mini"],
    ["Qwen/Qwen2.5-72B-Instruct", "qwen", "qwen", 2005, "base"],
    ["qwen3-235b-a22b", "qwen", "qwen", 3000, "pro"],
    ["openrouter/qwen/qwen2.5-7b-instruct", "qwen", "qwen", 2005, "mini"],
    // DeepSeek: the reasoner (R1) is premium, its distilled models are not.
    ["deepseek-chat", "deepseek", "deepseek", Infinity, "base"],
    ["deepseek-reasoner", "deepseek", "deepseek", Infinity, "pro"],
    ["deepseek-ai/DeepSeek-V3", "deepseek", "deepseek", 3000, "base"],
    ["bedrock/deepseek.r1-v1:0", "deepseek", "deepseek", Infinity, "pro"],
    ["deepseek-r1:7b", "deepseek", "deepseek", Infinity, "mini"],
    ["deepseek-ai/DeepSeek-R1-Distill-Llama-70B", "deepseek", "deepseek", Infinity, "mini"],
    // OpenAI behind hosting prefixes.
    ["azure/gpt-5-mini", "gpt", "openai", 5000, "mini"],
    ["openrouter/openai/o4-mini", "o", "openai", 4504, "mini"],
  ])("%s -> %s/%s %d %s", (id, family, vendor, generation, variant) => {
    expect(parseModelId(id)).toMatchObject({ id, family, vendor, generation, variant });
  });

  it("keeps snapshot dates and marks unranked words as extra", () => {
    expect(parseModelId("claude-3-5-sonnet-20241022")).toMatchObject({ date: "20241022", extra: false });
    expect(parseModelId("gemini-2.5-pro-preview-05-06")).toMatchObject({ variant: "base", extra: true });
    expect(parseModelId("meta-llama/Llama-3.3-70B-Instruct")).toMatchObject({ extra: false });
  });
});

describe("isChatModel beyond OpenAI", () => {
  it.each([
    ["meta-llama/Llama-3.3-70B-Instruct", true],
    ["mistralai/Mistral-7B-Instruct-v0.3", true],
    ["Qwen/Qwen2.5-72B-Instruct", true],
    ["qwen3-coder-480b-a35b-instruct", true],
    // OpenAI's -instruct models are completions-only.
    ["gpt-3.5-turbo-instruct", false],
    ["openai/gpt-3.5-turbo-instruct-0914", false],
    ["gemini-embedding-001", false],
    ["mistral-embed", false],
    ["gemini-2.0-flash-live-001", false],
    ["gemini-2.5-flash-preview-tts", false],
    ["imagen-3.0-generate-002", false],
    ["meta-llama/Llama-Guard-3-8B", false],
    ["mistral-ocr-latest", false],
  ])("%s -> %s", (id, expected) => {
    expect(isChatModel(id)).toBe(expected);
  });

  it("ranks -instruct chat models instead of dropping them", () => {
    expect(rankModels(["meta-llama/Llama-3.1-8B-Instruct", "gpt-3.5-turbo-instruct", "meta-llama/Llama-3.3-70B-Instruct"])).toEqual([
      "meta-llama/Llama-3.3-70B-Instruct",
      "meta-llama/Llama-3.1-8B-Instruct",
    ]);
  });
});

describe("pickTierModels beyond GPT", () => {
  it.each<[string, string[], { fast: string; standard: string; premium: string }]>([
    [
      "Claude and Gemini only: one vendor, the first in table order",
      ["gemini/gemini-2.5-pro", "anthropic/claude-haiku-4-5", "gemini/gemini-2.5-flash", "anthropic/claude-sonnet-4-5", "anthropic/claude-opus-4-5"],
      { fast: "anthropic/claude-haiku-4-5", standard: "anthropic/claude-sonnet-4-5", premium: "anthropic/claude-opus-4-5" },
    ],
    [
      "an older opus does not beat a newer sonnet",
      ["claude-sonnet-4-5", "claude-opus-4-1", "claude-3-5-haiku-latest"],
      { fast: "claude-3-5-haiku-latest", standard: "claude-sonnet-4-5", premium: "claude-sonnet-4-5" },
    ],
    [
      "Gemini: pro is standard and premium, flash fast",
      ["gemini-2.0-flash", "gemini-2.5-flash-lite", "gemini-2.5-flash", "gemini-2.5-pro"],
      { fast: "gemini-2.5-flash", standard: "gemini-2.5-pro", premium: "gemini-2.5-pro" },
    ],
    [
      "Llama by parameter count",
      ["meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.3-70B-Instruct", "meta-llama/Llama-3.3-405B-Instruct"],
      { fast: "meta-llama/Llama-3.1-8B-Instruct", standard: "meta-llama/Llama-3.3-70B-Instruct", premium: "meta-llama/Llama-3.3-405B-Instruct" },
    ],
    [
      "Llama 3.1 405B is premium beside the newer, smaller Llama 3.3 70B",
      ["meta-llama/Llama-3.3-70B-Instruct", "meta-llama/Llama-3.1-405B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"],
      { fast: "meta-llama/Llama-3.1-8B-Instruct", standard: "meta-llama/Llama-3.3-70B-Instruct", premium: "meta-llama/Llama-3.1-405B-Instruct" },
    ],
    [
      "Bedrock's Llama spellings, 405B premium",
      ["bedrock/meta.llama3-1-405b-instruct-v1:0", "bedrock/meta.llama3-3-70b-instruct-v1:0", "bedrock/meta.llama3-2-11b-instruct-v1:0"],
      { fast: "bedrock/meta.llama3-2-11b-instruct-v1:0", standard: "bedrock/meta.llama3-3-70b-instruct-v1:0", premium: "bedrock/meta.llama3-1-405b-instruct-v1:0" },
    ],
    [
      "a Llama 3 405B does not beat Llama 4: premium compares Llama by major version",
      ["meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8", "meta-llama/Llama-4-Scout-17B-16E-Instruct", "meta-llama/Llama-3.1-405B-Instruct"],
      { fast: "meta-llama/Llama-4-Scout-17B-16E-Instruct", standard: "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8", premium: "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8" },
    ],
    [
      "Mistral open weights by size word and parameter count",
      ["mistralai/Mixtral-8x7B-Instruct-v0.1", "mistralai/Mistral-Large-Instruct-2411", "mistralai/Mistral-Small-3.1-24B-Instruct-2503"],
      { fast: "mistralai/Mistral-Small-3.1-24B-Instruct-2503", standard: "mistralai/Mixtral-8x7B-Instruct-v0.1", premium: "mistralai/Mistral-Large-Instruct-2411" },
    ],
    [
      "an older opus is standard and premium when no sonnet is listed, not a newer haiku",
      ["claude-haiku-4-5", "claude-opus-4-1"],
      { fast: "claude-haiku-4-5", standard: "claude-opus-4-1", premium: "claude-opus-4-1" },
    ],
    ["Mistral", ["mistral-small-latest", "mistral-large-latest", "mistral-medium-latest"], { fast: "mistral-small-latest", standard: "mistral-medium-latest", premium: "mistral-large-latest" }],
    ["Qwen", ["qwen-turbo", "qwen-plus", "qwen-max"], { fast: "qwen-turbo", standard: "qwen-plus", premium: "qwen-max" }],
    ["DeepSeek", ["deepseek-reasoner", "deepseek-chat"], { fast: "deepseek-chat", standard: "deepseek-chat", premium: "deepseek-reasoner" }],
    [
      "a vendor with only a small model does not set the tiers",
      ["gpt-4o-mini", "claude-haiku-4-5", "claude-sonnet-4-5"],
      { fast: "claude-haiku-4-5", standard: "claude-sonnet-4-5", premium: "claude-sonnet-4-5" },
    ],
    [
      "OpenAI first when it has a standard model",
      ["claude-opus-4-5", "claude-sonnet-4-5", "gpt-5.1", "gpt-5-mini"],
      { fast: "gpt-5-mini", standard: "gpt-5.1", premium: "gpt-5.1" },
    ],
  ])("%s", (_name, ids, expected) => {
    expect(pickTierModels(ids)).toEqual(expected);
  });
});
