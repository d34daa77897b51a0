/**
 * Step limit of a tier agent: at most `maxSteps` model calls per agent run. When the limit
 * is reached the agent ends and sets `stepLimitReached`, a flag the orchestrator reads
 * instead of matching the text of a library's message.
 */
import { createMiddleware } from "langchain";
import { z } from "zod";

/** Middleware ending the agent run before model call `maxSteps + 1`. */
export function stepLimitMiddleware(maxSteps: number) {
  return createMiddleware({
    name: "StepLimit",
    stateSchema: z.object({
      /** Model calls made in this agent run. */
      stepCount: z.number().default(0),
      /** Set when the run ended because it had no step left. */
      stepLimitReached: z.boolean().default(false),
    }),
    beforeModel: {
      canJumpTo: ["end"],
      hook: (state) => (state.stepCount >= maxSteps ? { jumpTo: "end", stepLimitReached: true } : undefined),
    },
    afterModel: (state) => ({ stepCount: state.stepCount + 1 }),
  });
}
