/**
 * ai-gateway-agents: multi-agent LangGraph workflows over an OAuth2-protected,
 * OpenAI-compatible AI gateway. Subpaths: `/gateway`, `/models`, `/providers`,
 * `/orchestrator`, `/runs`, `/emulator`, `/server`, `/config`, `/logging`.
 */
export * from "./config/index.js";
export * from "./logging/index.js";
export * from "./gateway/index.js";
export * from "./models/index.js";
export * from "./providers/index.js";
// Both layers name their reasoning-effort type; the model's is the one callers pass.
export type { ReasoningEffort } from "./models/index.js";
export * from "../graphs/index.js";
export * from "./runs/index.js";
export * from "./runtime/index.js";
export { startTelemetry, tracingActive, LangChainOtelTracer, type TelemetryHandle, type TelemetryOptions, type GraphSpanHooks, type LangChainOtelTracerOptions } from "./telemetry/index.js";
export { defineAgent, type AgentDefinition } from "../agents/define_agent.js";
export { AIGatewayAgentsError, type AIGatewayAgentsErrorInit } from "./errors.js";
export { createConfiguredToolbox, McpToolbox, toolMatches, type ConfiguredToolbox, type McpServerStatus } from "../agents/tools/index.js";
export { createToolbox, selectTools, TOOL_NAMES, type Toolbox, type ToolboxOptions, type ToolName } from "../agents/tools/index.js";
export { startEmulator, type EmulatorHandle, type EmulatorOptions, type FaultKind, type ScriptedResponse } from "./emulator/index.js";
export { buildServer, startServer } from "./server/index.js";
export { createMcpServer, type McpServerOptions } from "./mcp/server.js";
