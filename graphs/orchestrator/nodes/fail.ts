/** Ends a failed run: raises OrchestratorError with the recorded failure, after the state holds it. */
import { OrchestratorError } from "../errors.js";
import type { OrchestratorStateType } from "../state.js";

/** "The fast agent" for a tier agent; "The census agent (standard tier)" for a specialist. */
function agentLabel(agent: string, tier: string): string {
  return agent === `${tier}_agent` || agent === "" ? `The ${tier} agent` : `The ${agent} agent (${tier} tier)`;
}

/** Fail node factory. */
export function failNode() {
  return (state: OrchestratorStateType): never => {
    const error = state.run?.error;
    if (!error) throw new OrchestratorError("The run failed without a recorded reason.");
    const tried = [...(state.run?.escalations ?? []).map((e) => e.from), error.tier];
    const message =
      tried.length > 1
        ? `The task failed on the ${tried.join(", ")} tiers. Last failure: ${error.message}`
        : `${agentLabel(error.agent, error.tier)} failed: ${error.message}`;
    throw new OrchestratorError(message, error);
  };
}
