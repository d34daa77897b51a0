/**
 * The HTTP API on Fastify: `buildServer` assembles it (for `inject` and embedding) and
 * `startServer` also listens. It shares the project's pino logger, so every line goes through
 * the same secret redaction.
 */
import rateLimit from "@fastify/rate-limit";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { loadConfig, type AppConfig } from "../config/config.js";
import { getLogger, type Logger } from "../logging/index.js";
import type { ProviderRegistry } from "../providers/index.js";
import type { Policy } from "../policy/policy.js";
import { createConfiguredToolbox, type ConfiguredToolbox } from "../../agents/tools/index.js";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { processClaims } from "../../graphs/thread_claims.js";
import { memoryOwners } from "../../graphs/thread_owners.js";
import { createRunService } from "../runs/service.js";
import { runLimitsOf } from "../runs/limits.js";
import { memoryLedger } from "../usage/index.js";
import { usageRoutes } from "./routes/usage.js";
import { checkpointerOptionsFromEnv, createCheckpointer, type CheckpointerHandle } from "../../graphs/persistence.js";
import { ConfigStore, type ProviderStore, type StoredProviders } from "./config_store.js";
import { PostgresConfigStore } from "./pg_config_store.js";
import { storeSync } from "./store_sync.js";
import type { ServerContext } from "./context.js";
import { clientErrorHandler, frameworkErrorHandler, installErrorHandling } from "./errors.js";
import { installHostCheck } from "./host_check.js";
import { providerRoutes } from "./routes/providers.js";
import { consoleRoutes } from "./routes/console.js";
import { mcpRoutes } from "./routes/mcp.js";
import { runExecutor } from "./routes/run_io.js";
import { runRoutes } from "./routes/runs.js";
import { threadRoutes } from "./routes/threads.js";
import { statusRoutes } from "./routes/status.js";
import { ServerRuntime } from "./runtime.js";
import { isLoopbackHost, type LookupFn } from "../net/index.js";

/** Request log lines naming only what is safe to log: method, path without query string, status, time. */
class RequestLines extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ method: request.method, path: request.url.split("?")[0] }, "incoming request");
  }

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    const fields = { method: request.method, path: request.url.split("?")[0], statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (error) reply.log.error({ ...fields, err: error }, "request errored");
    else reply.log.info(fields, "request completed");
  }
}

/** Options of `buildServer` / `startServer`; everything not given comes from the environment. */
export interface ServerOptions {
  /** Environment to read (default process.env). */
  env?: Record<string, string | undefined>;
  /** Logger (default the process logger); Fastify logs through it too. */
  logger?: Logger;
  /** A provider registry to use instead of building one (not closed by the server). */
  registry?: ProviderRegistry;
  /** Whether the injected registry answers with a simulated model. */
  simulated?: boolean;
  /** The policy to run with (agents, routing, approvals, budgets, MCP); default the tiers file (TIERS_CONFIG) of `env`. */
  policy?: Policy;
  /** Checkpointer for threads (default SQLite/Postgres from the environment, closed with the server). */
  checkpointer?: BaseCheckpointSaver;
  /** Name resolution for the SSRF guard (tests simulate DNS with it). */
  lookup?: LookupFn;
  /** Time allowed for one credential check; default 10 s. */
  verifyTimeoutMs?: number;
}

/** A listening server. */
export interface RunningServer {
  app: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:8787. */
  url: string;
  /** Stops listening, ends the runtime (emulator, clients) and closes the checkpointer. */
  close(): Promise<void>;
}

/**
 * Builds the API: loads the provider store (a corrupt one throws a ConfigurationError), applies it
 * over the environment, and registers every route. Call `close()` on the instance when done.
 */
export async function buildServer(options: ServerOptions = {}): Promise<FastifyInstance> {
  const env = options.env ?? process.env;
  const config: AppConfig = loadConfig(env);
  const logger = options.logger ?? getLogger();
  // Instances that share a database share their provider settings too.
  const store: ProviderStore = config.persistence.databaseUrl
    ? await PostgresConfigStore.open(config.persistence.databaseUrl, config.server.configStorePath, logger)
    : new ConfigStore(config.server.configStorePath, logger);
  let stored: StoredProviders;
  let revision: number;
  try {
    ({ providers: stored, revision } = await store.snapshot());
  } catch (err) {
    await store.close();
    throw err;
  }
  const ssrf = { allowInsecureLoopback: config.server.allowInsecureLoopbackProviders, lookup: options.lookup };
  let runtime: ServerRuntime;
  try {
    runtime = await ServerRuntime.create({ env, logger, ssrf, stored, revision, registry: options.registry, simulated: options.simulated, policy: options.policy });
  } catch (err) {
    await store.close();
    throw err;
  }
  let persistence: CheckpointerHandle | undefined;
  try {
    if (!options.checkpointer) persistence = await createCheckpointer(checkpointerOptionsFromEnv(env));
  } catch (err) {
    await runtime.close();
    await store.close();
    throw err;
  }
  const checkpointer = options.checkpointer ?? persistence!.checkpointer;
  // The toolbox comes from the same configuration as everything else (the `env` option included).
  let toolbox: ConfiguredToolbox;
  try {
    toolbox = await createConfiguredToolbox({ config, mcp: runtime.policy.mcp, logger, gatewayTokens: runtime.registry.gatewayTokens() });
  } catch (err) {
    await persistence?.close();
    await runtime.close();
    await store.close();
    throw err;
  }
  // Usage per run, tenant and user: the store's ledger, or one in this process for a checkpointer handed in.
  const ledger = persistence?.ledger ?? memoryLedger();
  const graph = createOrchestrator({
    // The registry is reconfigured in place; whether it is simulated is read per run, since the
    // emulator is retired as soon as a real provider is configured.
    registry: runtime.registry,
    policy: runtime.policy,
    simulated: () => runtime.simulated,
    checkpointer,
    tools: toolbox.tools,
    logger,
    // The graph checks the policy's budgets and records usage itself.
    ledger,
  });

  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    return503OnClosing: true,
    logController: new RequestLines(),
    // Thread ids may be 128 characters (schemas.ts); find-my-way's default cap is 100.
    routerOptions: { maxParamLength: 256 },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  }) as unknown as FastifyInstance;
  app.removeContentTypeParser("text/plain");
  app.addHook("onClose", async () => {
    await toolbox.close();
    await runtime.close();
    await persistence?.close();
    await store.close();
  });
  installErrorHandling(app, { bodyLimit: config.server.bodyLimitBytes });
  // Bound to loopback (the default), or with ALLOWED_HOSTS set, only those Host names are served.
  if (isLoopbackHost(config.server.host) || config.server.allowedHosts.length > 0) installHostCheck(app, config.server.allowedHosts);
  await app.register(rateLimit, { global: false });

  // A checkpointer handed in (tests, embedding) is not ours to claim threads in: claims stay in this process.
  const claims = persistence?.claims ?? processClaims();
  const sync = storeSync(store, runtime, logger);
  // Another instance on the same store may have changed the providers: an API request sees that first.
  app.addHook("onRequest", async (request) => {
    if (request.url.startsWith("/api/") || request.url.startsWith("/mcp")) await sync.sync();
  });
  const runs = createRunService({
    graph,
    claims,
    owners: persistence?.owners ?? memoryOwners(),
    limits: runLimitsOf(config),
    multitaskStrategy: config.server.multitask.strategy,
  });
  const ctx: ServerContext = { config, logger, runtime, store, storeSync: sync, ssrf, graph, retention: persistence?.retention, ledger, runs, checkStore: persistence?.check, verifyTimeoutMs: options.verifyTimeoutMs ?? 10_000 };
  await statusRoutes(app, ctx);
  await providerRoutes(app, ctx);
  const exec = runExecutor(ctx);
  app.addHook("preClose", async () => exec.abortAll());
  await runRoutes(app, ctx, exec);
  await threadRoutes(app, ctx, exec);
  await mcpRoutes(app, ctx, exec);
  await usageRoutes(app, ctx);
  await consoleRoutes(app);

  if (runtime.simulated) {
    logger.warn(
      { event: "simulated_model", emulator: runtime.emulatorUrl },
      "No AI gateway or provider configured: runs are answered by a SIMULATED model from the local emulator, not a real LLM.",
    );
  }
  if (!isLoopbackHost(config.server.host) && !config.server.apiKey && Object.keys(config.server.tenantKeys).length === 0) {
    logger.warn(
      { event: "api_open", host: config.server.host },
      `HOST=${config.server.host} exposes the API beyond this machine and API_KEY is not set: anyone who can reach it can start runs.`,
    );
  }
  return app;
}

/** Builds the server and listens on PORT/HOST from the environment (or `port`/`host`). */
export async function startServer(options: ServerOptions & { port?: number; host?: string } = {}): Promise<RunningServer> {
  const config = loadConfig(options.env ?? process.env);
  const app = await buildServer(options);
  const host = options.host ?? config.server.host;
  try {
    await app.listen({ port: options.port ?? config.server.port, host });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.server.port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  (options.logger ?? getLogger()).info({ event: "server_listening", url }, `HTTP API listening on ${url}`);
  return { app, url, close: () => app.close() };
}
