/**
 * The fallback loop shared by FallbackChatModel (invoke, stream) and its structured-output
 * runnable: try each provider in order through its circuit breaker; on an outage move on, on a
 * caller error stop. A stream may move on only until its first chunk reached the caller.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { Context } from "@opentelemetry/api";
import { scrubText, type Logger } from "../logging/index.js";
import { ProviderSkippedError, type ProviderBreakers } from "./breaker.js";
import { classifyFailure, failureCode } from "./classify.js";
import { fallbackSetupVars } from "./descriptors/index.js";
import { AttemptSpan } from "./tracing.js";
import type { ProviderName, Tier } from "./types.js";
import { AIGatewayAgentsError } from "../errors.js";

/** One provider's model for a tier, in fallback order. */
export interface FallbackCandidate {
  provider: ProviderName;
  /** Model id, reported as `model_name` when the provider does not name one. */
  model: string;
  chatModel: BaseChatModel;
}

/** What the loop needs: breakers, where to log, and the tier for messages. */
export interface FallbackContext {
  breakers: ProviderBreakers;
  logger: Logger;
  tier?: Tier;
  /** Trace context of the model call (its span is the parent of each attempt's span); default the active one. */
  traceContext?: Context;
}

/** One failed or skipped attempt, without secrets. */
export interface FallbackAttempt {
  provider: ProviderName;
  model: string;
  /** `skipped` when the breaker was open, else the failure code. */
  code: string;
  message: string;
}

/** Thrown when every provider failed or was skipped; `attempts` says what happened to each. */
export class AllProvidersFailedError extends AIGatewayAgentsError {
  override readonly name = "AllProvidersFailedError";
  /** One entry per provider, in order. */
  readonly attempts: FallbackAttempt[];
  /** Never retried here: each provider already had its chance (and its own retries). */
  readonly retryable = false;
  /**
   * The providers' own errors, in order, breaker skips left out. Not enumerable: they may carry
   * upstream text, so they must not be serialised with this error.
   */
  declare readonly errors: unknown[];
  constructor(tier: Tier | undefined, attempts: FallbackAttempt[], cause?: unknown, errors: readonly unknown[] = []) {
    const where = tier ? ` for tier '${tier}'` : "";
    super(
      attempts.length === 0
        ? `No provider is configured${where}. Set the AI_GATEWAY_* variables, or ${fallbackSetupVars()}.`
        : `Every provider failed${where}: ` + attempts.map((a) => `${a.provider} (${a.code}): ${a.message}`).join("; "),
      { code: attempts.length === 0 ? "no_provider_configured" : "all_providers_failed", cause },
    );
    this.attempts = attempts;
    Object.defineProperty(this, "errors", { value: [...errors], enumerable: false, writable: false, configurable: false });
  }
}

/** What the fallback loop knows about a failed call: which provider raised it, whether output had started. */
export interface FailureAnnotation {
  provider: ProviderName;
  /** Part of the answer had already been streamed to the caller. */
  partialOutput?: boolean;
}

// Kept beside the error rather than on it, so nothing of ours is serialised with a library's error.
const annotations = new WeakMap<object, FailureAnnotation>();

/** Records which provider raised `err` (merged with what was recorded before). Non-objects are ignored. */
export function annotateFailure(err: unknown, info: FailureAnnotation): void {
  if (!err || (typeof err !== "object" && typeof err !== "function")) return;
  annotations.set(err, { ...annotations.get(err), ...info });
}

/** What `annotateFailure` recorded for `err`, if anything. */
export function failureAnnotation(err: unknown): FailureAnnotation | undefined {
  return err && (typeof err === "object" || typeof err === "function") ? annotations.get(err) : undefined;
}

/** A successful attempt: the value, who produced it and who was passed over first. */
export interface FallbackSuccess<T> {
  value: T;
  candidate: FallbackCandidate;
  /** Providers that failed or were skipped before `candidate` answered (empty when the first did). */
  fallbackFrom: ProviderName[];
}

/** Events of `streamWithFallback`: one `start` naming the provider that answers, then its chunks. */
export type FallbackStreamEvent<T> =
  | { type: "start"; candidate: FallbackCandidate; fallbackFrom: ProviderName[] }
  | { type: "chunk"; chunk: T };

/** Bookkeeping of one call: records failures, logs each fallback once, decides what to throw. */
class AttemptTracker {
  private readonly attempts: FallbackAttempt[] = [];
  private readonly errors: unknown[] = [];
  private skipped = 0;

  constructor(
    private readonly ctx: FallbackContext,
    private readonly candidates: readonly FallbackCandidate[],
  ) {}

  /** Providers passed over so far. */
  passedOver(): ProviderName[] {
    return this.attempts.map((a) => a.provider);
  }

  /** Handles the failure of candidate `index`: rethrows caller errors, otherwise records and logs it. */
  failed(index: number, err: unknown, signal?: AbortSignal): void {
    const c = this.candidates[index];
    if (err instanceof ProviderSkippedError) {
      this.skipped++;
      const why = err.lastFailure ? `circuit breaker open; last failure: ${err.lastFailure}` : "circuit breaker open";
      this.attempts.push({ provider: c.provider, model: c.model, code: "skipped", message: why });
      // The breaker's opening was logged with its cause; a line per skipped call would flood the log.
      this.ctx.logger.debug({ event: "provider_skipped", provider: c.provider, tier: this.ctx.tier }, `Skipping provider '${c.provider}': circuit breaker open.`);
      return;
    }
    annotateFailure(err, { provider: c.provider });
    if (classifyFailure(err, signal) === "caller") throw err;
    const code = failureCode(err);
    const message = scrubText(err instanceof Error ? err.message : String(err)).slice(0, 500);
    this.attempts.push({ provider: c.provider, model: c.model, code, message });
    this.errors.push(err);
    const next = this.candidates.slice(index + 1).find((n) => !this.ctx.breakers.isOpen(n.provider));
    const tier = this.ctx.tier ? ` for tier '${this.ctx.tier}'` : "";
    this.ctx.logger.warn(
      { event: next ? "provider_fallback" : "provider_failed", provider: c.provider, model: c.model, tier: this.ctx.tier, code, next: next?.provider, nextModel: next?.model },
      next
        ? `Provider '${c.provider}' (${c.model}) failed${tier} (${code}): ${message} Falling back to '${next.provider}' (${next.model}).`
        : `Provider '${c.provider}' (${c.model}) failed${tier} (${code}): ${message} No provider is left to fall back to.`,
    );
  }

  /** The error to throw when no candidate answered. */
  exhausted(): unknown {
    // With one provider taking part, its own error (with its advice) is the clearest report.
    if (this.errors.length === 1 && this.skipped === 0) return this.errors[0];
    return new AllProvidersFailedError(this.ctx.tier, this.attempts, this.errors[0], this.errors);
  }
}

/** Whether a candidate after `index` could still take the call (its breaker is not open). */
function hasFallbackAfter(ctx: FallbackContext, candidates: readonly FallbackCandidate[], index: number): boolean {
  for (let i = index + 1; i < candidates.length; i++) if (!ctx.breakers.isOpen(candidates[i].provider)) return true;
  return false;
}

/**
 * The call options of `candidate`'s call: with `hasFallback: true` for the gateway when another
 * provider can take over, so a stalled gateway fails at once (see ChatAIGatewayCallOptions) instead
 * of being retried. Other providers' models get the options unchanged.
 */
export function withFallbackHint<T extends object>(options: T, candidate: FallbackCandidate, hasFallback: boolean): T {
  return hasFallback && candidate.provider === "gateway" ? { ...options, hasFallback: true } : options;
}

/**
 * Runs `call` on each candidate in turn until one succeeds; see the module comment for the rules.
 * `call` is told whether another candidate could still take over after this one.
 */
export async function invokeWithFallback<T>(
  ctx: FallbackContext,
  candidates: readonly FallbackCandidate[],
  call: (candidate: FallbackCandidate, hasFallback: boolean) => Promise<T>,
  signal?: AbortSignal,
): Promise<FallbackSuccess<T>> {
  const tracker = new AttemptTracker(ctx, candidates);
  for (let i = 0; i < candidates.length; i++) {
    if (signal?.aborted) throw signal.reason ?? new Error("Aborted");
    const candidate = candidates[i];
    const hasFallback = hasFallbackAfter(ctx, candidates, i);
    const span = AttemptSpan.start(ctx.traceContext, candidate.provider, candidate.model, i, ctx.tier);
    try {
      const value = await span.run(() => ctx.breakers.execute(candidate.provider, () => call(candidate, hasFallback), signal));
      span.noteResponse(value);
      span.end("ok");
      return { value, candidate, fallbackFrom: tracker.passedOver() };
    } catch (err) {
      span.end(err instanceof ProviderSkippedError ? "skipped" : "failed", err);
      tracker.failed(i, err, signal);
    }
  }
  throw tracker.exhausted();
}

/**
 * Streams from the first candidate whose stream yields a first chunk. Failures before that
 * chunk move on to the next candidate; a failure after it is raised, since part of an answer
 * already reached the caller and another provider would start a different one.
 */
export async function* streamWithFallback<T>(
  ctx: FallbackContext,
  candidates: readonly FallbackCandidate[],
  open: (candidate: FallbackCandidate, hasFallback: boolean) => Promise<AsyncIterator<T>>,
  signal?: AbortSignal,
): AsyncGenerator<FallbackStreamEvent<T>> {
  const tracker = new AttemptTracker(ctx, candidates);
  for (let i = 0; i < candidates.length; i++) {
    if (signal?.aborted) throw signal.reason ?? new Error("Aborted");
    const candidate = candidates[i];
    let iterator: AsyncIterator<T> | undefined;
    let first: IteratorResult<T>;
    const hasFallback = hasFallbackAfter(ctx, candidates, i);
    const span = AttemptSpan.start(ctx.traceContext, candidate.provider, candidate.model, i, ctx.tier);
    try {
      // Only the way to the first chunk runs inside the breaker: that is what decides fallback.
      first = await span.run(() =>
        ctx.breakers.execute(
          candidate.provider,
          async () => {
            iterator = await open(candidate, hasFallback);
            return iterator.next();
          },
          signal,
        ),
      );
    } catch (err) {
      await iterator?.return?.().catch(() => undefined);
      span.end(err instanceof ProviderSkippedError ? "skipped" : "failed", err);
      tracker.failed(i, err, signal);
      continue;
    }
    let failure: unknown;
    try {
      yield { type: "start", candidate, fallbackFrom: tracker.passedOver() };
      if (first.done) return;
      span.noteResponse(first.value);
      yield { type: "chunk", chunk: first.value };
      for (;;) {
        const next = await iterator!.next();
        if (next.done) return;
        span.noteResponse(next.value);
        yield { type: "chunk", chunk: next.value };
      }
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      // Closes the provider's request when the caller stops early or the stream failed.
      await iterator?.return?.().catch(() => undefined);
      span.end(failure === undefined ? "ok" : "failed", failure);
    }
  }
  throw tracker.exhausted();
}
