/**
 * Model discovery: asks the gateway which models it serves and picks one per tier. It runs at
 * startup and on demand, is cached for DISCOVERY_TTL_S, and never blocks startup: any failure
 * (DNS, auth, timeout) logs one warning and falls back to the configured models.
 */
import type { RequestOptions } from "../gateway/index.js";
import { AIGatewayError } from "../gateway/index.js";
import { getLogger, scrubText, type Logger } from "../logging/index.js";
import { pickTierModels, rankModels, type ListedModel } from "./model_ranking.js";
import { TIERS, type PerTier, type Tier, type TierSelection } from "./types.js";

/**
 * The part of AIGatewayClient discovery needs, so tests can pass a stub. An entry's `model`, when
 * a string (Azure OpenAI deployments), names the model behind the id and is what gets ranked.
 */
export interface ModelLister {
  listModels(options?: RequestOptions): Promise<{ id: string; model?: unknown }[]>;
}

/** Outcome of one discovery run. Always usable: on failure the tiers hold the configured models. */
export interface DiscoveryResult {
  /** Model per tier, with its source. */
  tiers: PerTier<TierSelection>;
  /** The gateway's chat models, best first (empty when the list could not be fetched). */
  models: string[];
  /** Whether the model list was fetched. */
  ok: boolean;
  /** Why discovery failed, without secrets. */
  error?: { code: string; message: string };
  /** When the result was produced (ms since epoch). */
  at: number;
  /** Tiers whose configured or default model the gateway does not list (empty when the list could not be fetched). */
  unlisted?: UnlistedTierModel[];
}

/** A tier whose model (pinned or default) is not in the gateway's model list. */
export interface UnlistedTierModel {
  tier: Tier;
  model: string;
  source: TierSelection["source"];
}

/** Options of `discoverTiers`. */
export interface DiscoverTiersOptions {
  /** Explicit ids (env or file); they always win. */
  pinned?: Partial<PerTier<TierSelection>>;
  /** Models used for tiers neither pinned nor discovered. */
  defaults: PerTier<string>;
  /** Longest wait for the list (DISCOVERY_TIMEOUT_MS); default 3000. */
  timeoutMs?: number;
  /** Where the failure warning goes; default the process logger. */
  logger?: Logger;
  /** False (or a predicate of the failure code answering false) suppresses the warning. */
  warn?: boolean | ((code: string) => boolean);
  /**
   * False (or a predicate answering false for the key naming the unlisted tier models)
   * suppresses the warning about tier models the gateway does not list.
   */
  warnUnlisted?: boolean | ((key: string) => boolean);
  /**
   * Aborted when the caller is shutting down (the registry closes its gateway client): the list
   * request is given up and, the failure being the caller's own doing, nothing is logged.
   */
  signal?: AbortSignal;
}

/** How many listed models a warning names as alternatives. */
const MAX_ALTERNATIVES = 8;

/** Default of DISCOVERY_TIMEOUT_MS. */
export const DEFAULT_DISCOVERY_TIMEOUT_MS = 3_000;

/**
 * Lists the gateway's models and picks fast/standard/premium. Never throws: a failure logs one
 * warning naming the cause and returns the pinned/default models with `ok: false`.
 */
export async function discoverTiers(lister: ModelLister, options: DiscoverTiersOptions): Promise<DiscoveryResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const shutdown = () => controller.abort();
  options.signal?.addEventListener("abort", shutdown, { once: true });
  try {
    if (options.signal?.aborted) controller.abort();
    const listing = lister.listModels({ signal: controller.signal, maxRetries: 0, timeoutMs });
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
        reject(new Error("timeout"));
      }, timeoutMs);
    });
    const list = await Promise.race([listing, deadline]);
    const listed: ListedModel[] = list
      .filter((m) => typeof m.id === "string")
      .map((m) => (typeof m.model === "string" ? { id: m.id, model: m.model } : { id: m.id }));
    const ids = listed.map((m) => m.id);
    const models = rankModels(listed);
    const picked = pickTierModels(listed);
    if (!picked) {
      return failed(options, {
        code: "no_chat_models",
        message: `The gateway listed ${ids.length} model(s) but none of a family discovery ranks (GPT, o-series, Claude, Gemini, Llama, Mistral, Qwen, DeepSeek).`,
      }, models, ids);
    }
    const tiers = {} as PerTier<TierSelection>;
    for (const tier of TIERS) tiers[tier] = options.pinned?.[tier] ?? { model: picked[tier], source: "discovered" };
    const unlisted = unlistedModels(tiers, ids);
    if (unlisted.length > 0 && allowed(options.warnUnlisted, unlistedKey(unlisted))) {
      (options.logger ?? getLogger()).warn(
        { event: "tier_model_not_listed", unlisted, alternatives: models.slice(0, MAX_ALTERNATIVES), discovered: picked },
        `${describeUnlisted(unlisted, models)} Discovery would pick ${TIERS.map((t) => `${t}=${picked[t]}`).join(", ")}.`,
      );
    }
    return { tiers, models, ok: true, at: Date.now(), unlisted };
  } catch (err) {
    if (options.signal?.aborted) return failed({ ...options, warn: false }, { code: "closed", message: "Discovery stopped: the registry was closed." }, []);
    const error = timedOut
      ? { code: "timeout", message: `The gateway did not list its models within ${timeoutMs} ms (DISCOVERY_TIMEOUT_MS).` }
      : describe(err);
    return failed(options, error, []);
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener("abort", shutdown);
  }
}

function describe(err: unknown): { code: string; message: string } {
  if (err instanceof AIGatewayError) return { code: err.code, message: scrubText(err.message) };
  const message = err instanceof Error ? err.message : String(err);
  return { code: "error", message: scrubText(message) };
}

/**
 * The pinned/default result of a failed discovery. `listed` is the gateway's list when it was
 * fetched: then the one warning also names the tier models it lacks and the listed alternatives.
 */
function failed(options: DiscoverTiersOptions, error: { code: string; message: string }, models: string[], listed?: string[]): DiscoveryResult {
  const tiers = {} as PerTier<TierSelection>;
  for (const tier of TIERS) tiers[tier] = options.pinned?.[tier] ?? { model: options.defaults[tier], source: "default" };
  const unlisted = listed ? unlistedModels(tiers, listed) : [];
  if (allowed(options.warn, error.code)) {
    const used = TIERS.map((t) => `${t}=${tiers[t].model}`).join(", ");
    const missing = unlisted.length > 0 ? ` ${describeUnlisted(unlisted, models)}` : "";
    (options.logger ?? getLogger()).warn(
      {
        event: "discovery_failed",
        code: error.code,
        tiers: Object.fromEntries(TIERS.map((t) => [t, tiers[t].model])),
        ...(listed ? { unlisted, alternatives: models.slice(0, MAX_ALTERNATIVES) } : {}),
      },
      `Model discovery failed (${error.code}): ${error.message} Using the configured tier models: ${used}.${missing}`,
    );
  }
  return { tiers, models, ok: false, error, at: Date.now(), unlisted };
}

function allowed<K>(setting: boolean | ((key: K) => boolean) | undefined, key: K): boolean {
  return typeof setting === "function" ? setting(key) : setting !== false;
}

/** The tiers whose pinned or default model `listed` lacks; discovered ones are listed by construction. */
function unlistedModels(tiers: PerTier<TierSelection>, listed: readonly string[]): UnlistedTierModel[] {
  const ids = new Set(listed);
  return TIERS.filter((t) => tiers[t].source !== "discovered" && !ids.has(tiers[t].model)).map((t) => ({ tier: t, ...tiers[t] }));
}

/** Identifies a set of unlisted tier models, so a repeat of the same set stays quiet. */
function unlistedKey(unlisted: readonly UnlistedTierModel[]): string {
  return unlisted.map((u) => `${u.tier}=${u.model}`).join(",");
}

const SOURCE_NAMES: Record<TierSelection["source"], (tier: Tier) => string> = {
  env: (tier) => `AI_GATEWAY_${tier.toUpperCase()}_MODEL`,
  file: (tier) => `tiers.${tier} in TIERS_CONFIG`,
  default: () => "default",
  discovered: () => "discovered",
};

/** One sentence naming the unlisted tier models, where each came from, and what the gateway lists instead. */
function describeUnlisted(unlisted: readonly UnlistedTierModel[], models: readonly string[]): string {
  const names = unlisted.map((u) => `${u.tier}=${u.model} (${SOURCE_NAMES[u.source](u.tier)})`).join(", ");
  const alternatives =
    models.length > 0
      ? ` It lists: ${models.slice(0, MAX_ALTERNATIVES).join(", ")}${models.length > MAX_ALTERNATIVES ? ", ..." : ""}.`
      : " It lists no chat model.";
  return (
    `The gateway does not list the tier model(s) ${names}; calls to them will likely fail.${alternatives}` +
    ` Set AI_GATEWAY_<TIER>_MODEL or the tiers file to a listed model.`
  );
}

/** Options of `TierDiscovery`. */
export interface TierDiscoveryOptions {
  /** The gateway to ask; undefined when the gateway is not configured (defaults are used, no warning). */
  lister: () => ModelLister | undefined;
  /** Pinned ids and defaults, read on every run so a reconfiguration takes effect. */
  settings: () => Pick<DiscoverTiersOptions, "pinned" | "defaults">;
  /** How long a result is reused (DISCOVERY_TTL_S), in seconds. */
  ttlS: number;
  timeoutMs?: number;
  logger?: Logger;
  /** Aborted when the owner closes: a run in flight stops without a warning. */
  signal?: AbortSignal;
}

/**
 * Cached discovery: one run per TTL, concurrent callers share the run in flight, and a
 * failure is logged once per streak (a repeat of the same failure stays quiet).
 */
export class TierDiscovery {
  private result?: DiscoveryResult;
  private inflight?: Promise<DiscoveryResult>;
  private lastFailureCode?: string;
  private lastUnlistedKey?: string;

  constructor(private readonly options: TierDiscoveryOptions) {}

  /** The last result, without running discovery. */
  current(): DiscoveryResult | undefined {
    return this.result;
  }

  /** A result no older than the TTL; `force` runs discovery again now. */
  get(force = false): Promise<DiscoveryResult> {
    const fresh = this.result && Date.now() - this.result.at < this.options.ttlS * 1000;
    if (!force && fresh && this.result) return Promise.resolve(this.result);
    if (!this.inflight) {
      this.inflight = this.run().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  /** Forgets the cached result (after the gateway was reconfigured). */
  invalidate(): void {
    this.result = undefined;
    this.lastFailureCode = undefined;
    this.lastUnlistedKey = undefined;
  }

  private async run(): Promise<DiscoveryResult> {
    const settings = this.options.settings();
    const lister = this.options.lister();
    let result: DiscoveryResult;
    if (!lister) {
      const tiers = {} as PerTier<TierSelection>;
      for (const tier of TIERS) tiers[tier] = settings.pinned?.[tier] ?? { model: settings.defaults[tier], source: "default" };
      result = { tiers, models: [], ok: false, error: { code: "not_configured", message: "The gateway is not configured." }, at: Date.now() };
    } else {
      const code = this.lastFailureCode;
      const unlistedKeyBefore = this.lastUnlistedKey;
      result = await discoverTiers(lister, {
        ...settings,
        timeoutMs: this.options.timeoutMs,
        logger: this.options.logger,
        // The warning names a cause; repeating the same cause every TTL adds nothing.
        warn: (failure) => failure !== code,
        warnUnlisted: (key) => key !== unlistedKeyBefore,
        signal: this.options.signal,
      });
      this.lastFailureCode = result.ok ? undefined : result.error?.code;
      // Kept while the list is unknown (a failed fetch), so an outage in between does not re-arm the warning.
      if (result.ok || result.error?.code === "no_chat_models") {
        this.lastUnlistedKey = result.unlisted?.length ? unlistedKey(result.unlisted) : undefined;
      }
    }
    this.result = result;
    return result;
  }
}
