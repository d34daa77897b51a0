import { describe, expect, it } from "vitest";
import { DEFAULT_MODELS } from "../../src/emulator/index.js";
import { isChatModel, parseModelId, pickTierModels, rankModels } from "../../src/providers/index.js";

describe("isChatModel", () => {
  it.each([
    ["gpt-5.1", true],
    ["gpt-5.1-chat-latest", true],
    ["o4-mini", true],
    ["gpt-4o-2024-08-06", true],
    ["text-embedding-3-small", false],
    ["whisper-1", false],
    ["tts-1-hd", false],
    ["gpt-4o-mini-tts", false],
    ["gpt-4o-transcribe", false],
    ["gpt-4o-audio-preview", false],
    ["dall-e-3", false],
    ["gpt-image-1", false],
    ["omni-moderation-latest", false],
    ["gpt-4o-realtime-preview", false],
    ["gpt-4o-search-preview", false],
    ["davinci-002", false],
    ["gpt-5-codex", false],
    ["gpt-35-turbo-instruct", false],
  ])("%s -> %s", (id, expected) => {
    expect(isChatModel(id)).toBe(expected);
  });
});

describe("parseModelId", () => {
  it.each([
    ["gpt-5.1", { family: "gpt", vendor: "openai", generation: 5001, variant: "base", extra: false, date: undefined }],
    ["gpt-5.1-chat-latest", { family: "gpt", vendor: "openai", generation: 5001, variant: "chat", extra: false, date: undefined }],
    ["gpt-5-pro", { family: "gpt", vendor: "openai", generation: 5000, variant: "pro", extra: false, date: undefined }],
    ["gpt-5-nano-2025-08-07", { family: "gpt", vendor: "openai", generation: 5000, variant: "nano", extra: false, date: "2025-08-07" }],
    ["gpt-4o-mini", { family: "gpt", vendor: "openai", generation: 4000.5, variant: "mini", extra: false, date: undefined }],
    ["gpt-4-0613", { family: "gpt", vendor: "openai", generation: 4000, variant: "base", extra: false, date: "0613" }],
    ["gpt-4-turbo", { family: "gpt", vendor: "openai", generation: 4000, variant: "base", extra: true, date: undefined }],
    ["o3-pro", { family: "o", vendor: "openai", generation: 4503, variant: "pro", extra: false, date: undefined }],
    // A plain o-series model is a reasoning model: premium grade by the family's default.
    ["o1", { family: "o", vendor: "openai", generation: 4501, variant: "pro", extra: false, date: undefined, defaulted: true }],
    ["o3-mini", { family: "o", vendor: "openai", generation: 4503, variant: "mini", extra: false, date: undefined }],
    // Azure writes GPT-3.5 without the dot; either way it is 3.5, the fast grade of its era.
    ["gpt-35-turbo-0125", { family: "gpt", vendor: "openai", generation: 3005, variant: "mini", extra: true, date: "0125", defaulted: true }],
    ["gpt-35-turbo-16k", { family: "gpt", vendor: "openai", generation: 3005, variant: "mini", extra: true, date: undefined, defaulted: true }],
    ["gpt-3.5-turbo", { family: "gpt", vendor: "openai", generation: 3005, variant: "mini", extra: true, date: undefined, defaulted: true }],
    ["gpt-4-32k", { family: "gpt", vendor: "openai", generation: 4000, variant: "base", extra: true, date: undefined }],
    ["azure/GPT-4.1-mini", { family: "gpt", vendor: "openai", generation: 4001, variant: "mini", extra: false, date: undefined }],
  ])("%s", (id, expected) => {
    expect(parseModelId(id)).toEqual({ id, ...expected });
  });

  it("does not rank unknown families or non-chat ids", () => {
    expect(parseModelId("acme-chat-large")).toBeUndefined();
    expect(parseModelId("phi-4")).toBeUndefined();
    expect(parseModelId("text-embedding-3-large")).toBeUndefined();
  });
});

describe("rankModels", () => {
  it("orders by generation, then variant pro > base > chat > mini > nano, and drops non-chat models", () => {
    expect(rankModels([...DEFAULT_MODELS])).toEqual([
      "gpt-5.1",
      "gpt-5.1-chat-latest",
      "gpt-5",
      "gpt-5-mini",
      "gpt-5-nano",
      "o4-mini",
      "gpt-4.1",
      "gpt-4.1-mini",
      "gpt-4o-mini",
    ]);
  });

  it("puts aliases before dated snapshots, newer snapshots first, other vendors after OpenAI, and unknown families last in listed order", () => {
    expect(
      rankModels(["zeta-chat", "llama3.1", "gpt-4o-2024-05-13", "gpt-4o", "gpt-4o-2024-08-06", "acme-chat", "claude-haiku-4-5", "o3", "gpt-4.1"]),
    ).toEqual(["o3", "gpt-4.1", "gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-2024-05-13", "claude-haiku-4-5", "llama3.1", "zeta-chat", "acme-chat"]);
  });

  it("drops duplicates", () => {
    expect(rankModels(["gpt-5", "gpt-5", "whisper-1"])).toEqual(["gpt-5"]);
  });
});

describe("pickTierModels", () => {
  it.each<[string, string[], { fast: string; standard: string; premium: string } | undefined]>([
    ["the emulator's default list", [...DEFAULT_MODELS], { fast: "gpt-5-mini", standard: "gpt-5.1", premium: "gpt-5.1" }],
    [
      "a pro of the newest generation becomes premium",
      ["gpt-5.1", "gpt-5.1-pro", "gpt-5-mini", "gpt-5-pro"],
      { fast: "gpt-5-mini", standard: "gpt-5.1", premium: "gpt-5.1-pro" },
    ],
    [
      "an older pro does not beat a newer base",
      ["gpt-5.1", "gpt-5-pro", "gpt-5.1-chat-latest"],
      { fast: "gpt-5.1-chat-latest", standard: "gpt-5.1", premium: "gpt-5.1" },
    ],
    [
      "a mini before a chat-latest for fast: the chat model costs what its base model costs",
      ["gpt-5.1", "gpt-5.1-chat-latest", "gpt-5-mini"],
      { fast: "gpt-5-mini", standard: "gpt-5.1", premium: "gpt-5.1" },
    ],
    ["GPT-4 era", ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"], { fast: "gpt-4.1-mini", standard: "gpt-4.1", premium: "gpt-4.1" }],
    [
      "the o-series is premium grade: standard stays on GPT-4.1, fast prefers a GPT mini",
      ["o3", "o3-pro", "o4-mini", "gpt-4.1", "gpt-4.1-mini"],
      { fast: "gpt-4.1-mini", standard: "gpt-4.1", premium: "o3-pro" },
    ],
    ["gpt-4o beside o1 (LiteLLM, OpenRouter): standard gpt-4o, premium o1", ["o1", "gpt-4o"], { fast: "gpt-4o", standard: "gpt-4o", premium: "o1" }],
    [
      "GPT-4o era with o-series minis",
      ["o1", "o1-mini", "o3-mini", "gpt-4o", "gpt-4o-mini"],
      { fast: "gpt-4o-mini", standard: "gpt-4o", premium: "o1" },
    ],
    ["a plain o-series model is premium when no -pro sibling is listed", ["o3", "gpt-4.1"], { fast: "gpt-4.1", standard: "gpt-4.1", premium: "o3" }],
    ["GPT-5 replaced the o-series: an o3 does not beat gpt-5 for premium", ["o3", "gpt-5", "gpt-5-mini"], { fast: "gpt-5-mini", standard: "gpt-5", premium: "gpt-5" }],
    ["only o-series models: a newer mini does not take standard from o3", ["o3", "o4-mini"], { fast: "o4-mini", standard: "o3", premium: "o3" }],
    [
      "Azure's gpt-35-turbo is 3.5, not generation 35",
      ["gpt-35-turbo-0125", "gpt-4o", "gpt-4o-mini"],
      { fast: "gpt-4o-mini", standard: "gpt-4o", premium: "gpt-4o" },
    ],
    [
      "Azure's GPT-4 era: gpt-35-turbo is the fast tier, gpt-4 standard and premium",
      ["gpt-4", "gpt-4-32k", "gpt-35-turbo-16k"],
      { fast: "gpt-35-turbo-16k", standard: "gpt-4", premium: "gpt-4" },
    ],
    ["only nano for small", ["gpt-5", "gpt-5-nano"], { fast: "gpt-5-nano", standard: "gpt-5", premium: "gpt-5" }],
    ["only one model", ["gpt-4o-mini"], { fast: "gpt-4o-mini", standard: "gpt-4o-mini", premium: "gpt-4o-mini" }],
    ["prefixed ids keep their prefix", ["azure/gpt-5.1", "azure/gpt-5-mini"], { fast: "azure/gpt-5-mini", standard: "azure/gpt-5.1", premium: "azure/gpt-5.1" }],
    ["nothing to rank", ["text-embedding-3-small", "acme-chat"], undefined],
    ["empty list", [], undefined],
  ])("%s", (_name, ids, expected) => {
    expect(pickTierModels(ids)).toEqual(expected);
  });
});

describe("model lists naming the model behind each id (Azure OpenAI deployments)", () => {
  const deployments = [
    { id: "prod-chat", model: "gpt-4o" },
    { id: "cheap", model: "gpt-4o-mini" },
    { id: "legacy", model: "gpt-35-turbo" },
    { id: "embeddings", model: "text-embedding-3-large" },
  ];

  it("ranks each deployment by its model and answers with the deployment id to call", () => {
    expect(pickTierModels(deployments)).toEqual({ fast: "cheap", standard: "prod-chat", premium: "prod-chat" });
    expect(rankModels(deployments)).toEqual(["prod-chat", "cheap", "legacy"]);
  });

  it("judges a deployment by its model, not by words in its free-form id", () => {
    const listed = [{ id: "search-assistant", model: "gpt-4.1" }, { id: "gpt-5-pro", model: "gpt-4.1-mini" }];
    expect(pickTierModels(listed)).toEqual({ fast: "gpt-5-pro", standard: "search-assistant", premium: "search-assistant" });
  });

  it("falls back on the id when an entry names no model, and keeps the first of duplicate ids", () => {
    const listed = [{ id: "gpt-4.1" }, { id: "team-a", model: "o3" }, { id: "team-a", model: "gpt-4.1-nano" }, "gpt-4.1-mini", { id: "acme-bot", model: " " }];
    expect(pickTierModels(listed)).toEqual({ fast: "gpt-4.1-mini", standard: "gpt-4.1", premium: "team-a" });
    expect(rankModels(listed)).toEqual(["team-a", "gpt-4.1", "gpt-4.1-mini", "acme-bot"]);
  });
});
