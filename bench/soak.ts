/**
 * `npm run soak`: the full reliability soak — 5,000 model calls (invokes, streams, tool calls)
 * at concurrency 50 through registry.chatModel(tier), against a gateway emulator (own process)
 * injecting 20% transient faults with 2 s tokens, and a fault-free OpenAI-compatible emulator as
 * the fallback. Prints the figures and the invariants, then one JSON line. Exits 1 when an
 * invariant is broken. Knobs: SOAK_CALLS, SOAK_CONCURRENCY, SOAK_FAULT_RATE, SOAK_FAULT_SEED.
 * The same run, shorter, is test/reliability/soak.test.ts in `npm test`.
 */
import { SOAK_MAX_RETRIES, runSoak, soakViolations } from "../test/reliability/soak.js";
import { printTable } from "./harness.js";

const CALLS = Number(process.env.SOAK_CALLS ?? 5_000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 50);
const FAULT_RATE = Number(process.env.SOAK_FAULT_RATE ?? 0.2);
const FAULT_SEED = Number(process.env.SOAK_FAULT_SEED ?? 7);

const step = Math.max(1, Math.round(CALLS / 10));
const f = await runSoak({
  calls: CALLS,
  concurrency: CONCURRENCY,
  faultRate: FAULT_RATE,
  faultSeed: FAULT_SEED,
  onProgress: (done, total) => {
    if (done % step === 0 || done === total) process.stderr.write(`soak: ${done}/${total} calls\n`);
  },
});
const violations = soakViolations(f, CALLS);

console.log(
  `soak — ${CALLS} calls at concurrency ${CONCURRENCY}; gateway emulator (own process): ${FAULT_RATE * 100}% transient faults ` +
    `(seed ${FAULT_SEED}), 2 s tokens, Retry-After 1 s, slow headers 1 s vs a 500 ms headers timeout; client: ${SOAK_MAX_RETRIES} retries, 10 ms base backoff\n`,
);
const kinds = Object.entries(f.faultsByKind)
  .map(([k, n]) => `${k}:${n}`)
  .join(" ");
printTable(
  ["figure", "value"],
  [
    ["calls / successes / failures", `${f.calls} / ${f.successes} / ${f.failures}`],
    ["fallbacks to the secondary", `${f.fallbacks}${f.fallbacks ? ` (gateway failures: ${JSON.stringify(f.fallbackCodes)}; breaker opened ${f.breakerOpens}x)` : ""}`],
    ["answers differing from the simulated model", String(f.mismatches)],
    ["faults injected", `${f.faultsInjected} of ${f.gatewayChatRequests} chat requests (${kinds})`],
    ["retries by the gateway client", String(f.retries)],
    ["token requests / bound", `${f.tokenRequests} / ${f.tokenBound} (ceil(${f.elapsedS} s / ${f.refreshIntervalS} s) + 1)`],
    ["401s (expired token reached the gateway)", String(f.unauthorized)],
    ["unhandled rejections", String(f.unhandledRejections)],
    ["heap before / after / growth (MB)", `${f.heapBeforeMb} / ${f.heapAfterMb} / ${f.heapGrowthMb}${f.gcForced ? " (after forced GC)" : " (no GC available: after a settle)"}`],
    ["rss after (MB)", String(f.rssAfterMb)],
    ["call latency p50 / p99 / max (ms)", `${f.latencyMs.p50} / ${f.latencyMs.p99} / ${f.latencyMs.max}`],
    ["elapsed (s)", String(f.elapsedS)],
  ],
);
console.log("");
if (violations.length > 0) {
  console.log(`FAILED invariants:\n${violations.map((v) => `  - ${v}`).join("\n")}`);
  if (f.samples.length > 0) console.log(`examples:\n${f.samples.map((s) => `  - ${s}`).join("\n")}`);
} else {
  console.log("All invariants hold: every call succeeded on the gateway, no answer differed, token requests within the bound, no unhandled rejection, heap growth under the limit.");
}
console.log("");
console.log(
  JSON.stringify({
    soak: violations.length === 0 ? "pass" : "fail",
    calls: f.calls,
    faults_injected: f.faultsInjected,
    successes: f.successes,
    fallbacks: f.fallbacks,
    token_requests: f.tokenRequests,
    heap_growth_mb: f.heapGrowthMb,
    elapsed_s: f.elapsedS,
    concurrency: f.concurrency,
    failures: f.failures,
    mismatches: f.mismatches,
    retries: f.retries,
    breaker_opens: f.breakerOpens,
    token_bound: f.tokenBound,
    unauthorized: f.unauthorized,
    unhandled_rejections: f.unhandledRejections,
    p99_ms: f.latencyMs.p99,
  }),
);
if (violations.length > 0) process.exitCode = 1;
