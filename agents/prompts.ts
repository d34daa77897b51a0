/**
 * Built-in system prompts of the tier agents. A tier's `systemPrompt` setting (TIERS_CONFIG)
 * replaces these.
 */
import type { AgentSpec } from "../src/policy/agent_config.js";
import type { Tier } from "../src/providers/types.js";

/** Rules every tier shares: tools for arithmetic and time, short answers, no invented facts. */
const SHARED_RULES = [
  "Use the calculator tool for every arithmetic step, even simple ones; never compute numbers in your head.",
  "Use the current_datetime tool whenever the answer depends on today's date, the current time or a time zone.",
  "If a tool returns a message starting with \"Error:\", fix the input and try again once, or say what went wrong.",
  "Do not invent facts, numbers or sources. If you cannot answer, say so in one sentence.",
].join("\n- ");

/** System prompt per tier: the cheaper the tier, the shorter the work it is told to do. */
export const SYSTEM_PROMPTS: Readonly<Record<Tier, string>> = {
  fast:
    "You are a fast assistant for short, simple tasks.\n- " +
    SHARED_RULES +
    "\n- Answer in one or two sentences. Give the result first, with no preamble.",
  standard:
    "You are a capable assistant for everyday tasks.\n- " +
    SHARED_RULES +
    "\n- Work step by step when a task has several parts, calling tools as needed." +
    "\n- Answer concisely: the result first, then only the explanation the user needs.",
  premium:
    "You are an expert assistant for hard, multi-step or high-stakes tasks.\n- " +
    SHARED_RULES +
    "\n- Plan before acting, check intermediate results with the tools, and state assumptions you had to make." +
    "\n- Answer concisely and precisely: the result first, then the key reasoning in a few short points.",
};

/** The built-in system prompt of `tier`. */
export function defaultSystemPrompt(tier: Tier): string {
  return SYSTEM_PROMPTS[tier];
}

/**
 * The system prompt of an agent on `tier`: a specialist's own prompt, else its description in
 * front of the tier's prompt (`tierPrompt` from TIERS_CONFIG, else the built-in one).
 */
export function agentSystemPrompt(tier: Tier, tierPrompt: string | undefined, spec?: Pick<AgentSpec, "name" | "description" | "systemPrompt">): string {
  if (spec?.systemPrompt) return spec.systemPrompt;
  const base = tierPrompt ?? defaultSystemPrompt(tier);
  return spec ? `You are the ${spec.name} agent: ${spec.description}\n${base}` : base;
}
