/**
 * An abort signal that follows other signals (and optionally a deadline) and lets go of them when
 * disposed. `AbortSignal.any` and `AbortSignal.timeout` would do the same, but in Node 20 a signal
 * from `AbortSignal.any` stays reachable while it has listeners, and LangGraph leaves one on every
 * run's signal: the heap grew with each run. A plain controller is dropped with its run.
 */
import { setMaxListeners } from "node:events";

/** A linked signal and its disposal. */
export interface LinkedSignal {
  signal: AbortSignal;
  /** Whether the deadline, not a source, aborted it. */
  timedOut(): boolean;
  /** Stops following the sources and the deadline; call when the work is over. */
  dispose(): void;
}

/** A signal aborted when any of `sources` is, or after `timeoutMs` (with a TimeoutError). */
export function linkedSignal(sources: readonly (AbortSignal | undefined)[], timeoutMs?: number): LinkedSignal {
  const controller = new AbortController();
  // LangGraph adds a listener per running step (a plan's subtasks run at once), and drops them with the run.
  setMaxListeners(64, controller.signal);
  const undo: (() => void)[] = [];
  let timedOut = false;
  for (const source of sources) {
    if (!source) continue;
    if (source.aborted) {
      controller.abort(source.reason);
      break;
    }
    const forward = () => controller.abort(source.reason);
    source.addEventListener("abort", forward, { once: true });
    undo.push(() => source.removeEventListener("abort", forward));
  }
  if (timeoutMs !== undefined && !controller.signal.aborted) {
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException("The operation timed out.", "TimeoutError"));
    }, timeoutMs);
    timer.unref?.();
    undo.push(() => clearTimeout(timer));
  }
  return { signal: controller.signal, timedOut: () => timedOut, dispose: () => undo.splice(0).forEach((u) => u()) };
}
