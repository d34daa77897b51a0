/**
 * The soak: many model calls (invokes, streams, tool calls) at a fixed concurrency through
 * `registry.chatModel(tier)`, against a gateway emulator that injects transient faults and
 * issues short-lived tokens, with a fault-free OpenAI-compatible emulator as the fallback
 * provider. Returns the figures; `soakViolations` states the invariants. Used by
 * test/reliability/soak.test.ts (short run) and bench/soak.ts (`npm run soak`, 5,000 calls).
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { startEmulator, TRANSIENT_FAULT_KINDS, type EmulatorStats, type FaultKind } from "../../src/emulator/index.js";
import { createLogger, type Logger } from "../../src/logging/index.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import { forcedGc } from "../../bench/latency.js";
import { startEmulatorProcess } from "./emulator_process.js";
import { quantile, runPool, Workload, type CallOutcome } from "./workload.js";

/** Settings of one soak; every field has the default the issue asks for. */
export interface SoakParams {
  /** Model calls in total (warm-up included). */
  calls: number;
  /** Calls in flight at once. */
  concurrency: number;
  /** Probability that a chat request gets a transient fault; default 0.2. */
  faultRate?: number;
  /** Seed of the emulator's fault draw; default 7. */
  faultSeed?: number;
  /** Fault kinds drawn; default TRANSIENT_FAULT_KINDS (429, 500, 502, 503, reset, slow-headers, cut-before-first-token). */
  faultKinds?: FaultKind[];
  /** Lifetime of access tokens; default 2 s. */
  tokenTtlSeconds?: number;
  /** Retry-After of injected 429s; default 1 s. */
  retryAfterSeconds?: number;
  /**
   * How long "slow-headers" holds the headers back; default 1000 ms, past the 500 ms headers
   * timeout. undici runs that timeout on its coarse timers (a ~0.5 s tick), so it fires between
   * 0.5 and ~1 s: a slow header usually times out and is retried, and now and then is waited out.
   */
  slowHeadersMs?: number;
  /** The client's headers timeout; default 500 ms. */
  headersMs?: number;
  /** The client's retries per call; default SOAK_MAX_RETRIES (see there for why). */
  maxRetries?: number;
  /** First backoff; default 10 ms. */
  baseDelayMs?: number;
  /** Cap on one wait, Retry-After included; default 2000 ms (so the 1 s Retry-After is honoured, not surfaced). */
  maxDelayMs?: number;
  /** Called after every finished call, for progress output. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Retries per call in the soak. Every attempt draws a fault independently with p = 0.2, and a
 * fault fails the attempt at worst (a slow header is sometimes waited out), so a call is lost
 * only if all 1 + R attempts fault: at most p^(R+1). With R = 10 that is 0.2^11 = 2.0e-8 per call, so
 * for the full 5,000-call soak P(any call fails) <= 5,000 x 2.0e-8 = 1.0e-4, and for the 600
 * calls of `npm test` 1.2e-5: "every call succeeds" is a sound assertion. (R = 5 would not be:
 * 5,000 x 0.2^6 = 0.32.) Extra retries cost nothing unless faults actually repeat.
 */
export const SOAK_MAX_RETRIES = 10;

/** The token source's refresh margin (s); with a 2 s TTL the quarter-of-TTL cap (0.5 s) applies. */
const REFRESH_MARGIN_S = 60;

/** Figures of one soak. */
export interface SoakFigures {
  calls: number;
  concurrency: number;
  successes: number;
  failures: number;
  /** Calls answered by the secondary because the gateway's retries ran out. */
  fallbacks: number;
  /** Failure code of each gateway failure that caused a fallback (from the fallback log lines). */
  fallbackCodes: Record<string, number>;
  /** Times the gateway's circuit breaker opened (each open sends every call to the secondary for the cool-down). */
  breakerOpens: number;
  /** Successful calls whose text or tool calls differ from the simulated model's answer. */
  mismatches: number;
  faultsInjected: number;
  faultsByKind: Record<string, number>;
  /** Chat requests the gateway emulator received (first attempts and retries). */
  gatewayChatRequests: number;
  /** Retries the gateway client logged. */
  retries: number;
  tokenRequests: number;
  /** ceil(elapsed / refresh interval) + 1, see `tokenRequestBound`. */
  tokenBound: number;
  /** Token lifetime minus the refresh-ahead margin, in s. */
  refreshIntervalS: number;
  /** 401s the gateway sent (an expired token reached it). */
  unauthorized: number;
  unhandledRejections: number;
  /** Whether heap figures were taken after a forced full GC (else after a settle). */
  gcForced: boolean;
  heapBeforeMb: number;
  heapAfterMb: number;
  heapGrowthMb: number;
  rssAfterMb: number;
  latencyMs: { p50: number; p99: number; max: number };
  elapsedS: number;
  /** First few failures and mismatches, for the report. */
  samples: string[];
}

/**
 * Upper bound on token requests during `elapsedS`: the source refreshes a token once it is within
 * min(margin, ttl/4) of expiry, i.e. at most once per (ttl - min(margin, ttl/4)) seconds
 * (1.5 s for a 2 s TTL), plus the first fetch.
 */
export function tokenRequestBound(elapsedS: number, ttlS: number, marginS: number = REFRESH_MARGIN_S): { bound: number; intervalS: number } {
  const intervalS = ttlS - Math.min(marginS, ttlS / 4);
  return { bound: Math.ceil(elapsedS / intervalS) + 1, intervalS };
}

/** Heap growth allowed over a soak after a forced GC: generous, since a leak of one object per call still shows in 5,000 calls. */
export const HEAP_GROWTH_LIMIT_MB = 64;

/** heapUsed in MB after a full GC (twice, so finalisers' garbage goes too) or, without GC, after a settle. */
export async function settledHeapMb(gc: (() => void) | undefined): Promise<number> {
  await new Promise((r) => setTimeout(r, gc ? 50 : 1_000));
  if (gc) {
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** Runs one soak and returns its figures; it never throws for a failed call (figures say so). */
export async function runSoak(params: SoakParams): Promise<SoakFigures> {
  const ttl = params.tokenTtlSeconds ?? 2;
  const key = `sk-soak-${randomBytes(8).toString("hex")}`;
  const cleanups: (() => Promise<unknown>)[] = [];
  let unhandledRejections = 0;
  const onUnhandled = () => {
    unhandledRejections++;
  };
  process.on("unhandledRejection", onUnhandled);
  const log = warnCounter();
  const gc = forcedGc();
  const outcomes: CallOutcome[] = [];
  let heapBeforeMb = 0;
  let heapAfterMb = 0;
  let elapsedS = 0;
  let stats: EmulatorStats;
  try {
    // The gateway runs in its own process: its work must not slow the client's event loop or count in its heap.
    const gateway = await startEmulatorProcess({
      tokenTtlSeconds: ttl,
      faultRate: params.faultRate ?? 0.2,
      faultSeed: params.faultSeed ?? 7,
      faultKinds: params.faultKinds ?? [...TRANSIENT_FAULT_KINDS],
      retryAfterSeconds: params.retryAfterSeconds ?? 1,
      slowHeadersMs: params.slowHeadersMs ?? 1_000,
    });
    cleanups.push(() => gateway.stop());
    const secondary = await startEmulator({ staticApiKeys: [key] });
    cleanups.push(() => secondary.close());
    const started = performance.now();
    const registry = await ProviderRegistry.create({
      env: {
        AI_GATEWAY_BASE_URL: gateway.baseUrl,
        AI_GATEWAY_CLIENT_ID: gateway.clientId,
        AI_GATEWAY_CLIENT_SECRET: gateway.clientSecret,
        OPENAI_BASE_URL: secondary.apiUrl,
        OPENAI_API_KEY: key,
        PROVIDER_ORDER: "gateway,openai",
      },
      logger: log.logger,
      gatewayClientOptions: {
        retry: { maxRetries: params.maxRetries ?? SOAK_MAX_RETRIES, baseDelayMs: params.baseDelayMs ?? 10, maxDelayMs: params.maxDelayMs ?? 2_000 },
        timeouts: { headersMs: params.headersMs ?? 500, connectMs: 2_000, idleMs: 5_000, tokenMs: 5_000 },
        token: { refreshMarginS: REFRESH_MARGIN_S },
      },
    });
    cleanups.push(() => registry.close());
    const workload = new Workload(registry);
    const sink = (o: CallOutcome) => {
      outcomes.push(o);
      params.onProgress?.(outcomes.length, params.calls);
    };
    // Warm-up (counted in the figures): JIT, pools, caches, so the heap baseline excludes them.
    const warmup = Math.min(params.calls, Math.max(params.concurrency, Math.floor(params.calls / 10)));
    await runPool(0, warmup, params.concurrency, (i) => workload.run(i), sink);
    heapBeforeMb = await settledHeapMb(gc);
    await runPool(warmup, params.calls, params.concurrency, (i) => workload.run(i), sink);
    elapsedS = (performance.now() - started) / 1000;
    stats = await gateway.stats();
    heapAfterMb = await settledHeapMb(gc);
  } finally {
    process.off("unhandledRejection", onUnhandled);
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }

  const { bound, intervalS } = tokenRequestBound(elapsedS, ttl);
  const succeeded = outcomes.filter((o) => o.ok);
  const samples = outcomes
    .filter((o) => !o.ok || o.mismatch || o.fallbackFrom)
    .slice(0, 5)
    .map((o) => `call ${o.index} (${o.kind}): ${o.error ?? o.mismatch ?? `served by ${o.provider} after ${o.fallbackFrom?.join(",")}`}`);
  const latencies = outcomes.map((o) => o.ms);
  const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
  return {
    calls: outcomes.length,
    concurrency: params.concurrency,
    successes: succeeded.length,
    failures: outcomes.length - succeeded.length,
    fallbacks: succeeded.filter((o) => o.provider !== "gateway" || o.fallbackFrom).length,
    fallbackCodes: log.fallbackCodes,
    breakerOpens: log.breakerOpens,
    mismatches: succeeded.filter((o) => o.mismatch).length,
    faultsInjected: stats.faultsInjected,
    faultsByKind: stats.faultsByKind,
    gatewayChatRequests: stats.chatRequests,
    retries: log.retries,
    tokenRequests: stats.tokenRequests,
    tokenBound: bound,
    refreshIntervalS: intervalS,
    unauthorized: stats.unauthorized,
    unhandledRejections,
    gcForced: gc !== undefined,
    heapBeforeMb: round(heapBeforeMb),
    heapAfterMb: round(heapAfterMb),
    heapGrowthMb: round(heapAfterMb - heapBeforeMb),
    rssAfterMb: round(process.memoryUsage().rss / 2 ** 20),
    latencyMs: { p50: round(quantile(latencies, 0.5)), p99: round(quantile(latencies, 0.99)), max: round(Math.max(0, ...latencies)) },
    elapsedS: round(elapsedS, 2),
    samples,
  };
}

/** A warn-level logger that counts retries and fallbacks (by failure code) without keeping lines. */
function warnCounter(): { logger: Logger; retries: number; breakerOpens: number; fallbackCodes: Record<string, number> } {
  const counter = { retries: 0, breakerOpens: 0, fallbackCodes: {} as Record<string, number> };
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split("\n")) {
        if (line.includes("Retrying AI gateway request")) counter.retries++;
        else if (line.includes('"event":"breaker_open"')) counter.breakerOpens++;
        else if (line.includes('"event":"provider_fallback"') || line.includes('"event":"provider_failed"')) {
          const code = String((JSON.parse(line) as { code?: unknown }).code);
          counter.fallbackCodes[code] = (counter.fallbackCodes[code] ?? 0) + 1;
        }
      }
      cb();
    },
  });
  const logger = createLogger({ level: "warn", format: "json", destination });
  return Object.assign(counter, { logger });
}

/** The invariants of a soak, as sentences; empty when every one holds. */
export function soakViolations(f: SoakFigures, expectedCalls: number): string[] {
  const out: string[] = [];
  if (f.calls !== expectedCalls) out.push(`${f.calls} calls finished, ${expectedCalls} planned`);
  if (f.successes !== f.calls) out.push(`${f.failures} call(s) failed`);
  if (f.fallbacks !== 0) out.push(`${f.fallbacks} call(s) fell back: a transient fault got past the gateway client's retries`);
  if (f.mismatches !== 0) out.push(`${f.mismatches} answer(s) differ from the simulated model's (duplicated or lost stream content)`);
  if (f.tokenRequests > f.tokenBound) out.push(`${f.tokenRequests} token requests, more than the bound ${f.tokenBound}`);
  if (f.unhandledRejections !== 0) out.push(`${f.unhandledRejections} unhandled rejection(s)`);
  if (f.heapGrowthMb >= HEAP_GROWTH_LIMIT_MB) out.push(`heap grew ${f.heapGrowthMb} MB (limit ${HEAP_GROWTH_LIMIT_MB} MB)`);
  if (f.faultsInjected === 0) out.push("no fault was injected: the run proves nothing");
  return out;
}
