/** A tool-calling agent on one tier's fallback chat model, built with `createAgent` (tier agents and specialists alike). */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { createAgent, type AgentMiddleware } from "langchain";
import type { Tier } from "../src/providers/types.js";
import { modelCallsMiddleware } from "./middleware/model_calls.js";
import { stepLimitMiddleware } from "./middleware/step_limit.js";

/** Settings of one tier's agent. */
export interface TierAgentOptions {
  tier: Tier;
  /** Agent name (default `<tier>_agent`). */
  name?: string;
  /** The tier's chat model (normally `registry.chatModel(tier)`, which falls back across providers). */
  model: BaseChatModel;
  tools: StructuredToolInterface[];
  systemPrompt: string;
  /** Most model calls one run may make; reaching it ends the run with `stepLimitReached` set. */
  maxSteps: number;
  /** Extra middleware, e.g. step-event reporting. */
  middleware?: AgentMiddleware[];
}

/**
 * Builds an agent on one tier's model, named `<tier>_agent` unless a name is given. With `made`
 * (what an app's factory returned from `createAgent`), the agent is rebuilt from its options
 * with the project's middleware first, so an app's agent gets the step limit, call ledger and
 * step events of a tier agent; the app's own middleware runs inside them.
 */
export function createTierAgent(options: TierAgentOptions, made?: { options: object }) {
  const own = { name: options.name ?? `${options.tier}_agent`, model: options.model, tools: options.tools, systemPrompt: options.systemPrompt };
  const theirs = made?.options as { middleware?: readonly AgentMiddleware[] } | undefined;
  const params = theirs ? { ...theirs, name: own.name } : own;
  return createAgent({
    ...(params as typeof own),
    middleware: [stepLimitMiddleware(options.maxSteps), modelCallsMiddleware(), ...(options.middleware ?? []), ...(theirs?.middleware ?? [])],
  });
}

/** The agent type `createTierAgent` returns. */
export type TierAgent = ReturnType<typeof createTierAgent>;
