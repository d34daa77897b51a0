/**
 * Pure ranking of gateway model ids: which are chat models, which family and size class each
 * belongs to, which is newest, and which fits each tier. No I/O, so the rules are pinned by
 * table-driven tests; the families and size words themselves are in `model_families.ts`.
 */
import {
  DOTTED_VENDOR_PREFIX,
  MODEL_FAMILIES,
  NEUTRAL_WORDS,
  NON_CHAT,
  PARAMETER_SIZES,
  type FamilyRule,
  type ModelFamilyName,
  type ModelVariant,
  type ModelVendor,
} from "./model_families.js";
import type { PerTier } from "./types.js";

export type { ModelFamilyName, ModelVariant, ModelVendor } from "./model_families.js";

/** What the ranking knows about one model id. */
export interface ParsedModelId {
  /** The id as listed by the gateway. */
  id: string;
  family: ModelFamilyName;
  vendor: ModelVendor;
  /**
   * Orders generations within a vendor, `major * 1000 + minor` (claude-sonnet-4-5: 4005);
   * Infinity for an id without a version (deepseek-chat, qwen-max), which names the current one.
   */
  generation: number;
  variant: ModelVariant;
  /** Has words we do not rank (turbo, preview...): sorts after a clean id of the same variant. */
  extra: boolean;
  /** Snapshot date (e.g. "2025-08-07"), when the id is a dated snapshot rather than an alias. */
  date?: string;
  /**
   * True when the id names no size and `variant` is its family's default (o3 is premium grade):
   * it sorts after an id that names the same size class (o3-pro).
   */
  defaulted?: true;
}

/**
 * One entry of a model list: the id to call and, when the list says, the model behind it. Azure
 * OpenAI deployments carry a custom name in `id` and the real model in `model`.
 */
export interface ListedModel {
  id: string;
  model?: string;
}

// Biggest first; `smaller` below reads it.
const VARIANT_RANK: Record<ModelVariant, number> = { pro: 4, base: 3, chat: 2, mini: 1, nano: 0 };
const VENDOR_RANK = new Map<ModelVendor, number>();
const FAMILY_RANK = new Map<ModelFamilyName, number>();
const PREMIUM_BY_MAJOR = new Set<ModelFamilyName>();
MODEL_FAMILIES.forEach((rule, i) => {
  if (!VENDOR_RANK.has(rule.vendor)) VENDOR_RANK.set(rule.vendor, VENDOR_RANK.size);
  if (!FAMILY_RANK.has(rule.family)) FAMILY_RANK.set(rule.family, i);
  if (rule.premiumByMajor) PREMIUM_BY_MAJOR.add(rule.family);
});

/** Whether `id` looks like a chat model (embeddings, audio, images, moderation, realtime, search... are not). */
export function isChatModel(id: string): boolean {
  return id.trim() !== "" && !NON_CHAT.test(id);
}

/** The bare lower-case name of `id`: no hosting prefix, no Bedrock/Vertex version suffix; ":" and "@" become "-". */
function bareName(id: string): string {
  let name = id.toLowerCase().slice(id.lastIndexOf("/") + 1);
  // Bedrock ends ids with "-v1:0", Vertex dates them with "@20240620".
  name = name.replace(/-v\d+:\d+$/, "").replace(/[:@]/g, "-");
  const dotted = DOTTED_VENDOR_PREFIX.exec(name);
  if (dotted) {
    const rest = name.slice(dotted[0].length);
    // Bedrock names some models by vendor alone ("deepseek.r1"): keep the vendor as the family word then.
    name = MODEL_FAMILIES.some((r) => r.prefix.test(rest)) ? rest : `${dotted[1]}-${rest}`;
  }
  return name;
}

/** Parses an id of a known family; undefined for other families or non-chat ids. */
export function parseModelId(id: string): ParsedModelId | undefined {
  if (!isChatModel(id)) return undefined;
  let name = bareName(id);
  let date: string | undefined;
  const dated = /-(\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$/.exec(name);
  if (dated) {
    date = dated[1];
    name = name.slice(0, dated.index);
  }
  name = name.replace(/-latest$/, "");
  for (const rule of MODEL_FAMILIES) {
    const match = rule.prefix.exec(name);
    if (match) return parseWords(id, rule, match, name.slice(match[0].length), date);
  }
  return undefined;
}

function parseWords(id: string, rule: FamilyRule, match: RegExpExecArray, rest: string, date: string | undefined): ParsedModelId {
  const words = rest.split(/[-_]/).filter((w) => w !== "");
  let generation = rule.generation?.(match);
  let sized: ModelVariant | undefined;
  let extra = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const size = rule.sizes[w];
    if (size) {
      sized = smaller(sized, size);
      continue;
    }
    const version = /^v?(\d{1,2})(?:\.(\d+))?$/.exec(w);
    if (version && generation === undefined) {
      generation = Number(version[1]) * 1000 + Number(version[2] ?? 0);
      // "claude-3-5-sonnet", "llama3-1-70b": a lone digit right after the major is the minor.
      if (version[2] === undefined && /^\d$/.test(words[i + 1] ?? "")) generation += Number(words[++i]);
      continue;
    }
    const params = /^(?:(\d+)x)?(\d+(?:\.\d+)?)b$/.exec(w);
    if (params) {
      // "17b-16e" counts the active parameters of a mixture of experts: it says nothing of the total size.
      if (!/^\d+e$/.test(words[i + 1] ?? "")) sized = smaller(sized, parameterSize(Number(params[1] ?? 1) * Number(params[2])));
      continue;
    }
    // Active-parameter ("a22b") and expert-count ("16e") words, like neutral ones, do not mark a variant.
    if (/^a\d+(?:\.\d+)?b$|^\d+e$/.test(w) || NEUTRAL_WORDS.has(w)) continue;
    extra = true;
  }
  const parsed: ParsedModelId = { id, family: rule.family, vendor: rule.vendor, generation: generation ?? Infinity, variant: sized ?? rule.plain ?? "base", extra, date };
  if (sized === undefined && rule.plain !== undefined) parsed.defaulted = true;
  return parsed;
}

function smaller(a: ModelVariant | undefined, b: ModelVariant): ModelVariant {
  return a === undefined || VARIANT_RANK[b] < VARIANT_RANK[a] ? b : a;
}

function parameterSize(billions: number): ModelVariant {
  return (PARAMETER_SIZES.find(([max]) => billions <= max) ?? PARAMETER_SIZES[PARAMETER_SIZES.length - 1])[1];
}

/**
 * Sort order of parsed ids: preferred vendor (the family table's order), newest generation,
 * then variant, then clean ids, aliases and newer snapshots first.
 */
export function compareParsed(a: ParsedModelId, b: ParsedModelId): number {
  return (
    VENDOR_RANK.get(a.vendor)! - VENDOR_RANK.get(b.vendor)! ||
    // Infinity - Infinity is NaN, which || passes over like a tie.
    b.generation - a.generation ||
    VARIANT_RANK[b.variant] - VARIANT_RANK[a.variant] ||
    Number(a.defaulted ?? false) - Number(b.defaulted ?? false) ||
    Number(a.extra) - Number(b.extra) ||
    (a.date === undefined ? 0 : 1) - (b.date === undefined ? 0 : 1) ||
    (b.date ?? "").localeCompare(a.date ?? "") ||
    a.id.localeCompare(b.id)
  );
}

/** The id to call and the name to rank it by: the listed model when there is one, since a deployment's id is a free name. */
function nameOf(entry: string | ListedModel): { id: string; name: string } {
  if (typeof entry === "string") return { id: entry, name: entry };
  return { id: entry.id, name: entry.model?.trim() ? entry.model : entry.id };
}

/** The chat entries of a model list, one per id, parsed by name but carrying the id to call; `others` are of unknown families. */
function parseListed(listed: readonly (string | ListedModel)[]): { parsed: ParsedModelId[]; others: string[] } {
  const parsed: ParsedModelId[] = [];
  const others: string[] = [];
  const seen = new Set<string>();
  for (const entry of listed) {
    const { id, name } = nameOf(entry);
    if (seen.has(id) || id.trim() === "" || !isChatModel(name)) continue;
    seen.add(id);
    const p = parseModelId(name);
    if (p) parsed.push({ ...p, id });
    else others.push(id);
  }
  return { parsed: parsed.sort(compareParsed), others };
}

/**
 * Chat models of a model list, best first, as the ids to call: ids of known families by vendor,
 * generation and variant (read from `model` when an entry has one), then other chat ids in their
 * original order. Non-chat ids are dropped.
 */
export function rankModels(listed: readonly (string | ListedModel)[]): string[] {
  const { parsed, others } = parseListed(listed);
  return [...parsed.map((p) => p.id), ...others];
}

/**
 * Picks a model per tier from a model list, or undefined when no model of a known family is
 * there. Entries are ranked by the model behind them (`model`, when listed) and the picks are the
 * ids to call. All three come from one vendor: the first in table order that lists a standard- or
 * premium-grade model (else the first listed at all), since generations and feature sets only
 * compare within a vendor. Within it:
 * standard = newest base model, else newest pro model (a list of reasoning models and minis), else
 * the best of any variant;
 * premium = a pro model at least as new as standard (Llama: of at least the same major version),
 * else standard;
 * fast = newest mini (earlier family first: a GPT mini before an o-series one), else newest
 * chat-latest, else nano, else standard. A mini before a chat-latest: the chat models cost what
 * their base model costs, so a fast tier on one saves nothing against premium.
 */
export function pickTierModels(listed: readonly (string | ListedModel)[]): PerTier<string> | undefined {
  const all = parseListed(listed).parsed;
  if (all.length === 0) return undefined;
  const vendor = (all.find((p) => p.variant === "base" || p.variant === "pro") ?? all[0]).vendor;
  const parsed = all.filter((p) => p.vendor === vendor);
  const best = (pred: (p: ParsedModelId) => boolean): ParsedModelId | undefined => parsed.find(pred);
  const standard = best((p) => p.variant === "base") ?? best((p) => p.variant === "pro") ?? parsed[0];
  const major = (generation: number) => Math.floor(generation / 1000);
  const newEnough = (p: ParsedModelId) =>
    PREMIUM_BY_MAJOR.has(p.family) ? major(p.generation) >= major(standard.generation) : p.generation >= standard.generation;
  const premium = best((p) => p.variant === "pro" && newEnough(p)) ?? standard;
  const small = parsed
    .filter((p) => p.variant === "chat" || p.variant === "mini")
    .sort((a, b) => Number(a.variant !== "mini") - Number(b.variant !== "mini") || FAMILY_RANK.get(a.family)! - FAMILY_RANK.get(b.family)! || compareParsed(a, b));
  const fast = small[0] ?? best((p) => p.variant === "nano") ?? standard;
  return { fast: fast.id, standard: standard.id, premium: premium.id };
}
