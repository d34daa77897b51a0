/**
 * Keeps this process's provider settings in step with the shared store: before a request is
 * handled, a file that another process wrote since (told by its size, mtime and inode) is read
 * again and its changes applied. Configure requests and these syncs run one at a time.
 */
import type { Logger } from "../logging/index.js";
import type { ProviderStore } from "./config_store.js";
import type { ServerRuntime } from "./runtime.js";

/** Serialised access to the store and the runtime's copy of it. */
export interface StoreSync {
  /** Picks up another process's changes, if any; a store that cannot be read keeps the current settings. */
  sync(): Promise<void>;
  /** Runs `task` after every earlier task and sync; `task` may call `syncNow`. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  /** `sync` for use inside `exclusive`. */
  syncNow(): Promise<void>;
}

export function storeSync(store: ProviderStore, runtime: ServerRuntime, logger: Logger): StoreSync {
  let chain: Promise<unknown> = Promise.resolve();
  let seen: string | undefined;
  let warned = false;
  const syncNow = async () => {
    const fingerprint = await store.fingerprint();
    if (fingerprint === seen) return;
    try {
      const snapshot = await store.snapshot();
      seen = fingerprint;
      warned = false;
      if (snapshot.revision === runtime.revision) return;
      const changed = await runtime.adopt(snapshot);
      logger.info(
        { event: "provider_store_reloaded", revision: snapshot.revision, providers: changed },
        `Provider settings changed in ${store.location} (revision ${snapshot.revision}): ${changed.join(", ") || "no provider"} reconfigured.`,
      );
    } catch (err) {
      // A half-written or broken file must not take every request down: keep what is in force.
      if (!warned) logger.warn({ event: "provider_store_unreadable", store: store.location }, `Kept the current provider settings: ${err instanceof Error ? err.message : String(err)}`);
      warned = true;
    }
  };
  const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
    const run = chain.then(task);
    chain = run.catch(() => undefined);
    return run;
  };
  return { sync: () => exclusive(syncNow), exclusive, syncNow };
}
