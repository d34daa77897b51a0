/**
 * MCP over Streamable HTTP at `POST /mcp`, stateless: every request gets its own MCP server and
 * transport, so nothing is kept between requests but the threads in the checkpointer. The
 * server's Host check, body limit and API keys apply as on the other data-plane routes, and each
 * `tools/call` is a run of the run service: tenants, limits, budgets and the ledger count it. GET
 * (a standalone event stream) and DELETE (ending a session) have no meaning without sessions: 405.
 */
import { setMaxListeners } from "node:events";
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
  const { apiKey, tenantKeys } = ctx.config.server;
  const auth = requireApiKey(apiKey, tenantKeys, ctx.config.server.adminApiKey);
  // On shutdown the runs in flight are stopped and answer so, instead of holding the app open
  // or leaving their clients waiting for a response that never comes.
  const shutdown = new AbortController();
  // Each tools/call in flight listens to it until it ends: many at once is normal, not a leak.
  setMaxListeners(0, shutdown.signal);
  // Each open server, with a promise that settles when its response has ended.
  const open = new Map<McpServer, Promise<void>>();
  app.addHook("preClose", async () => {
    shutdown.abort();
    await Promise.race([Promise.all(open.values()), delay(CLOSE_WAIT_MS, undefined, { ref: false })]);
    await Promise.all([...open.keys()].map((s) => s.close().catch(() => undefined)));
  });

  // No limit per request here: the run service counts each tools/call as a run, per client.
  app.post("/mcp", { preHandler: auth }, async (request, reply) => {
    // Every tools/call in the POST is a run of its own through the run service, as this client.
    const server = createMcpServer({ runs: ctx.runs, caller: exec.callerOf(request), simulated: () => ctx.runtime.simulated, logger: ctx.logger, signal: shutdown.signal });
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
