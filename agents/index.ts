/** Specialist agents defined in code: `defineAgent` and the spec it returns for `createOrchestrator({ agents })`. */
export { defineAgent, AgentDefinitionError, type AgentDefinition } from "./define_agent.js";
export type { AgentSpec } from "../src/providers/agent_config.js";
