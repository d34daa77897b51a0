/**
 * The orchestrator's agents: the three tier agents (`fast_agent`, `standard_agent`,
 * `premium_agent`), always present, plus the specialists a user declares. Maps a routing
 * decision to an agent and tier, and a failed tier to the next one the same agent may use.
 */
import type { Specialist } from "../../agents/define_agent.js";
import { clampTier, type AgentSpec } from "../../src/policy/agent_config.js";
import { TIERS, type Tier } from "../../src/providers/types.js";
import { OrchestratorInputError } from "./errors.js";
import type { RouteDecision } from "./routing.js";

/** Node name of a tier's agent. */
export const tierAgentName = (tier: Tier) => `${tier}_agent` as const;

/** One graph node that runs an agent: a tier agent (one tier) or a specialist (its tiers). */
export interface RosterMember {
  /** Node name, also the `agent` field of step events. */
  name: string;
  tiers: readonly Tier[];
  /** Set for specialists. */
  spec?: Specialist;
}

/** Every agent node of an orchestrator. */
export interface Roster {
  members: readonly RosterMember[];
  specialists: readonly Specialist[];
}

/** The roster for `specialists` (names must be unique). */
export function createRoster(specialists: readonly Specialist[]): Roster {
  const seen = new Set<string>();
  for (const s of specialists) {
    if (seen.has(s.name)) throw new OrchestratorInputError(`Two agents are named "${s.name}"; agent names must be unique.`);
    seen.add(s.name);
  }
  const members: RosterMember[] = [...TIERS.map((t) => ({ name: tierAgentName(t), tiers: [t] })), ...specialists.map((spec) => ({ name: spec.name, tiers: spec.tiers, spec }))];
  return { members, specialists };
}

/** The specialist called `name`, or an error that lists the agents there are. */
export function specialistNamed(roster: Roster, name: string): AgentSpec {
  const spec = roster.specialists.find((s) => s.name === name);
  if (spec) return spec;
  const names = roster.specialists.map((s) => s.name);
  throw new OrchestratorInputError(
    `Unknown agent "${name.slice(0, 40)}"; ${names.length ? `the agents are ${names.join(", ")}` : "no specialist agents are declared (see agents: in TIERS_CONFIG)"}.`,
  );
}

/** Where a decision lands: the node to run and its tier. A specialist's tier is clamped to the tiers it may use. */
export function placeDecision(roster: Roster, decision: RouteDecision, defaultTier: Tier, maxTier?: Tier): { agent: string; tier: Tier; spec?: AgentSpec } {
  if (decision.agent) {
    const spec = specialistNamed(roster, decision.agent);
    const tier = clampTier(spec.tiers, decision.tier ?? (spec.tiers.includes(defaultTier) ? defaultTier : spec.tiers[0]));
    // Under a budget cap, the highest tier the specialist may use that fits (its lowest when none does).
    const capped = maxTier && above(tier, maxTier) ? ([...spec.tiers].reverse().find((t) => !above(t, maxTier)) ?? spec.tiers[0]) : tier;
    return { agent: spec.name, tier: capped, spec };
  }
  const wanted = decision.tier ?? defaultTier;
  const tier = maxTier && above(wanted, maxTier) ? maxTier : wanted;
  return { agent: tierAgentName(tier), tier };
}

/** Whether tier `a` is above tier `b`. */
export const above = (a: Tier, b: Tier): boolean => TIERS.indexOf(a) > TIERS.indexOf(b);

/** The node and tier that take over when `member` fails on `tier`: the next tier it may use, or none. */
export function escalationOf(member: RosterMember, tier: Tier, maxTier?: Tier): { agent: string; tier: Tier } | undefined {
  // A compiled graph runs on its own models: another tier would run the same graph again.
  if (member.spec?.build?.kind === "graph") return undefined;
  const next = member.spec ? member.spec.tiers.find((t) => above(t, tier)) : TIERS[TIERS.indexOf(tier) + 1];
  // A budget cap (the run context's maxTier) stops escalation at it.
  if (!next || (maxTier && above(next, maxTier))) return undefined;
  return { agent: member.spec ? member.name : tierAgentName(next), tier: next };
}
