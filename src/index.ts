/**
 * ai-gateway-agents: multi-agent LangGraph workflows over an OAuth2-protected,
 * OpenAI-compatible AI gateway. The root holds what an app starts with: the factories, the
 * chat model, the gateway client, the runtime, the surfaces, the errors worth catching and the
 * step events. Everything else is behind a subpath: `/gateway`, `/models`, `/providers`,
 * `/policy`, `/orchestrator`, `/runs`, `/runtime`, `/agents`, `/tools`, `/mcp`, `/usage`, `/telemetry`,
 * `/emulator`, `/server`, `/config`, `/logging`. test/fixtures/public_api.json lists every
 * entry point's names; `npm run api` rewrites it.
 */
// The factories.
export { createOrchestrator, type OrchestratorOptions, type OrchestratorGraph } from "../graphs/orchestrator/graph.js";
export { createRuntime, type Runtime, type RuntimeOptions } from "./runtime/runtime.js";
export { defineAgent, type AgentDefinition } from "../agents/define_agent.js";
export { requireApproval } from "../agents/tools/approval.js";
export { startEmulator } from "./emulator/server.js";
export type { EmulatorHandle, EmulatorOptions } from "./emulator/types.js";
// The chat model and the client under it.
export { ChatAIGateway } from "./models/chat_models/chat_ai_gateway.js";
export type { ChatAIGatewayInput, ChatAIGatewayCallOptions } from "./models/chat_models/types.js";
export { AIGatewayClient, type AIGatewayClientOptions } from "./gateway/client.js";
// The surfaces: in-process steps, the HTTP server, the MCP server.
export { streamSteps, type StreamStepsOptions } from "./runs/stream_steps.js";
export type { StepsInput } from "../graphs/orchestrator/stream.js";
export { buildServer, startServer, type ServerOptions, type RunningServer } from "./server/app.js";
export { createMcpServer, type McpServerOptions } from "./mcp/server.js";
// The errors an app catches.
export { AIGatewayError, AIGatewayAuthError, AIGatewayConfigError } from "./gateway/errors.js";
export { AIGatewayAgentsError, ConfigurationError } from "./errors.js";
export { OrchestratorError, BudgetExceededError, ThreadBusyError } from "../graphs/orchestrator/errors.js";
export { RunRefusedError } from "./runs/errors.js";
// The step events `streamSteps` yields (every event type: `ai-gateway-agents/orchestrator`).
export type { StepEvent, FinalAnswerEvent, ApprovalRequiredEvent, ToolCallEvent, ToolResultEvent, TokenEvent, UsageEvent } from "../graphs/orchestrator/events.js";
