/**
 * The process-wide runtime of the orchestrator: the provider registry and the policy, both from
 * the environment and the tiers file, and the local emulator when nothing is configured. Creating it is lazy and happens once, so importing the
 * graph (LangGraph Studio does) does no I/O.
 */
import { invalidEnvironment, isGatewayConfigured, loadConfig, loadDotEnv } from "../config/index.js";
import { describeUnknownVariable, unknownVariables } from "../config/unknown_variables.js";
import type { EmulatorHandle } from "../emulator/index.js";
import { assertGatewaySettings, type TokenFunction, type TokenProvider } from "../gateway/index.js";
import { getLogger, type Logger } from "../logging/index.js";
import { ProviderRegistry } from "../providers/index.js";
import { isProviderConfigured, settingsFromConfig } from "../providers/settings.js";
import { tiersFileFromAppConfig, type TiersFile } from "../policy/tier_config.js";
import type { Policy } from "../policy/policy.js";
import { PROVIDERS } from "../providers/types.js";
import { startTelemetry, type TelemetryHandle } from "../telemetry/index.js";

/** A registry and a policy, plus what the process started for them. */
export interface Runtime {
  /** Which models answer per tier, with fallback across providers. */
  registry: ProviderRegistry;
  /** What a run may do (agents, routing, approvals, budgets, MCP servers): pass it to `createOrchestrator` with the registry. */
  policy: Policy;
  /** The in-process emulator, when no provider was configured. */
  emulator?: EmulatorHandle;
  /** True when answers come from the emulator's simulated model. */
  simulated: boolean;
  /** Closes the registry's clients and the emulator, and flushes and stops tracing. */
  close(): Promise<void>;
}

/** Options of `createRuntime`. */
export interface RuntimeOptions {
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Called once with the notice when the emulator is started (default: a warning log line). */
  onSimulated?: (notice: string) => void;
  /**
   * Return before model discovery has finished (default: wait for it). The orchestrator's router
   * waits for it before it names a model, so only work before the first route overlaps with it.
   */
  awaitDiscovery?: boolean;
  /**
   * Bearer tokens for the gateway from your own code instead of AI_GATEWAY_CLIENT_* / API_KEY:
   * `() => Promise<string | { token, expiresAt }>` (e.g. @azure/identity's getBearerTokenProvider),
   * cached and refreshed like OAuth2 tokens. AI_GATEWAY_BASE_URL must still be set.
   */
  tokenProvider?: TokenFunction | TokenProvider;
  /** mTLS and CA files for the gateway (paths, PEM); each wins over AI_GATEWAY_TLS_CERT / _KEY / _CA. */
  tls?: { cert?: string; key?: string; ca?: string };
  /** Warn about variables under the project's prefixes that no setting reads (default true; a host that warns itself passes false). */
  warnUnknownVariables?: boolean;
  /** Start OpenTelemetry tracing when OTEL_* asks for it (default true); `close()` then exports the last spans and stops it. */
  telemetry?: boolean;
}

/** Whether any provider (gateway or fallback) has credentials in `env`. */
export function anyProviderConfigured(env: Record<string, string | undefined>): boolean {
  const settings = settingsFromConfig(loadConfig(env));
  return PROVIDERS.some((p) => isProviderConfigured(p, settings[p]));
}

/**
 * Builds the registry and the policy from the environment and the tiers file. With no provider
 * configured it starts the local gateway emulator in-process, points the gateway at it and says so once.
 */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  let env = options.env ?? process.env;
  const logger = options.logger ?? getLogger();
  // The tls option stands in for AI_GATEWAY_TLS_*, so it is validated and used exactly like them.
  if (options.tls) env = { ...env, ...tlsEnv(options.tls) };
  // A bad tiers file stops startup before anything is started or announced.
  const config = loadConfig(env);
  const tiers = tiersFileFromAppConfig(config);
  if (options.warnUnknownVariables !== false) warnUnknownVariables(env, logger);
  const gateway = config.gateway;
  if (options.tokenProvider && !gateway.baseUrl) {
    throw invalidEnvironment([{ variable: "AI_GATEWAY_BASE_URL", message: "is required when a tokenProvider is given" }]);
  }
  // Plain http, key and certificate files are judged now, before any connection is made.
  if (gateway.enabled && (options.tokenProvider || isGatewayConfigured(gateway))) assertGatewaySettings(gateway);
  const telemetry = options.telemetry === false ? undefined : await startTelemetry({ env, logger });
  try {
    return await startRegistry(env, logger, options, telemetry, tiers);
  } catch (err) {
    await telemetry?.shutdown();
    throw err;
  }
}

/** The registry (and the emulator when nothing is configured) of `createRuntime`, once the settings and the tiers file were checked. */
async function startRegistry(env: Record<string, string | undefined>, logger: Logger, options: RuntimeOptions, telemetry: TelemetryHandle | undefined, tiers: TiersFile): Promise<Runtime> {
  let emulator: EmulatorHandle | undefined;
  if (!options.tokenProvider && !anyProviderConfigured(env)) {
    const { startEmulator } = await import("../emulator/index.js");
    emulator = await startEmulator();
    env = {
      ...env,
      AI_GATEWAY_BASE_URL: emulator.baseUrl,
      AI_GATEWAY_CLIENT_ID: emulator.clientId,
      AI_GATEWAY_CLIENT_SECRET: emulator.clientSecret,
      AI_GATEWAY_TOKEN_URL: emulator.tokenUrl,
      AI_GATEWAY_API_KEY: undefined,
    };
    const notice =
      `No AI gateway or provider configured: a SIMULATED model from the local gateway emulator (${emulator.baseUrl}) ` +
      `is answering, not a real LLM. Set AI_GATEWAY_* in .env to use your gateway.`;
    if (options.onSimulated) options.onSimulated(notice);
    else logger.warn(notice);
  }
  let registry: ProviderRegistry;
  try {
    const gatewayClientOptions = options.tokenProvider ? { tokenProvider: options.tokenProvider } : undefined;
    registry = await ProviderRegistry.create({ env, logger, awaitDiscovery: options.awaitDiscovery, gatewayClientOptions, tierConfig: tiers.models });
  } catch (err) {
    // A bad tiers file (say) must not leave the emulator's server keeping the process alive.
    await emulator?.close();
    throw err;
  }
  const emu = emulator;
  return {
    registry,
    policy: tiers.policy,
    emulator: emu,
    simulated: !!emu,
    close: async () => {
      await registry.close();
      await emu?.close();
      // Last: the spans of the closing calls are exported too.
      await telemetry?.shutdown();
    },
  };
}

/** The `tls` option as the environment variables it stands for; only the files given. */
function tlsEnv(tls: RuntimeOptions["tls"]): Record<string, string> {
  if (!tls) return {};
  return {
    ...(tls.cert !== undefined ? { AI_GATEWAY_TLS_CERT: tls.cert } : {}),
    ...(tls.key !== undefined ? { AI_GATEWAY_TLS_KEY: tls.key } : {}),
    ...(tls.ca !== undefined ? { AI_GATEWAY_TLS_CA: tls.ca } : {}),
  };
}

let shared: Promise<Runtime> | undefined;

/** The process-wide runtime, created on first use from `.env` and the environment. */
export function getDefaultRuntime(): Promise<Runtime> {
  if (!shared) {
    loadDotEnv();
    shared = createRuntime();
    // A failed start must not be cached forever: the next caller tries again.
    shared.catch(() => {
      shared = undefined;
    });
  }
  return shared;
}

/** Logs one warning per variable under the project's prefixes that no setting reads (see unknown_variables.ts). */
export function warnUnknownVariables(env: Record<string, string | undefined>, logger: Logger): void {
  for (const unknown of unknownVariables(env)) {
    logger.warn({ event: "unknown_variable", variable: unknown.name, suggestion: unknown.suggestion }, describeUnknownVariable(unknown));
  }
}
