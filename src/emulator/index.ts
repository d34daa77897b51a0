/**
 * Local AI-gateway emulator: an OAuth2 client-credentials token endpoint plus an
 * OpenAI-compatible chat API backed by a deterministic SIMULATED model, with scripting
 * and fault injection. For offline runs, demos and tests; never a real model.
 */
export { startEmulator } from "./server.js";
export {
  DEFAULT_MODELS,
  FAULT_KINDS,
  TRANSIENT_FAULT_KINDS,
  type EmulatorHandle,
  type EmulatorOptions,
  type EmulatorStats,
  type EnqueueFaultOptions,
  type FaultKind,
  type RecordedRequest,
  type ScriptedResponse,
} from "./types.js";
export { isFaultKind, mulberry32, type HeaderFaultKind } from "./faults.js";
export { valueFromSchema, type SchemaValueHint } from "./schema_values.js";
export {
  simulateCompletion,
  scriptedCompletion,
  plainAnswer,
  MULTIBYTE_SAMPLE,
  type SimulatedCompletion,
  type SimulatedToolCall,
  type SimulationOptions,
  type SimulationRequest,
} from "./simulated_model.js";
export { selectToolCalls, toolMatchScore } from "./tool_matching.js";
export { countTokens, extractExpression, tokenize } from "./text.js";
export { isReasoningModel } from "./validation.js";
