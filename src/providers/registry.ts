/**
 * ProviderRegistry: the providers configured for this process, their models per tier, the
 * gateway's discovered tiers, one circuit breaker per provider, and `chatModel(tier)` — one
 * FallbackChatModel that tries them in PROVIDER_ORDER. Settings can be swapped at run time
 * (`configure`); models already handed out follow, because they read the line-up per call.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { fetch as undiciFetch, type Dispatcher } from "undici";
import { loadConfig, type AppConfig } from "../config/index.js";
import { AIGatewayClient, type AIGatewayClientOptions, type TokenProvider } from "../gateway/index.js";
import { getLogger, scrubText, scrubValues, type Logger } from "../logging/index.js";
import { ProviderBreakers, type BreakerOptions } from "./breaker.js";
import { TierDiscovery, type DiscoveryResult } from "./discovery.js";
import type { FallbackCandidate } from "./fallback_engine.js";
import { FallbackChatModel } from "./fallback_chat_model.js";
import { createProviderChatModel, loadProviderSdks } from "./providers.js";
import {
  isProviderConfigured,
  maskSettings,
  registerSettingsSecrets,
  secretsOf,
  settingsFromConfig,
  type ProviderSettingsMap,
} from "./settings.js";
import { applyEnvToTierConfig, defaultTierConfig, type TierConfig, type TierSettings } from "./tier_models.js";
import { PROVIDERS, TIERS, type BreakerState, type PerTier, type ProviderName, type Tier, type TierSelection } from "./types.js";
import { verifyProvider, type VerifyOutcome } from "./verify.js";
import { ConfigurationError } from "../errors.js";

/** Options of `ProviderRegistry.create`. */
export interface ProviderRegistryOptions {
  /** Environment to read (default process.env); ignored for parts given below. */
  env?: Record<string, string | undefined>;
  /** An already validated configuration, instead of reading `env`. */
  config?: AppConfig;
  /**
   * Model settings per tier (env model pins still apply on top); default the built-in ones. The
   * registry does not read TIERS_CONFIG: `loadTiersFile(env).models` (ai-gateway-agents/policy)
   * does, and `createRuntime()` passes it here.
   */
  tierConfig?: TierConfig;
  /** Logger for fallbacks, breaker transitions and discovery; default the process logger. */
  logger?: Logger;
  /** A gateway client to use as is (not closed by the registry) instead of building one. */
  gatewayClient?: AIGatewayClient;
  /**
   * Extra options for the gateway client the registry builds: a dispatcher, or retry timings.
   * The first fallback waits for the gateway client's retries: with connection refused that is
   * up to `maxRetries` backoffs (250 ms doubling by default), so lower `retry.baseDelayMs` or
   * `retry.maxRetries` (or AI_GATEWAY_RETRY_BASE_DELAY_MS / AI_GATEWAY_MAX_RETRIES) to fail over sooner.
   */
  gatewayClientOptions?: Omit<AIGatewayClientOptions, "baseUrl" | "clientId" | "clientSecret" | "apiKey">;
  /** Breaker settings; default BREAKER_FAILURES / BREAKER_COOLDOWN_MS. */
  breaker?: Partial<BreakerOptions>;
  /** Discovery settings; default DISCOVERY_TTL_S / DISCOVERY_TIMEOUT_MS. `enabled: false` skips it. */
  discovery?: { ttlS?: number; timeoutMs?: number; enabled?: boolean };
  /** Provider order; default PROVIDER_ORDER. */
  order?: ProviderName[];
}

/** What `status()` reports per provider (secrets masked), for an HTTP status endpoint. */
export interface ProviderStatus {
  provider: ProviderName;
  /** Has credentials (or a URL, for Ollama). */
  configured: boolean;
  /** Not switched off; a provider takes part when configured, enabled and in the order. */
  enabled: boolean;
  /** Position in the fallback order, or -1 when not in it. */
  position: number;
  breaker: BreakerState;
  /** Model per tier. */
  models: PerTier<string>;
  /** Where each gateway model came from (gateway only). */
  modelSources?: PerTier<TierSelection["source"]>;
  /** Connection settings with secrets masked ("sk-…abcd"). */
  settings: Record<string, unknown>;
}

/** The providers of this process and the fallback chat model of each tier. */
export class ProviderRegistry {
  /** Model settings per tier (models per provider, token limits, reasoning effort, prices); no policy. */
  readonly tierConfig: TierConfig;
  private readonly settings: ProviderSettingsMap;
  private order: ProviderName[];
  private readonly logger: Logger;
  private readonly breakers: ProviderBreakers;
  private readonly discovery: TierDiscovery;
  private readonly discoveryEnabled: boolean;
  /** Aborted by close(): stops a discovery in flight without a warning. */
  private readonly closing = new AbortController();
  private readonly clientOptions: ProviderRegistryOptions["gatewayClientOptions"];
  private injectedClient?: AIGatewayClient;
  private ownedClient?: AIGatewayClient;
  /** Dispatcher for the gateway client built from `configure`d settings (e.g. an SSRF-guarded one). */
  private gatewayDispatcher?: Dispatcher;
  /** The same for the other providers' SDK calls, as a fetch over that dispatcher. */
  private readonly providerFetch = new Map<ProviderName, typeof fetch>();
  private readonly models = new Map<string, BaseChatModel>();
  private readonly brokenModels = new Set<string>();
  private readonly chatModels = new Map<Tier, FallbackChatModel>();
  private firstDiscovery: Promise<void> = Promise.resolve();

  /**
   * Builds a registry and runs model discovery; a discovery failure only logs a warning. With
   * `awaitDiscovery: false` it returns while discovery is still running, so a caller can do
   * other startup work meanwhile; `discovered()` resolves when it is done.
   */
  static async create(options: ProviderRegistryOptions & { awaitDiscovery?: boolean } = {}): Promise<ProviderRegistry> {
    const registry = new ProviderRegistry(options);
    await loadProviderSdks(PROVIDERS.filter((p) => isProviderConfigured(p, registry.settings[p])));
    registry.firstDiscovery = (registry.discoveryEnabled ? registry.refreshDiscovery().then(() => undefined) : Promise.resolve()).then(() => registry.logLineUp());
    if (options.awaitDiscovery !== false) await registry.firstDiscovery;
    return registry;
  }

  /** Resolves once the discovery started by `create` has finished (at once when there was none). */
  discovered(): Promise<void> {
    return this.firstDiscovery;
  }

  /**
   * Prefer `create`, which also loads the SDKs of the configured vendor providers and runs
   * discovery. A registry built here can build vendor models only once `loadProviderSdks()`
   * has resolved.
   */
  constructor(options: ProviderRegistryOptions = {}) {
    const app = options.config ?? loadConfig(options.env ?? process.env);
    this.logger = options.logger ?? getLogger();
    this.settings = settingsFromConfig(app);
    this.order = [...(options.order ?? app.providers.order)];
    this.tierConfig = applyEnvToTierConfig(options.tierConfig ?? defaultTierConfig(), app);
    const tiersFile = app.providers.tiersConfigPath;
    // src/policy reads the tiers file; without its models this registry runs on the built-in ones, so say so once.
    if (!options.tierConfig && tiersFile) {
      this.logger.warn(
        { event: "tiers_file_not_applied", file: tiersFile },
        `TIERS_CONFIG (${tiersFile}) does not reach this registry: build it with createRuntime(), or pass tierConfig: loadTiersFile(env).models (ai-gateway-agents/policy).`,
      );
    }
    this.breakers = new ProviderBreakers({ ...app.providers.breaker, ...options.breaker }, this.logger);
    this.injectedClient = options.gatewayClient;
    this.clientOptions = options.gatewayClientOptions;
    this.discoveryEnabled = options.discovery?.enabled !== false;
    this.discovery = new TierDiscovery({
      signal: this.closing.signal,
      lister: () => (this.takesPart("gateway") ? this.gatewayClient() : undefined),
      settings: () => ({
        pinned: this.tierConfig.pinnedGatewayModels,
        defaults: { fast: this.tierConfig.tiers.fast.models.gateway, standard: this.tierConfig.tiers.standard.models.gateway, premium: this.tierConfig.tiers.premium.models.gateway },
      }),
      ttlS: options.discovery?.ttlS ?? app.providers.discovery.ttlS,
      timeoutMs: options.discovery?.timeoutMs ?? app.providers.discovery.timeoutMs,
      logger: this.logger,
    });
  }

  /** The fallback chat model of `tier` (default: the configured default tier). One instance per tier. */
  chatModel(tier: Tier = this.tierConfig.defaultTier): FallbackChatModel {
    let model = this.chatModels.get(tier);
    if (!model) {
      model = new FallbackChatModel({ candidates: () => this.candidates(tier), breakers: this.breakers, logger: this.logger, tier });
      this.chatModels.set(tier, model);
    }
    return model;
  }

  /** Settings of `tier`. */
  tierSettings(tier: Tier = this.tierConfig.defaultTier): TierSettings {
    return this.tierConfig.tiers[tier];
  }

  /** The providers taking part, in order, with their model for `tier`. */
  candidates(tier: Tier): FallbackCandidate[] {
    this.refreshIfStale();
    const out: FallbackCandidate[] = [];
    for (const provider of this.order) {
      if (!this.takesPart(provider)) continue;
      const chatModel = this.providerModel(provider, tier);
      if (chatModel) out.push({ provider, model: this.modelId(provider, tier), chatModel });
    }
    return out;
  }

  /** The chat model of one provider for `tier`, or undefined when it cannot be built. */
  providerModel(provider: ProviderName, tier: Tier): BaseChatModel | undefined {
    const model = this.modelId(provider, tier);
    const key = `${provider}|${tier}|${model}`;
    const cached = this.models.get(key);
    if (cached) return cached;
    if (this.brokenModels.has(key)) return undefined;
    try {
      const built = createProviderChatModel(provider, this.settings[provider], {
        model,
        tier: this.tierConfig.tiers[tier],
        gatewayClient: provider === "gateway" ? this.gatewayClient() : undefined,
        fetch: this.providerFetch.get(provider) ?? NO_REDIRECT_FETCH,
      });
      this.models.set(key, built);
      return built;
    } catch (err) {
      // Logged once per model; the provider is left out of the line-up instead of failing every call.
      this.brokenModels.add(key);
      const message = scrubText(err instanceof Error ? err.message : String(err));
      this.logger.warn({ event: "provider_model_failed", provider, tier, model }, `Cannot build the ${provider} model '${model}' for tier '${tier}': ${message}`);
      return undefined;
    }
  }

  /** The model id `provider` uses for `tier` (for the gateway: env/file pin, else discovered, else default). */
  modelId(provider: ProviderName, tier: Tier): string {
    if (provider === "gateway") return this.gatewaySelections()[tier].model;
    return this.tierConfig.tiers[tier].models[provider];
  }

  /** The gateway's model per tier with its source. */
  gatewaySelections(): PerTier<TierSelection> {
    const found = this.discovery.current();
    if (found) return found.tiers;
    const t = this.tierConfig;
    const pick = (tier: Tier): TierSelection => t.pinnedGatewayModels[tier] ?? { model: t.tiers[tier].models.gateway, source: "default" };
    return { fast: pick("fast"), standard: pick("standard"), premium: pick("premium") };
  }

  /** The last discovery result, if discovery ran. */
  discoveryResult(): DiscoveryResult | undefined {
    return this.discovery.current();
  }

  /** Runs model discovery now (or returns the cached result when `force` is false and it is fresh). Never throws. */
  async refreshDiscovery(force = true): Promise<DiscoveryResult> {
    return this.discovery.get(force);
  }

  /** Changes the fallback order; unknown or repeated names are rejected. */
  setOrder(order: ProviderName[]): void {
    if (new Set(order).size !== order.length || order.some((p) => !PROVIDERS.includes(p))) {
      throw new ConfigurationError("invalid_option", `Provider order must name distinct providers among ${PROVIDERS.join(", ")}.`);
    }
    this.order = [...order];
  }

  /** The current fallback order. */
  providerOrder(): ProviderName[] {
    return [...this.order];
  }

  /**
   * Replaces `provider`'s settings and rebuilds its models; its breaker starts closed again.
   * For the gateway, a new client is built (the old one closed if the registry owned it) and
   * discovery runs again. `options.dispatcher` carries the provider's HTTP calls instead of the
   * default one (for OpenAI, Anthropic and Ollama as their SDK's fetch; Gemini's SDK takes none);
   * it belongs to the caller, who closes it.
   */
  async configure<P extends ProviderName>(provider: P, settings: ProviderSettingsMap[P], options: { dispatcher?: Dispatcher } = {}): Promise<void> {
    await loadProviderSdks([provider]);
    registerSettingsSecrets(settings);
    if (provider === "gateway") this.gatewayDispatcher = options.dispatcher;
    else if (options.dispatcher) this.providerFetch.set(provider, fetchOver(options.dispatcher));
    else this.providerFetch.delete(provider);
    this.settings[provider] = settings;
    this.breakers.reset(provider);
    for (const key of [...this.models.keys(), ...this.brokenModels]) {
      if (key.startsWith(`${provider}|`)) {
        this.models.delete(key);
        this.brokenModels.delete(key);
      }
    }
    if (provider === "gateway") {
      const old = this.ownedClient;
      this.ownedClient = undefined;
      // An injected client belongs to the caller and to the old settings.
      this.injectedClient = undefined;
      await old?.close();
      this.discovery.invalidate();
      if (this.discoveryEnabled) await this.discovery.get(true);
    }
    this.logger.info(
      { event: "provider_configured", provider, configured: isProviderConfigured(provider, settings), enabled: settings.enabled },
      `Provider '${provider}' reconfigured.`,
    );
  }

  /** The current settings of `provider` (secrets included: do not log them; `status()` masks them). */
  providerSettings<P extends ProviderName>(provider: P): ProviderSettingsMap[P] {
    return this.settings[provider];
  }

  /**
   * Checks `provider` with the cheapest real call (a model list). With `credentials`, those are
   * checked instead of the current settings (to test settings before `configure`), over
   * `options.dispatcher` when given (the caller's; not closed here). Credentials under test are
   * not registered with the log redactor (they may come from anyone); their values are scrubbed
   * from the outcome instead. Never throws.
   */
  async verify<P extends ProviderName>(
    provider: P,
    credentials?: ProviderSettingsMap[P],
    options: { timeoutMs?: number; dispatcher?: Dispatcher } = {},
  ): Promise<VerifyOutcome> {
    const settings = credentials ?? this.settings[provider];
    if (!credentials && !this.isConfigured(provider)) {
      return { ok: false, latencyMs: 0, error: { code: "not_configured", message: `Provider '${provider}' is not configured.` } };
    }
    const untrusted = credentials !== undefined;
    if (provider !== "gateway") {
      return verifyProvider(provider, settings, { timeoutMs: options.timeoutMs, dispatcher: options.dispatcher ?? this.clientOptions?.dispatcher, untrusted });
    }
    let client: AIGatewayClient | undefined;
    let owned = false;
    try {
      if (credentials) {
        client = this.buildGatewayClient(credentials as ProviderSettingsMap["gateway"], options.dispatcher, false);
        owned = true;
      } else {
        client = this.gatewayClient();
      }
    } catch (err) {
      const message = scrubText(err instanceof Error ? err.message : String(err));
      return { ok: false, latencyMs: 0, error: { code: "invalid_settings", message: untrusted ? scrubValues(message, secretsOf(settings)) : message } };
    }
    try {
      return await verifyProvider("gateway", settings, { gatewayClient: client, timeoutMs: options.timeoutMs, untrusted });
    } finally {
      if (owned) await client?.close();
    }
  }

  /** Per-provider status, in PROVIDERS order; secrets masked. */
  status(): ProviderStatus[] {
    const selections = this.gatewaySelections();
    return PROVIDERS.map((provider) => {
      const models = {} as PerTier<string>;
      for (const tier of TIERS) models[tier] = this.modelId(provider, tier);
      return {
        provider,
        configured: this.isConfigured(provider),
        enabled: this.settings[provider].enabled,
        position: this.order.indexOf(provider),
        breaker: this.breakers.state(provider),
        models,
        ...(provider === "gateway"
          ? { modelSources: { fast: selections.fast.source, standard: selections.standard.source, premium: selections.premium.source } }
          : {}),
        settings: maskSettings(provider, this.settings[provider]),
      };
    });
  }

  /** Closes the gateway client the registry built; a discovery still running stops quietly. */
  async close(): Promise<void> {
    this.closing.abort();
    const client = this.ownedClient;
    this.ownedClient = undefined;
    await client?.close();
  }

  private isConfigured(provider: ProviderName): boolean {
    if (provider === "gateway" && this.injectedClient) return true;
    // A caller's token provider stands in for the gateway's credentials; the base URL is still needed.
    if (provider === "gateway" && this.clientOptions?.tokenProvider && this.settings.gateway.gateway.baseUrl) return true;
    return isProviderConfigured(provider, this.settings[provider]);
  }

  private takesPart(provider: ProviderName): boolean {
    return this.order.includes(provider) && this.settings[provider].enabled && this.isConfigured(provider);
  }

  /** The shared gateway client: injected, or built once from the settings. */
  /** The gateway client's token provider (shared by MCP servers with `auth: gateway`), when the gateway is configured. */
  gatewayTokens(): TokenProvider | undefined {
    return this.gatewayClient()?.tokens;
  }

  private gatewayClient(): AIGatewayClient | undefined {
    if (this.injectedClient) return this.injectedClient;
    if (!this.ownedClient && this.isConfigured("gateway")) {
      this.ownedClient = this.buildGatewayClient(this.settings.gateway, this.gatewayDispatcher);
    }
    return this.ownedClient;
  }

  private buildGatewayClient(settings: ProviderSettingsMap["gateway"], dispatcher?: Dispatcher, redactSecrets = true): AIGatewayClient {
    const extra = this.clientOptions ?? {};
    const g = settings.gateway;
    return new AIGatewayClient({
      ...g,
      ...extra,
      redactSecrets,
      dispatcher: dispatcher ?? extra.dispatcher,
      logger: extra.logger ?? this.logger,
      retry: { ...g.retry, ...extra.retry },
      timeouts: { ...g.timeouts, ...extra.timeouts },
      token: { ...g.token, ...extra.token },
    });
  }

  private refreshIfStale(): void {
    if (!this.discoveryEnabled || !this.takesPart("gateway")) return;
    const found = this.discovery.current();
    // Non-blocking: calls keep the models they have while a refresh runs.
    if (found) void this.discovery.get(false);
  }

  private logLineUp(): void {
    const active = this.order.filter((p) => this.takesPart(p));
    const tiers = this.gatewaySelections();
    this.logger.info(
      { event: "providers_ready", order: active, gatewayTiers: Object.fromEntries(TIERS.map((t) => [t, tiers[t]])) },
      active.length > 0
        ? `Providers in fallback order: ${active.join(", ")}.`
        : "No provider is configured: set AI_GATEWAY_* or a fallback provider's key (see .env.example).",
    );
  }
}

/**
 * The fetch the vendor SDKs get: undici's, over `dispatcher` when given, and never following a
 * redirect. A redirect would carry the SDK's key header to wherever the server points (and past
 * the connect-time guard's view of the original host); it is raised as an error naming the target.
 */
export function fetchOver(dispatcher?: Dispatcher): typeof fetch {
  return (async (input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) => {
    const res = await undiciFetch(input, { ...init, redirect: "manual", ...(dispatcher ? { dispatcher } : {}) });
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => undefined);
      const location = res.headers.get("location") ?? "";
      let target = "an unnamed location";
      try {
        target = new URL(location, res.url || String(input)).origin;
      } catch {
        // an unparsable Location: the target stays unnamed
      }
      throw new Error(`The provider answered a redirect (${res.status}) to ${target}; redirects are not followed. Set the provider's base URL to the final address.`);
    }
    return res;
  }) as unknown as typeof fetch;
}

/** The SDKs' fetch when no dispatcher was given: the default one, redirects refused all the same. */
const NO_REDIRECT_FETCH = fetchOver();
