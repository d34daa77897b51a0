/**
 * GET /api/usage: what runs spent, from the ledger, grouped (`by=tenant,user,tier,day`) and
 * filtered (`from`, `to`, `tenant`, `user`). A request made with a tenant's key sees that
 * tenant's usage only.
 */
import type { FastifyInstance } from "fastify";
import { parseUsageQuery, UsageQueryError, type UsageQueryInput } from "../../usage/index.js";
import { requireApiKey, tenantOf } from "../auth.js";
import type { ServerContext } from "../context.js";
import { HttpError } from "../errors.js";

const PARAMS = ["by", "from", "to", "tenant", "user"] as const;

/** Registers GET /api/usage. */
export async function usageRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const auth = requireApiKey(ctx.config.server.apiKey, ctx.config.server.tenantKeys, ctx.config.server.adminApiKey);
  app.get("/api/usage", { preHandler: auth }, async (request) => {
    const raw = (request.query ?? {}) as Record<string, unknown>;
    const input: UsageQueryInput = {};
    for (const [key, value] of Object.entries(raw)) {
      if (!(PARAMS as readonly string[]).includes(key)) throw new HttpError(400, "invalid_request", `Unknown query parameter ${JSON.stringify(key.slice(0, 40))}; this endpoint takes ${PARAMS.join(", ")}.`);
      if (typeof value !== "string" || value.length > 400) throw new HttpError(400, "invalid_request", `${key} must be given once, as text of at most 400 characters.`);
      input[key as (typeof PARAMS)[number]] = value;
    }
    const own = tenantOf(request);
    if (own !== undefined) {
      if (input.tenant !== undefined && input.tenant !== own) throw new HttpError(403, "forbidden", "A tenant's key shows that tenant's usage only.");
      input.tenant = own;
    }
    let query;
    try {
      query = parseUsageQuery(input);
    } catch (err) {
      if (err instanceof UsageQueryError) throw new HttpError(400, "invalid_request", `Invalid request: ${err.message}`);
      throw err;
    }
    const groups = await ctx.ledger.report(query.by, query.filter);
    return { by: query.by, groups, simulated: ctx.runtime.simulated };
  });
}
