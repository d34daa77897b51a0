/**
 * Variables that look like the project's own but are not read: a typo such as HTTP_GET_ENABLE or
 * AI_GATEWAY_SCOPES is otherwise silently ignored, and the setting it meant keeps its default.
 * Only names under the project's own prefixes are judged, so an environment full of other
 * programs' variables (OPENAI_ORG_ID, OTEL_RESOURCE_ATTRIBUTES, SERVER_NAME) stays quiet; under
 * the prefixes another program might also use (RUN_, THREAD_MAX_, ...), only a near miss of one
 * of ours is reported. Every unknown AI_GATEWAY_ variable is.
 */
import { closest, distance } from "fastest-levenshtein";
import { envSchema } from "./schema.js";

/** Prefixes of the project's variables; under the first, every name is the project's. */
const OWN_PREFIXES = ["AI_GATEWAY_", "HTTP_GET_", "CHECKPOINT_", "DISCOVERY_", "BREAKER_", "THREAD_MAX_", "RUN_", "TIERS_", "STUDIO_", "VERIFY_RATE_", "API_TENANT_"];
const ONLY_OURS = "AI_GATEWAY_";

/** One variable under the project's prefixes that no setting reads, with the closest one that does. */
export interface UnknownVariable {
  name: string;
  /** The known variable it most likely meant, when one is close enough. */
  suggestion?: string;
}

const KNOWN = Object.keys(envSchema.shape);

/** The variables of `env` under the project's own prefixes that no setting reads. */
export function unknownVariables(env: Record<string, string | undefined>): UnknownVariable[] {
  const known = new Set(KNOWN);
  const unknown: UnknownVariable[] = [];
  for (const name of Object.keys(env).sort()) {
    if (known.has(name) || !OWN_PREFIXES.some((p) => name.startsWith(p))) continue;
    const nearest = closest(name, KNOWN);
    // At most a quarter of the name (and at least 2) may differ: a plural, a dropped letter, a swap.
    const close = distance(name, nearest) <= Math.max(2, Math.floor(name.length / 4));
    if (close) unknown.push({ name, suggestion: nearest });
    else if (name.startsWith(ONLY_OURS)) unknown.push({ name });
  }
  return unknown;
}

/** The warning for one unknown variable. */
export function describeUnknownVariable(v: UnknownVariable): string {
  return `${v.name} is set but no setting reads it${v.suggestion ? `; did you mean ${v.suggestion}?` : "."} It is ignored.`;
}
