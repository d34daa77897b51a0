/**
 * Every way a run comes in. Each is a thin adapter over the run service; the parity test
 * (test/integration/run_parity.test.ts) has one row per entry and fails when one is missing.
 */
export const RUN_SURFACES = [
  /** `streamSteps` / `createRunService().stream` in an app. */
  "streamSteps",
  /** `npm start` / the `ai-gateway-agents` command. */
  "cli",
  /** `POST /api/runs`, one JSON body. */
  "http_sync",
  /** `POST /api/runs/stream`, server-sent events (the console uses it). */
  "http_sse",
  /** `npm run mcp`: MCP over stdio. */
  "mcp_stdio",
  /** `POST /mcp`: MCP over Streamable HTTP. */
  "mcp_http",
  /** `langgraph dev` / LangGraph Server / `graph.invoke`: what the graph itself carries. */
  "graph",
] as const;

/** One way a run comes in. */
export type RunSurface = (typeof RUN_SURFACES)[number];
