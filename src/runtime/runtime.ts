/**
 * The process-wide runtime of the orchestrator: the provider registry, and the local
 * emulator when nothing is configured. Creating it is lazy and happens once, so importing the
 * graph (LangGraph Studio does) does no I/O.
 */
import { loadConfig, loadDotEnv } from "../config/index.js";
import type { EmulatorHandle } from "../emulator/index.js";
import { getLogger, type Logger } from "../logging/index.js";
import { ProviderRegistry } from "../providers/index.js";
import { isProviderConfigured, settingsFromConfig } from "../providers/settings.js";
import { tierConfigFromAppConfig } from "../providers/tier_config.js";
import { PROVIDERS } from "../providers/types.js";

/** A registry plus what the process started for it. */
export interface Runtime {
  registry: ProviderRegistry;
  /** The in-process emulator, when no provider was configured. */
  emulator?: EmulatorHandle;
  /** True when answers come from the emulator's simulated model. */
  simulated: boolean;
  /** Closes the registry's clients and the emulator. */
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
}

/** Whether any provider (gateway or fallback) has credentials in `env`. */
export function anyProviderConfigured(env: Record<string, string | undefined>): boolean {
  const settings = settingsFromConfig(loadConfig(env));
  return PROVIDERS.some((p) => isProviderConfigured(p, settings[p]));
}

/**
 * Builds the registry from the environment. With no provider configured it starts the local
 * gateway emulator in-process, points the gateway at it and says so once.
 */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  let env = options.env ?? process.env;
  const logger = options.logger ?? getLogger();
  let emulator: EmulatorHandle | undefined;
  // A bad tiers file stops startup before anything is started or announced.
  tierConfigFromAppConfig(loadConfig(env));
  if (!anyProviderConfigured(env)) {
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
    registry = await ProviderRegistry.create({ env, logger, awaitDiscovery: options.awaitDiscovery });
  } catch (err) {
    // A bad tiers file (say) must not leave the emulator's server keeping the process alive.
    await emulator?.close();
    throw err;
  }
  const emu = emulator;
  return {
    registry,
    emulator: emu,
    simulated: !!emu,
    close: async () => {
      await registry.close();
      await emu?.close();
    },
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
