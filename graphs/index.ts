/** The orchestrator: graph factory, step streaming, runtime and persistence. */
export { createOrchestrator, graph, OrchestratorError, type OrchestratorOptions, type OrchestratorDeps } from "./orchestrator.js";
export { streamSteps, toGraphInput, type StreamStepsOptions, type OrchestratorGraph } from "./stream.js";
export { createRuntime, getDefaultRuntime, anyProviderConfigured, type Runtime, type RuntimeOptions } from "./runtime.js";
export { createCheckpointer, type CheckpointerOptions, type CheckpointerHandle } from "./persistence.js";
export {
  OrchestratorState,
  OrchestratorContext,
  OrchestratorInputSchema,
  type OrchestratorStateType,
  type OrchestratorContextType,
  type OrchestratorInput,
  type RouteState,
  type RunResult,
  type EscalationRecord,
} from "./state.js";
export {
  ROUTING_MODES,
  DEFAULT_ROUTING_RULES,
  routingConfigSchema,
  routingRuleSchema,
  resolveRouting,
  detectNeededTools,
  type RoutingMode,
  type RoutingRule,
  type RoutingConfig,
  type RouteDecision,
} from "./router.js";
export { usageReport, costOf, type Prices, type UsageByTier } from "./cost.js";
export type * from "./events.js";
