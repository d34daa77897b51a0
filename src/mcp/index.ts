/** The orchestrator as an MCP server (one `run_task` tool); connect it to any MCP transport. */
export { createMcpServer, type McpServerOptions } from "./server.js";
