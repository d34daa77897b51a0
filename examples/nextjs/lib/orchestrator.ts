/**
 * One orchestrator per server process for the Next.js route handlers: created on the first
 * request (not at build time, when Next imports route modules) and reused after that.
 */
import { createOrchestrator, createRuntime } from "ai-gateway-agents";
import { createCheckpointer } from "ai-gateway-agents/orchestrator";
import { createRunService, type RunService } from "ai-gateway-agents/runs";

let started: Promise<{ runs: RunService; close(): Promise<void> }> | undefined;

async function start() {
  const runtime = await createRuntime(); // the gateway from the environment, else the local emulator
  const store = await createCheckpointer(); // DATABASE_URL (PostgreSQL), else CHECKPOINT_SQLITE_PATH
  const graph = createOrchestrator({ registry: runtime.registry, policy: runtime.policy, simulated: runtime.simulated, checkpointer: store.checkpointer, ledger: store.ledger });
  const runs = createRunService({ graph, claims: store.claims, owners: store.owners });
  return {
    runs,
    async close() {
      await store.close();
      await runtime.close();
    },
  };
}

/** The process's run service. */
export async function getRunService(): Promise<RunService> {
  started ??= start();
  return (await started).runs;
}

/** Releases the store and the runtime (tests, or a custom server's shutdown). */
export async function closeOrchestrator(): Promise<void> {
  const current = started;
  started = undefined;
  if (current) await (await current).close();
}
