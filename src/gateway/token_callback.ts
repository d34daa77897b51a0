/**
 * A caller's own token function as a TokenProvider, like AzureChatOpenAI's
 * `azureADTokenProvider`: `() => Promise<string | { token, expiresAt }>`. Its results are cached
 * and refreshed with the same rules as OAuth2 tokens (token_cache.ts: refresh margin, one call
 * for any number of concurrent callers), and after a 401 the function is asked again once.
 *
 * Expiry: `expiresAt` (ms since the epoch, or a Date; a number small enough to be seconds is
 * read as seconds); for a plain string, the `exp` of a JWT; else the default lifetime.
 */
import { registerShortLivedSecret } from "../logging/redact.js";
import { AIGatewayAuthError, AIGatewayError } from "./errors.js";
import { readJwtClaims } from "./jwt_claims.js";
import { CachedTokenProvider, TokenCache, type FetchedToken } from "./token_cache.js";
import type { TokenProvider, TokenSourceInfo } from "./token_source.js";

/** What a token function may resolve to. */
export type TokenFunctionResult = string | { token: string; expiresAt?: number | Date };

/** A caller's token function, e.g. `getBearerTokenProvider(credential, scope)` from @azure/identity. */
export type TokenFunction = () => Promise<TokenFunctionResult>;

/** Settings of a FunctionTokenProvider. */
export interface FunctionTokenProviderOptions {
  /** Seconds before expiry at which a refresh starts (default 60, capped at a quarter of the lifetime). */
  refreshMarginS?: number;
  /** Lifetime assumed when neither `expiresAt` nor a JWT `exp` tells (default 300 s). */
  defaultTtlS?: number;
  /** Register each token with the log redactor (default true). */
  redactSecrets?: boolean;
  /** Clock, for tests. */
  now?: () => number;
}

// Before 2001-09-09 in ms, but a plausible instant in seconds: read as seconds.
const SECONDS_LIMIT = 1e12;

/** Wraps a TokenFunction in the client's token cache; see the file comment. */
export class FunctionTokenProvider extends CachedTokenProvider implements TokenProvider {
  /** Times the function was called. */
  calls = 0;
  protected readonly cache: TokenCache;
  private readonly now: () => number;

  constructor(
    private readonly fn: TokenFunction,
    private readonly options: FunctionTokenProviderOptions = {},
  ) {
    super();
    if (typeof fn !== "function") {
      throw new AIGatewayAuthError("tokenProvider must be a function returning a promise of a token.", { code: "invalid_token_provider" });
    }
    this.now = options.now ?? Date.now;
    this.cache = new TokenCache(() => this.fetch(), { refreshMarginS: options.refreshMarginS ?? 60, now: this.now });
  }


  info(): TokenSourceInfo {
    return { authMethod: "token_provider", expiresAt: this.cache.current?.expiresAt };
  }

  private async fetch(): Promise<FetchedToken> {
    this.calls++;
    let result: TokenFunctionResult;
    try {
      result = await this.fn();
    } catch (err) {
      if (err instanceof AIGatewayError) throw err;
      // The function's own error may quote a credential; only its class name is kept.
      const name = err instanceof Error ? err.name : typeof err;
      throw new AIGatewayAuthError(`The tokenProvider function failed (${name}); check the credential it uses.`, { code: "token_provider_failed", cause: undefined });
    }
    const token = typeof result === "string" ? result : result?.token;
    if (typeof token !== "string" || token === "") {
      throw new AIGatewayAuthError("The tokenProvider function returned no token (expected a string or { token, expiresAt }).", { code: "token_provider_failed" });
    }
    if (this.options.redactSecrets !== false) registerShortLivedSecret(token);
    return { value: token, expiresAt: this.expiryOf(result, token) };
  }

  private expiryOf(result: TokenFunctionResult, token: string): number {
    const given = typeof result === "string" ? undefined : result.expiresAt;
    const stated = given instanceof Date ? given.getTime() : typeof given === "number" && Number.isFinite(given) ? (given < SECONDS_LIMIT ? given * 1000 : given) : undefined;
    const expiresAt = stated ?? readJwtClaims(token)?.expiresAt;
    if (expiresAt !== undefined && expiresAt > this.now()) return expiresAt;
    // No usable expiry (or one already past): reuse it for the default lifetime; a 401 asks again.
    return this.now() + (this.options.defaultTtlS ?? 300) * 1000;
  }
}
