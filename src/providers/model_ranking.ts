/**
 * Pure ranking of gateway model ids: which are chat models, which is newest, and which fits
 * each tier. No I/O, so the rules are pinned by table-driven tests.
 */
import type { PerTier } from "./types.js";

/** Size/compute variant of a model, best first: pro > base > chat > mini > nano. */
export type ModelVariant = "pro" | "base" | "chat" | "mini" | "nano";

/** What the ranking knows about one model id. */
export interface ParsedModelId {
  /** The id as listed by the gateway. */
  id: string;
  /** `gpt` (gpt-4o, gpt-4.1, gpt-5.1...) or `o` (o1, o3, o4-mini...). */
  family: "gpt" | "o";
  /** Orders generations: gpt-5.1 (5001) > gpt-5 (5000) > o4 (4504) > o3 (4503) > gpt-4.1 (4001) > gpt-4o (4000.5). */
  generation: number;
  variant: ModelVariant;
  /** Has words we do not rank (turbo, preview...): sorts after a clean id of the same variant. */
  extra: boolean;
  /** Snapshot date (e.g. "2025-08-07"), when the id is a dated snapshot rather than an alias. */
  date?: string;
}

const VARIANT_RANK: Record<ModelVariant, number> = { pro: 4, base: 3, chat: 2, mini: 1, nano: 0 };

// Ids that are served by an OpenAI-style /models list but cannot hold a chat conversation,
// or are specialised tools (search, computer use, code agents) unsuitable as a general tier.
const NON_CHAT =
  /(embed|whisper|audio|tts|transcribe|speech|dall-e|image|moderation|realtime|search|davinci|babbage|instruct|codex|computer-use|deep-research|sora)/i;

/** Whether `id` looks like a chat model (embeddings, audio, images, moderation, realtime, search... are not). */
export function isChatModel(id: string): boolean {
  return id.trim() !== "" && !NON_CHAT.test(id);
}

/** Parses a GPT or o-series id; undefined for other families or non-chat ids. */
export function parseModelId(id: string): ParsedModelId | undefined {
  if (!isChatModel(id)) return undefined;
  // Gateways sometimes prefix the vendor ("openai/gpt-5.1", "azure/gpt-4o").
  let name = id.toLowerCase().slice(id.lastIndexOf("/") + 1);
  let date: string | undefined;
  const dated = /-(\d{4}-\d{2}-\d{2}|\d{4})$/.exec(name);
  if (dated) {
    date = dated[1];
    name = name.slice(0, dated.index);
  }
  name = name.replace(/-latest$/, "");
  let family: "gpt" | "o";
  let generation: number;
  let rest: string;
  const gpt = /^gpt-(\d+)(?:\.(\d+))?(o)?(?:-(.*))?$/.exec(name);
  const oSeries = /^o(\d+)(?:-(.*))?$/.exec(name);
  if (gpt) {
    family = "gpt";
    generation = Number(gpt[1]) * 1000 + Number(gpt[2] ?? 0) + (gpt[3] ? 0.5 : 0);
    rest = gpt[4] ?? "";
  } else if (oSeries) {
    // The o-series sits between GPT-4.x and GPT-5, which replaced it.
    family = "o";
    generation = 4500 + Number(oSeries[1]);
    rest = oSeries[2] ?? "";
  } else {
    return undefined;
  }
  const words = rest.split("-").filter((w) => w !== "");
  let variant: ModelVariant = "base";
  let extra = false;
  for (const w of words) {
    if (variant === "base" && (w === "pro" || w === "chat" || w === "mini" || w === "nano")) variant = w;
    else extra = true;
  }
  return { id, family, generation, variant, extra, date };
}

/** Sort order of parsed ids: newest generation, then variant, then clean ids, aliases and newer snapshots first. */
export function compareParsed(a: ParsedModelId, b: ParsedModelId): number {
  return (
    b.generation - a.generation ||
    VARIANT_RANK[b.variant] - VARIANT_RANK[a.variant] ||
    Number(a.extra) - Number(b.extra) ||
    (a.date === undefined ? 0 : 1) - (b.date === undefined ? 0 : 1) ||
    (b.date ?? "").localeCompare(a.date ?? "") ||
    a.id.localeCompare(b.id)
  );
}

/**
 * Chat models of `ids`, best first: recognised GPT/o-series ids by generation and variant,
 * then other chat ids in their original order. Non-chat ids are dropped.
 */
export function rankModels(ids: readonly string[]): string[] {
  const parsed: ParsedModelId[] = [];
  const others: string[] = [];
  for (const id of new Set(ids)) {
    const p = parseModelId(id);
    if (p) parsed.push(p);
    else if (isChatModel(id)) others.push(id);
  }
  return [...parsed.sort(compareParsed).map((p) => p.id), ...others];
}

/**
 * Picks a model per tier from a model list, or undefined when no GPT/o-series id is there.
 * standard = newest base model (any variant when there is no base model);
 * premium = a pro model at least as new as standard, else standard;
 * fast = newest chat-latest or mini (GPT family first), else nano, else standard.
 */
export function pickTierModels(ids: readonly string[]): PerTier<string> | undefined {
  const parsed = [...new Set(ids)].map(parseModelId).filter((p): p is ParsedModelId => p !== undefined).sort(compareParsed);
  if (parsed.length === 0) return undefined;
  const best = (pred: (p: ParsedModelId) => boolean): ParsedModelId | undefined => parsed.find(pred);
  const standard = best((p) => p.variant === "base") ?? parsed[0];
  const premium = best((p) => p.variant === "pro" && p.generation >= standard.generation) ?? standard;
  const small = (p: ParsedModelId) => p.variant === "chat" || p.variant === "mini";
  const fast =
    best((p) => p.family === "gpt" && small(p)) ??
    best(small) ??
    best((p) => p.variant === "nano") ??
    standard;
  return { fast: fast.id, standard: standard.id, premium: premium.id };
}
