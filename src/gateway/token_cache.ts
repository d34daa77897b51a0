/**
 * The caching rules every refreshing token source shares (OAuth2 client credentials and a
 * caller's `tokenProvider` function):
 *
 * - a token is reused until its refresh point: the refresh margin before expiry, capped at a
 *   quarter of its lifetime so short-lived tokens are still reused;
 * - inside the margin, callers keep the still-valid token while one background refresh runs;
 *   after expiry they wait for the refresh;
 * - single flight: every caller that arrives while a fetch runs shares its promise, and one
 *   caller's abort signal never cancels the fetch the others wait on.
 */

/** A token and when it stops being valid (ms since the epoch). */
export interface FetchedToken {
  value: string;
  expiresAt: number;
}

/** A cached token with the instant its refresh starts. */
export interface CachedToken extends FetchedToken {
  refreshAt: number;
}

/** Settings of a TokenCache. */
export interface TokenCacheOptions {
  /** Seconds before expiry at which a refresh starts (capped at a quarter of the lifetime). */
  refreshMarginS: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Single-flight cache in front of a token fetch; see the file comment. */
export class TokenCache {
  private cached?: CachedToken;
  private inflight?: Promise<CachedToken>;
  private readonly now: () => number;

  constructor(
    private readonly fetchToken: () => Promise<FetchedToken>,
    private readonly options: TokenCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The cached token, if any (for verify and stats). */
  get current(): CachedToken | undefined {
    return this.cached;
  }

  /** A valid token, from cache when possible. */
  async get(signal?: AbortSignal): Promise<string> {
    const cached = this.cached;
    if (cached) {
      const now = this.now();
      if (now < cached.refreshAt) return cached.value;
      if (now < cached.expiresAt) {
        // Still valid: refresh ahead in the background; a failure is retried by the next caller.
        this.refresh().catch(() => undefined);
        return cached.value;
      }
    }
    return (await this.refresh(signal)).value;
  }

  /** Drops `token` if it is the cached one (after a 401), so the next call fetches anew. */
  invalidate(token: string): void {
    if (this.cached?.value === token) this.cached = undefined;
  }

  /** Fetches a new token even when one is cached. */
  async forceRefresh(signal?: AbortSignal): Promise<string> {
    this.cached = undefined;
    return (await this.refresh(signal)).value;
  }

  private refresh(signal?: AbortSignal): Promise<CachedToken> {
    if (!this.inflight) {
      // The shared fetch must not die with one caller's signal: other callers wait on it too.
      this.inflight = this.fetchToken()
        .then((t) => {
          const token = this.withRefreshPoint(t);
          this.cached = token;
          return token;
        })
        .finally(() => {
          this.inflight = undefined;
        });
    }
    if (!signal) return this.inflight;
    return raceAbort(this.inflight, signal);
  }

  private withRefreshPoint(t: FetchedToken): CachedToken {
    const ttlMs = Math.max(0, t.expiresAt - this.now());
    const marginMs = Math.min(this.options.refreshMarginS * 1000, ttlMs / 4);
    return { value: t.value, expiresAt: t.expiresAt, refreshAt: t.expiresAt - marginMs };
  }
}

/** A token provider whose tokens live in a TokenCache: getting, dropping and renewing them go to it. */
export abstract class CachedTokenProvider {
  protected abstract readonly cache: TokenCache;

  /** A valid token, from the cache when possible (one fetch for any number of callers). */
  getToken(signal?: AbortSignal): Promise<string> {
    return this.cache.get(signal);
  }

  /** Drops `token` (after a 401), so the next call fetches a new one. */
  invalidate(token: string): void {
    this.cache.invalidate(token);
  }

  /** Fetches a new token even when one is cached (used by verify). */
  forceRefresh(signal?: AbortSignal): Promise<string> {
    return this.cache.forceRefresh(signal);
  }
}

/** Resolves or rejects like `promise`, or rejects with the signal's reason when it aborts first. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
