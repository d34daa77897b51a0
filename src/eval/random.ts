/**
 * The random-routing baseline: each task gets a tier drawn from a seeded generator, so a run
 * with the same seed and task file routes exactly as the last one and two reports compare.
 */
import { TIERS, type Tier } from "../providers/types.js";

/** Seed of the random baseline when `--seed` is not given. */
export const DEFAULT_SEED = 42;

/**
 * A small seeded generator (the mulberry32 recurrence) giving numbers in [0, 1). Not for
 * anything secret: it only has to be repeatable and spread evenly.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One tier per task, drawn in task order from `seed`: the same seed always gives the same list. */
export function randomTiers(count: number, seed: number): Tier[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => TIERS[Math.floor(next() * TIERS.length)]);
}
