/**
 * One cockatiel circuit breaker per provider, shared by every tier and every model of that
 * provider: an outage is a property of the service, not of one model. After BREAKER_FAILURES
 * consecutive outages the breaker opens and the provider is skipped at once for
 * BREAKER_COOLDOWN_MS; then one probe call is let through (half-open) and its outcome closes
 * or reopens the breaker. Every transition is logged once, with its cause.
 */
import { BrokenCircuitError, circuitBreaker, CircuitState, ConsecutiveBreaker, handleWhen, type CircuitBreakerPolicy } from "cockatiel";
import { scrubText, type Logger } from "../logging/index.js";
import { classifyFailure, failureCode } from "./classify.js";
import { breakerEvent } from "./tracing.js";
import type { BreakerState, ProviderName } from "./types.js";
import { AIGatewayAgentsError } from "../errors.js";

/** Settings of the breakers (BREAKER_FAILURES, BREAKER_COOLDOWN_MS). */
export interface BreakerOptions {
  /** Consecutive outages that open a breaker. */
  failures: number;
  /** How long an open breaker skips its provider, in ms. */
  cooldownMs: number;
}

/** Default breaker settings, as in the env schema. */
export const DEFAULT_BREAKER_OPTIONS: BreakerOptions = { failures: 3, cooldownMs: 30_000 };

/** Thrown by `ProviderBreakers.execute` when a provider is skipped because its breaker is open. */
export class ProviderSkippedError extends AIGatewayAgentsError {
  override readonly name = "ProviderSkippedError";
  /** Message of the failure that opened the breaker (secrets scrubbed), so a skip still says why. */
  readonly lastFailure?: string;
  constructor(
    readonly provider: ProviderName,
    lastFailure?: unknown,
  ) {
    const cause = lastFailure instanceof Error ? scrubText(lastFailure.message) : undefined;
    super(`Provider '${provider}' is skipped: its circuit breaker is open after repeated failures${cause ? ` (last: ${cause})` : ""}.`, { code: "provider_skipped" });
    this.lastFailure = cause;
  }
}

/** The circuit breakers of all providers. */
export class ProviderBreakers {
  private readonly policies = new Map<ProviderName, CircuitBreakerPolicy>();
  private readonly disposers = new Map<ProviderName, (() => void)[]>();
  private options: BreakerOptions;

  constructor(
    options: Partial<BreakerOptions>,
    private readonly logger: Logger,
  ) {
    this.options = { ...DEFAULT_BREAKER_OPTIONS, ...options };
  }

  /**
   * Runs `fn` through `provider`'s breaker. Only outages (see classifyFailure) count as
   * failures; caller errors and 404s pass through without touching the count.
   * Throws ProviderSkippedError at once while the breaker is open.
   */
  async execute<T>(provider: ProviderName, fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await this.policy(provider).execute(({ signal: s }) => fn(s), signal);
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        const last = this.policies.get(provider)?.lastFailure;
        throw new ProviderSkippedError(provider, last && "error" in last ? last.error : undefined);
      }
      throw err;
    }
  }

  /** The breaker state of `provider`, for status reports. */
  state(provider: ProviderName): BreakerState {
    const policy = this.policies.get(provider);
    if (!policy) return "closed";
    switch (policy.state) {
      case CircuitState.Open:
      case CircuitState.Isolated:
        return "open";
      case CircuitState.HalfOpen:
        return "half-open";
      default:
        return "closed";
    }
  }

  /** Whether `provider` would be skipped right now (open and still cooling down). */
  isOpen(provider: ProviderName): boolean {
    return this.state(provider) === "open";
  }

  /** Forgets `provider`'s breaker, e.g. after its settings changed: the new settings get a fresh start. */
  reset(provider: ProviderName): void {
    for (const dispose of this.disposers.get(provider) ?? []) dispose();
    this.disposers.delete(provider);
    this.policies.delete(provider);
  }

  /** Changes the settings; breakers are rebuilt (closed) with them. */
  configure(options: Partial<BreakerOptions>): void {
    this.options = { ...this.options, ...options };
    for (const provider of [...this.policies.keys()]) this.reset(provider);
  }

  private policy(provider: ProviderName): CircuitBreakerPolicy {
    let policy = this.policies.get(provider);
    if (policy) return policy;
    policy = circuitBreaker(
      handleWhen((err) => classifyFailure(err) === "outage"),
      { halfOpenAfter: this.options.cooldownMs, breaker: new ConsecutiveBreaker(this.options.failures) },
    );
    const log = this.logger;
    const { failures, cooldownMs } = this.options;
    const subscriptions = [
      policy.onBreak((reason) => {
        const err = "error" in reason ? reason.error : undefined;
        const cause = err instanceof Error ? scrubText(err.message) : "isolated";
        // Transitions happen inside an attempt, so its span (when traced) carries them as events.
        breakerEvent("breaker.open", provider, { "error.type": err ? failureCode(err) : "isolated", "breaker.cooldown_ms": cooldownMs });
        log.warn(
          { event: "breaker_open", provider, code: err ? failureCode(err) : "isolated", cooldownMs },
          `Circuit breaker for provider '${provider}' opened after ${failures} consecutive failure(s) (${cause}); ` +
            `its calls are skipped for ${cooldownMs} ms, then one probe call is tried.`,
        );
      }),
      policy.onHalfOpen(() => {
        breakerEvent("breaker.half_open", provider);
        log.info({ event: "breaker_half_open", provider }, `Circuit breaker for provider '${provider}' is half-open: probing it with one call.`);
      }),
      policy.onReset(() => {
        breakerEvent("breaker.closed", provider);
        log.info({ event: "breaker_closed", provider }, `Circuit breaker for provider '${provider}' closed: the provider answered again.`);
      }),
    ];
    this.policies.set(provider, policy);
    this.disposers.set(provider, subscriptions.map((s) => () => s.dispose()));
    return policy;
  }
}
