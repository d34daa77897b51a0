/**
 * What a model call cost, priced by the model that actually answered (provider + model id).
 * Prices come from `@pydantic/genai-prices`, a maintained table shipped inside the package: it is
 * read from disk, never fetched. A tier whose `prices` are set in TIERS_CONFIG is priced at those
 * instead, whatever model answered. A model the table does not know has no price: callers
 * report it as unpriced, never as free. Ollama runs on the user's own machine and costs nothing.
 *
 * The table (about 0.8 MB of JavaScript) is loaded on first use, not at startup.
 */
import { PROVIDER_DESCRIPTORS } from "./descriptors/index.js";
import type { Tier } from "./types.js";

/** Tokens of one call. */
export interface CallTokens {
  input: number;
  output: number;
}

/** Prices in USD per million tokens. */
export interface PerMillionPrices {
  inputPerMillion: number;
  outputPerMillion: number;
}

/** Prices calls; `load()` must have resolved before `cost` knows any table price. */
export interface ModelPricer {
  /** Reads the price table (once; later calls return the same promise). */
  load(): Promise<void>;
  /** USD for `tokens` of `model` answered by `provider` on `tier`; undefined when no price is known. */
  cost(tier: Tier, provider: string, model: string | undefined, tokens: CallTokens): number | undefined;
}

type CalcPrice = typeof import("@pydantic/genai-prices").calcPrice;

// The table's provider ids for ours, and the providers that cost nothing, from their descriptors.
const TABLE_PROVIDER = new Map(PROVIDER_DESCRIPTORS.flatMap((d) => (d.prices.tableId ? [[d.name, d.prices.tableId] as const] : [])));
const FREE = new Set(PROVIDER_DESCRIPTORS.filter((d) => d.prices.free).map((d) => d.name));

// Routing prefixes gateways put before a vendor's model id (`azure/gpt-4o`, `bedrock/anthropic.claude-…`).
const PREFIX = /^(?:[a-z0-9_-]+\/)+/i;

let table: Promise<CalcPrice> | undefined;
const loadTable = () => (table ??= import("@pydantic/genai-prices").then((m) => m.calcPrice));

/**
 * A pricer over the shipped table, with `overrides` per tier (the tiers whose TIERS_CONFIG sets
 * `prices`). Look-ups are cached per provider and model, unknown ones included (a miss scans the
 * whole table).
 */
export function createModelPricer(overrides: Partial<Record<Tier, PerMillionPrices>> = {}): ModelPricer {
  let calc: CalcPrice | undefined;
  // Per provider/model: the model id the table knows it by and the provider to ask, or null.
  const found = new Map<string, { id: string; providerId?: string } | null>();
  const lookup = (provider: string, model: string) => {
    const key = `${provider}\u0000${model}`;
    let hit = found.get(key);
    if (hit === undefined) {
      const providerId = TABLE_PROVIDER.get(provider);
      const probe = { input_tokens: 1_000_000, output_tokens: 1_000_000 };
      const tries = [model, model.replace(PREFIX, "")].filter((id, i, all) => id !== "" && all.indexOf(id) === i);
      hit = null;
      for (const id of tries) {
        if (calc!(probe, id, providerId ? { providerId } : undefined)) {
          hit = { id, providerId };
          break;
        }
      }
      found.set(key, hit);
    }
    return hit;
  };
  return {
    load: async () => {
      calc ??= await loadTable();
    },
    cost: (tier, provider, model, tokens) => {
      const fixed = overrides[tier];
      if (fixed) return (tokens.input * fixed.inputPerMillion + tokens.output * fixed.outputPerMillion) / 1_000_000;
      if (FREE.has(provider)) return 0;
      if (!calc || !model) return undefined;
      const hit = lookup(provider, model);
      if (!hit) return undefined;
      const price = calc({ input_tokens: tokens.input, output_tokens: tokens.output }, hit.id, hit.providerId ? { providerId: hit.providerId } : undefined);
      return price ? price.total_price : undefined;
    },
  };
}
