/**
 * What the server runs on: the provider registry (environment, then the store's overrides on
 * top), the policy from the tiers file, the SSRF-guarded dispatcher that carries every call to an admin-given URL, and the
 * local emulator when nothing at all is configured. The emulator stands in only until an admin
 * configures a real provider; then it is switched off, so a simulated model never answers
 * next to a real one.
 */
import type { Agent } from "undici";
import { loadConfig } from "../config/index.js";
import { anyProviderConfigured, createRuntime } from "../runtime/index.js";
import { warnUnknownVariables } from "../runtime/runtime.js";
import type { Logger } from "../logging/index.js";
import { ProviderRegistry } from "../providers/index.js";
import type { Policy } from "../policy/policy.js";
import { tiersFileFromAppConfig } from "../policy/tier_config.js";
import { isProviderConfigured, settingsFromConfig, type ProviderSettingsMap } from "../providers/settings.js";
import { PROVIDERS, type ProviderName } from "../providers/types.js";
import type { EmulatorHandle } from "../emulator/index.js";
import type { OverridesMap, StoredProviders, StoreSnapshot } from "./config_store.js";
import { applyOverrides, overridesHaveUrl } from "./provider_changes.js";
import { createGuardedAgent, type SsrfPolicy } from "../net/index.js";
import { startTelemetry, type TelemetryHandle } from "../telemetry/index.js";

/** Options of `createServerRuntime`. */
export interface ServerRuntimeOptions {
  env: Record<string, string | undefined>;
  logger: Logger;
  /** How calls to admin-given URLs are guarded. */
  ssrf: SsrfPolicy;
  /** Overrides loaded from the store. */
  stored: StoredProviders;
  /** The store revision `stored` came from. */
  revision?: number;
  /** A registry to use as is (tests, embedding); not closed by the server. */
  registry?: ProviderRegistry;
  /** Whether an injected registry answers with a simulated model. */
  simulated?: boolean;
  /** The policy to run with (tests, embedding); default the tiers file (TIERS_CONFIG) of `env`. */
  policy?: Policy;
}

/** The server's providers, its policy, and how calls to admin-given URLs are guarded. */
export class ServerRuntime {
  /** Overrides currently in force (mirrors the store). */
  stored: StoredProviders;
  /** The store revision those overrides came from; a write must be based on it. */
  revision: number;
  /** The long-lived guarded dispatcher for providers configured with an admin-given URL. */
  readonly guardedAgent: Agent;
  private emulator?: EmulatorHandle;
  private simulatedRegistry: boolean;
  private telemetry?: TelemetryHandle;

  private constructor(
    /** The provider registry. */
    readonly registry: ProviderRegistry,
    /** What runs may do: agents, routing, approvals, budgets, MCP servers (the tiers file). */
    readonly policy: Policy,
    /** Provider settings from the environment alone (what overrides apply to). */
    readonly envSettings: ProviderSettingsMap,
    private readonly owned: boolean,
    options: ServerRuntimeOptions,
    emulator: EmulatorHandle | undefined,
  ) {
    this.stored = { ...options.stored };
    this.revision = options.revision ?? 0;
    this.emulator = emulator;
    this.simulatedRegistry = !!emulator || !!options.simulated;
    const logger = options.logger;
    this.guardedAgent = createGuardedAgent(options.ssrf, {
      connectTimeoutMs: envSettings.gateway.gateway.timeouts.connectMs,
      onBlocked: (host, reason) =>
        logger.warn({ event: "ssrf_blocked", host, reason }, `Refused a connection to '${host}': it resolves to ${reason}.`),
    });
  }

  /** Builds the registry from the environment and the store; starts the emulator when nothing is configured, and tracing when OTEL_* asks for it. */
  static async create(options: ServerRuntimeOptions): Promise<ServerRuntime> {
    // Started here rather than by createRuntime: not every path below goes through it, and close() stops it.
    warnUnknownVariables(options.env, options.logger);
    const telemetry = await startTelemetry({ env: options.env, logger: options.logger });
    try {
      const rt = await ServerRuntime.build(options);
      rt.telemetry = telemetry;
      return rt;
    } catch (err) {
      await telemetry.shutdown();
      throw err;
    }
  }

  private static async build(options: ServerRuntimeOptions): Promise<ServerRuntime> {
    const config = loadConfig(options.env);
    const envSettings = settingsFromConfig(config);
    if (options.registry) {
      const rt = new ServerRuntime(options.registry, options.policy ?? tiersFileFromAppConfig(config).policy, envSettings, false, options, undefined);
      await rt.applyStored();
      return rt;
    }
    const storeConfigures = PROVIDERS.some((p) => {
      const o = options.stored[p];
      return o !== undefined && isProviderConfigured(p, applyOverrides(p, envSettings[p], o as OverridesMap[typeof p]));
    });
    if (!storeConfigures && !anyProviderConfigured(options.env)) {
      // The server says so itself once it is built (one line, with the emulator's URL).
      const runtime = await createRuntime({ env: options.env, logger: options.logger, onSimulated: () => undefined, telemetry: false, warnUnknownVariables: false });
      const rt = new ServerRuntime(runtime.registry, runtime.policy, envSettings, true, options, runtime.emulator);
      // Nothing stored configures a provider; what is stored (switches) still applies, except
      // to the gateway, whose place the emulator takes.
      await rt.applyStored(["gateway"]);
      return rt;
    }
    const tiers = tiersFileFromAppConfig(config);
    const registry = await ProviderRegistry.create({ env: options.env, logger: options.logger, tierConfig: tiers.models });
    const rt = new ServerRuntime(registry, tiers.policy, envSettings, true, options, undefined);
    await rt.applyStored();
    return rt;
  }

  /** True while answers come from the local emulator's simulated model. */
  get simulated(): boolean {
    return this.simulatedRegistry && (this.emulator === undefined || this.gatewayIsEmulator());
  }

  /** Origin of the running emulator, if any. */
  get emulatorUrl(): string | undefined {
    return this.emulator?.baseUrl;
  }

  /** Whether `provider`'s current URLs came from an admin (its calls then go through the guard). */
  isGuarded(provider: ProviderName): boolean {
    return overridesHaveUrl(this.stored[provider]);
  }

  /**
   * Applies new settings for `provider` (already saved by the caller): the registry is
   * reconfigured, discovery runs again, and the emulator stand-in is retired.
   */
  async apply<P extends ProviderName>(provider: P, overrides: OverridesMap[P], settings: ProviderSettingsMap[P]): Promise<void> {
    this.stored = { ...this.stored, [provider]: overrides };
    const dispatcher = this.isGuarded(provider) ? this.guardedAgent : undefined;
    await this.registry.configure(provider, settings, { dispatcher });
    await this.retireEmulator();
    // Discovery depends on every provider's line-up, so it runs after any change (gateway changes already ran it).
    if (provider !== "gateway") await this.registry.refreshDiscovery(true);
  }

  /**
   * Takes on what the store holds now (another process saved it): each provider whose stored
   * overrides changed is reconfigured from the environment plus the new overrides. Returns the
   * providers that changed.
   */
  async adopt(snapshot: StoreSnapshot): Promise<ProviderName[]> {
    const changed = PROVIDERS.filter((p) => JSON.stringify(snapshot.providers[p]) !== JSON.stringify(this.stored[p]));
    this.stored = { ...snapshot.providers };
    this.revision = snapshot.revision;
    for (const provider of changed) {
      const o = this.stored[provider];
      const settings = o === undefined ? this.envSettings[provider] : applyOverrides(provider, this.envSettings[provider], o as OverridesMap[typeof provider]);
      await this.registry.configure(provider, settings, { dispatcher: this.isGuarded(provider) ? this.guardedAgent : undefined });
    }
    if (changed.length > 0) {
      await this.retireEmulator();
      if (!changed.includes("gateway")) await this.registry.refreshDiscovery(true);
    }
    return changed;
  }

  /** Closes what the runtime started. */
  async close(): Promise<void> {
    if (this.owned) await this.registry.close();
    await this.emulator?.close();
    this.emulator = undefined;
    await this.guardedAgent.close();
    await this.telemetry?.shutdown();
  }

  private gatewayIsEmulator(): boolean {
    const g = this.registry.providerSettings("gateway").gateway;
    return !!this.emulator && g.baseUrl === this.emulator.baseUrl;
  }

  private async applyStored(skip: ProviderName[] = []): Promise<void> {
    for (const provider of PROVIDERS) {
      const o = this.stored[provider];
      if (o === undefined || skip.includes(provider)) continue;
      const settings = applyOverrides(provider, this.envSettings[provider], o as OverridesMap[typeof provider]);
      await this.registry.configure(provider, settings, { dispatcher: this.isGuarded(provider) ? this.guardedAgent : undefined });
    }
  }

  private async retireEmulator(): Promise<void> {
    const emu = this.emulator;
    if (!emu) return;
    const real = PROVIDERS.some((p) => {
      if (p === "gateway" && this.gatewayIsEmulator()) return false;
      const s = this.registry.providerSettings(p);
      return s.enabled && isProviderConfigured(p, s);
    });
    // The stand-in stays until a real provider can answer.
    if (!real) return;
    if (this.gatewayIsEmulator()) {
      // Another provider was configured: the simulated gateway must not keep answering first.
      await this.registry.configure("gateway", this.envSettings.gateway);
    }
    this.emulator = undefined;
    this.simulatedRegistry = false;
    await emu.close();
  }
}
