/** The orchestrator: graph factory, step input forms and persistence (runs go through `src/runs`). */
export { createOrchestrator, type OrchestratorOptions, type OrchestratorGraph } from "./orchestrator/graph.js";
export { BudgetExceededError, OrchestratorError, OrchestratorInputError, RunSupersededError, ThreadBusyError } from "./orchestrator/errors.js";
export type { OrchestratorDeps } from "./orchestrator/deps.js";
export { toGraphInput, type StepsInput } from "./orchestrator/stream.js";
export type { ThreadOwner, ThreadOwners } from "./thread_owners.js";
export { pendingApprovals, approvalResume, type PendingApprovalView, type ApprovalInput } from "./orchestrator/approvals.js";
export { createCheckpointer, type CheckpointerOptions, type CheckpointerHandle } from "./persistence.js";
export { OrchestratorContext, readRunSettings, type OrchestratorContextType, type RunSettings } from "./orchestrator/configuration.js";
export {
  OrchestratorState,
  OrchestratorInputSchema,
  OrchestratorOutputSchema,
  type OrchestratorStateType,
  type OrchestratorInput,
  type RouteState,
  type RunResult,
  type RunError,
  type EscalationRecord,
} from "./orchestrator/state.js";
export { detectNeededTools, matchRule, decideWithoutModel, type RouteDecision } from "./orchestrator/routing.js";
export { ESCALATES, escalates } from "./orchestrator/escalation.js";
export { usageSummary, costOf, addUsage, type Prices, type UsageByTier, type TierUsage } from "./orchestrator/cost.js";
export type * from "./orchestrator/events.js";
