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
      "the o-series ranks between GPT-4.x and GPT-5, but fast prefers a GPT mini",
      ["o3", "o3-pro", "o4-mini", "gpt-4.1", "gpt-4.1-mini"],
      { fast: "gpt-4.1-mini", standard: "o3", premium: "o3-pro" },
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
