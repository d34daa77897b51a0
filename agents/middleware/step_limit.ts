/**
 * Step limit of a tier agent: at most `maxSteps` model calls per agent run. When the limit
 * is reached the agent ends and sets `stepLimitReached`, a flag the orchestrator reads
 * instead of matching the text of a library's message.
 *
 * It wraps the model call rather than adding nodes before and after it: each node is a step of
 * the agent's graph, and with a checkpointer every step is a checkpoint written. Counting inside
 * the model's own step keeps an agent run at the steps its model and tool calls need.
 */
import { Command } from "@langchain/langgraph";
import { createMiddleware } from "langchain";
import { z } from "zod";

/** Middleware ending the agent run instead of making model call `maxSteps + 1`. */
export function stepLimitMiddleware(maxSteps: number) {
  return createMiddleware({
    name: "StepLimit",
    stateSchema: z.object({
      /** Model calls made in this agent run. */
      stepCount: z.number().default(0),
      /** Set when the run ended because it had no step left. */
      stepLimitReached: z.boolean().default(false),
    }),
    wrapModelCall: async (request, handler) => {
      const { stepCount } = request.state;
      // No message added: the agent's last message is not a model's tool call, so it ends.
      if (stepCount >= maxSteps) return new Command({ update: { stepLimitReached: true } });
      await handler(request);
      // The agent keeps the model's answer (the last one any middleware returned) beside this update.
      return new Command({ update: { stepCount: stepCount + 1 } });
    },
  });
}
