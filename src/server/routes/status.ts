/** Liveness, readiness (token and discovery state) and the tier -> model mapping. */
import type { FastifyInstance } from "fastify";
import { TIERS } from "../../providers/types.js";
import { requireApiKey } from "../auth.js";
import type { ServerContext } from "../context.js";
import { scrubText } from "../../logging/index.js";

/** Registers /healthz, /readyz and /api/models. */
export async function statusRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const { runtime } = ctx;

  // Liveness includes the store: a process that can no longer write its threads fails every run,
  // so it must not look alive. A store merely busy with another process's writes passes.
  app.get("/healthz", async (_request, reply) => {
    try {
      await ctx.checkStore?.();
    } catch (err) {
      ctx.logger.error({ err }, "healthz: the checkpoint store cannot be used");
      const reason = err instanceof Error ? err.message : String(err);
      return reply.status(503).send({ status: "unhealthy", code: "store_unavailable", message: scrubText(`The checkpoint store cannot be used by this process: ${reason} Restart it.`) });
    }
    return { status: "ok" };
  });

  app.get("/readyz", async (_request, reply) => {
    const registry = runtime.registry;
    const active = registry.status().filter((s) => s.configured && s.enabled && s.position >= 0).map((s) => s.provider);
    const gatewayActive = active.includes("gateway");
    // A stale result is refreshed in the background; a probe never waits on the network.
    if (gatewayActive) void registry.refreshDiscovery(false);
    const found = registry.discoveryResult();
    // Discovery lists models with a fresh token: when it worked (even without a chat model to rank) the token did too.
    const tokenOk = !!found && (found.ok || found.error?.code === "no_chat_models");
    const reasons: string[] = [];
    if (active.length === 0) reasons.push("No provider is configured: set AI_GATEWAY_* or a fallback provider, or configure one over the API.");
    if (gatewayActive && !found) reasons.push("Gateway model discovery has not run yet.");
    if (gatewayActive && found && !tokenOk && active.length === 1) {
      reasons.push(`The gateway is the only provider and cannot be used (${found.error?.code ?? "error"}); see the server log.`);
    }
    const selections = registry.gatewaySelections();
    const body = {
      status: reasons.length === 0 ? "ready" : "not_ready",
      reasons,
      simulated: runtime.simulated,
      providers: active,
      gateway: {
        active: gatewayActive,
        token: !gatewayActive ? "not_configured" : !found ? "unknown" : tokenOk ? "valid" : "failed",
        discovery: found
          ? { ok: found.ok, at: new Date(found.at).toISOString(), models: found.models.length, ...(found.error ? { code: found.error.code } : {}) }
          : null,
        tiers: Object.fromEntries(TIERS.map((t) => [t, selections[t]])),
      },
    };
    return reply.status(reasons.length === 0 ? 200 : 503).send(body);
  });

  app.get("/api/models", { preHandler: requireApiKey(ctx.config.server.apiKey, ctx.config.server.tenantKeys) }, async () => {
    const registry = runtime.registry;
    const selections = registry.gatewaySelections();
    const found = registry.discoveryResult();
    return {
      simulated: runtime.simulated,
      defaultTier: registry.tierConfig.defaultTier,
      order: registry.providerOrder(),
      tiers: TIERS.map((tier) => ({
        tier,
        model: selections[tier].model,
        source: selections[tier].source,
        candidates: registry.candidates(tier).map((c) => ({ provider: c.provider, model: c.model })),
      })),
      discovery: found
        ? { ok: found.ok, at: new Date(found.at).toISOString(), models: found.models, ...(found.error ? { code: found.error.code } : {}) }
        : null,
    };
  });
}
