/** One tool-calling agent per tier, built with `createAgent` on the tier's fallback chat model. */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { createAgent, modelCallLimitMiddleware, type AgentMiddleware } from "langchain";
import type { Tier } from "../src/providers/types.js";

/** Settings of one tier's agent. */
export interface TierAgentOptions {
  tier: Tier;
  /** The tier's chat model (normally `registry.chatModel(tier)`, which falls back across providers). */
  model: BaseChatModel;
  tools: StructuredToolInterface[];
  systemPrompt: string;
  /** Most model calls one run may make; reaching it ends the run (see `reachedStepLimit`). */
  maxSteps: number;
  /** Extra middleware, e.g. step-event reporting. */
  middleware?: AgentMiddleware[];
}

/** Builds the agent of one tier. */
export function createTierAgent(options: TierAgentOptions) {
  return createAgent({
    name: `${options.tier}_agent`,
    model: options.model,
    tools: options.tools,
    systemPrompt: options.systemPrompt,
    // "end" rather than "error": the run returns its state, so the tokens already spent stay countable.
    middleware: [modelCallLimitMiddleware({ runLimit: options.maxSteps, exitBehavior: "end" }), ...(options.middleware ?? [])],
  });
}

/** The agent type `createTierAgent` returns. */
export type TierAgent = ReturnType<typeof createTierAgent>;

/**
 * Whether an agent run ended because it hit its step limit: the limit middleware then ends
 * the run with its own AI message, which no model produced (no usage, no model name).
 */
export function reachedStepLimit(messages: BaseMessage[]): boolean {
  const last = messages.at(-1);
  return (
    last instanceof AIMessage &&
    !last.usage_metadata &&
    !last.response_metadata?.model_name &&
    typeof last.content === "string" &&
    last.content.startsWith("Model call limits exceeded")
  );
}
