/** Specialist agents defined in code: `defineAgent` and the spec it returns for `createOrchestrator({ agents })`. */
export { defineAgent, type AgentDefinition, type Specialist, type SpecialistFactory, type SpecialistFactoryArgs, type MessagesGraph } from "./define_agent.js";
export type { AgentSpec } from "../src/policy/agent_config.js";
