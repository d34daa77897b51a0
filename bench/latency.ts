/** Latency and memory helpers for `npm run bench`: closed-loop latency samples, percentiles, a forced GC. */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Runs `calls` calls of `run` with `concurrency` of them in flight at all times (a closed loop:
 * each finished call starts the next) and returns every call's latency in ms.
 */
export async function closedLoop(run: () => Promise<unknown>, calls: number, concurrency: number): Promise<number[]> {
  const latencies: number[] = [];
  let started = 0;
  const worker = async () => {
    while (started < calls) {
      started++;
      const t = performance.now();
      await run();
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, calls) }, worker));
  return latencies;
}

/** The q-quantile (0..1) of `values` by nearest rank. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** A full-GC function: `global.gc` under --expose-gc, else obtained by setting the flag at run time. */
export function forcedGc(): (() => void) | undefined {
  if (typeof globalThis.gc === "function") return globalThis.gc;
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as unknown;
    return typeof gc === "function" ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/** rss / heapUsed / heapTotal in MB, after a full GC when one is available. */
export function memoryMb(gc: (() => void) | undefined): { rss: number; heapUsed: number; heapTotal: number } {
  gc?.();
  const m = process.memoryUsage();
  const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
  return { rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal) };
}
