/**
 * MCP over Streamable HTTP at `POST /mcp`, stateless: every request gets its own MCP server and
 * transport, so nothing is kept between requests but the threads in the checkpointer. The
 * server's Host check, body limit and API_KEY apply as on the other data-plane routes. GET
 * (a standalone event stream) and DELETE (ending a session) have no meaning without sessions: 405.
 */
import { setTimeout as delay } from "node:timers/promises";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { FastifyInstance, FastifyReply } from "fastify";
import { createMcpServer } from "../../mcp/server.js";
import { requireApiKey } from "../auth.js";
import type { ServerContext } from "../context.js";
import { errorBody } from "../errors.js";
import type { RunExecutor } from "./run_io.js";

/** Longest wait on shutdown for stopped runs to send their answer. */
const CLOSE_WAIT_MS = 5_000;

/** Registers POST /mcp (and the 405 answers of GET and DELETE /mcp). */
export async function mcpRoutes(app: FastifyInstance, ctx: ServerContext, exec: RunExecutor): Promise<void> {
  const { apiKey, tenantKeys, runLimits: limits } = ctx.config.server;
  // Rate-limited per client as runs are: by a hash of its API key, else by its address.
  const clientOf = exec.clientOf;
  const auth = requireApiKey(apiKey, tenantKeys);
  // On shutdown the runs in flight are stopped and answer so, instead of holding the app open
  // or leaving their clients waiting for a response that never comes.
  const shutdown = new AbortController();
  // Each open server, with a promise that settles when its response has ended.
  const open = new Map<McpServer, Promise<void>>();
  app.addHook("preClose", async () => {
    shutdown.abort();
    await Promise.race([Promise.all(open.values()), delay(CLOSE_WAIT_MS, undefined, { ref: false })]);
    await Promise.all([...open.keys()].map((s) => s.close().catch(() => undefined)));
  });

  app.post("/mcp", { preHandler: auth, config: { rateLimit: { max: limits.max, timeWindow: limits.windowMs, keyGenerator: clientOf } } }, async (request, reply) => {
    const server = createMcpServer({ graph: ctx.graph, simulated: () => ctx.runtime.simulated, logger: ctx.logger, claims: ctx.claims, signal: shutdown.signal });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    const res = reply.raw;
    // The response ends (or the client hangs up): closing the server aborts a run still going.
    open.set(server, new Promise<void>((resolve) => res.once("close", resolve)));
    res.once("close", () => {
      open.delete(server);
      void server.close().catch(() => undefined);
    });
    // The transport writes the response itself (JSON or an event stream).
    reply.hijack();
    try {
      await server.connect(transport);
      await transport.handleRequest(request.raw, res, request.body);
    } catch (err) {
      request.log.error({ err }, "MCP request failed");
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify(errorBody("internal_error", `The MCP request failed; the details are in the server log (request ${request.id}).`)));
      } else res.destroy();
    }
  });

  const notAllowed = async (_request: unknown, reply: FastifyReply) =>
    reply
      .code(405)
      .header("allow", "POST")
      .send(errorBody("method_not_allowed", "This MCP endpoint is stateless: send JSON-RPC messages with POST /mcp."));
  app.get("/mcp", { preHandler: auth }, notAllowed);
  app.delete("/mcp", { preHandler: auth }, notAllowed);
}
