/** What the route modules share: configuration, logger, runtime, store, SSRF policy and the graph. */
import type { AppConfig } from "../config/config.js";
import type { Logger } from "../logging/index.js";
import type { OrchestratorGraph } from "../../graphs/orchestrator/graph.js";
import type { CheckpointRetention } from "../../graphs/retention.js";
import type { UsageLedger } from "../usage/index.js";
import type { ProviderStore } from "./config_store.js";
import type { ServerRuntime } from "./runtime.js";
import type { StoreSync } from "./store_sync.js";
import type { SsrfPolicy } from "../net/index.js";
import type { RunService } from "../runs/service.js";

/** Shared state of one server instance. */
export interface ServerContext {
  config: AppConfig;
  logger: Logger;
  runtime: ServerRuntime;
  /** Provider settings changed over HTTP: the file, or PostgreSQL with DATABASE_URL. */
  store: ProviderStore;
  /** Keeps `runtime` in step with what other processes save to `store`. */
  storeSync: StoreSync;
  /** How calls to admin-given URLs are guarded (the run policy is `runtime.policy`). */
  ssrf: SsrfPolicy;
  graph: OrchestratorGraph;
  /** Checkpoint retention of the server's own store (none for a checkpointer handed in). */
  retention?: CheckpointRetention;
  /** Usage per run, tenant and user: the store's ledger, or one in this process for a checkpointer handed in. */
  ledger: UsageLedger;
  /** Where every run of every route goes: tenants, limits, claims, budgets, the ledger. */
  runs: RunService;
  /** Throws when this process can no longer use its checkpoint store (none for a checkpointer handed in): `/healthz`. */
  checkStore?: () => Promise<void>;
  /** Time allowed for one credential check. */
  verifyTimeoutMs: number;
}
