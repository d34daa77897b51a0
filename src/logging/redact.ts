/**
 * Secret redaction shared by the logger and by anything that builds a message from
 * outside data. Three guards: keys that name secrets (any letter case), values that were
 * registered as secrets at run time (client secrets, access tokens), and bearer/basic
 * credentials inside free text.
 */

/** Placeholder written instead of a secret. */
export const REDACTED = "[REDACTED]";

const SECRET_KEY =
  /^(authorization|proxy-authorization|x-api-key|api[-_]?key|apikey|client[-_]?secret|secret|password|access[-_]?token|refresh[-_]?token|id[-_]?token|token|bearer|cookie|set-cookie)$/i;

const CREDENTIAL_IN_TEXT = /\b(Bearer|Basic)\s+([A-Za-z0-9._~+/=-]{4,})/gi;

/**
 * Whether the word after "Bearer" or "Basic" looks like a credential: credentials are long or
 * mix in digits and punctuation, while prose ("Invalid bearer token", "Basic authentication")
 * is a short run of letters and is left readable.
 */
const looksLikeCredential = (word: string): boolean => word.length >= 20 || (word.length >= 8 && /[0-9._~+/=-]/.test(word));

/**
 * Strings shaped like API keys or JWTs that an upstream service may echo back in an error
 * (`sk-live-...`, `sk_test_...`, `sk-proj-...`, `eyJ...`): hidden even when nobody registered them.
 */
const KEY_SHAPED = /\b(?:sk|rk|pk)[-_](?:[A-Za-z]{2,8}[-_])?[A-Za-z0-9_-]{12,}|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;

/**
 * Two kinds of registered values. Configured secrets (client secrets, API keys from the
 * environment, the store or an accepted configure) are kept for the life of the process: no
 * traffic can evict them. Short-lived ones (access tokens) sit in a bounded set of their own,
 * whose eviction only ever drops other short-lived values. Nothing from an unauthenticated
 * request is registered at all, so no request can switch redaction off or blank chosen words.
 */
const configured = new Set<string>();
const shortLived = new Set<string>();
const MAX_CONFIGURED = 1_024;
const MAX_SHORT_LIVED = 256;

const remember = (set: Set<string>, max: number, value: string) => {
  if (set.size >= max) {
    const oldest = set.values().next().value;
    if (oldest !== undefined) set.delete(oldest);
  }
  set.add(value);
};

/**
 * Remembers a configured secret so every later log line and scrubbed string hides it.
 * Values shorter than 6 characters are ignored: they would redact ordinary words.
 */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 6 || configured.has(value)) return;
  shortLived.delete(value);
  remember(configured, MAX_CONFIGURED, value);
}

/** Remembers a short-lived secret (an access token); see the note on the two kinds above. */
export function registerShortLivedSecret(value: string | undefined | null): void {
  if (!value || value.length < 6 || configured.has(value) || shortLived.has(value)) return;
  remember(shortLived, MAX_SHORT_LIVED, value);
}

/** Replaces each of `secrets` (values only this call knows, such as credentials under test) in `text`. */
export function scrubValues(text: string, secrets: readonly (string | undefined | null)[]): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 6 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/** Whether a key names a secret (e.g. `Authorization`, `client_secret`, `apiKey`). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Replaces registered secrets and inline credentials in `text`. */
export function scrubText(text: string): string {
  let out = text;
  if (out.length >= 6) {
    for (const set of [configured, shortLived]) {
      for (const secret of set) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
  }
  return out.replace(CREDENTIAL_IN_TEXT, (match: string, scheme: string, word: string) => (looksLikeCredential(word) ? `${scheme} ${REDACTED}` : match)).replace(KEY_SHAPED, REDACTED);
}

/** Deep copy of `value` with secret-named keys masked and strings scrubbed. Handles cycles. */
export function redactValue(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === "string") return scrubText(value);
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return "[Circular]";
  seen.add(value);
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown; status?: unknown; requestId?: unknown };
    return redactValue(
      { type: e.name, message: e.message, code: e.code, status: e.status, requestId: e.requestId, stack: e.stack },
      seen,
    );
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null && v !== "" ? REDACTED : redactValue(v, seen);
  }
  return out;
}

/** Headers whose values are never secret: they describe the body, not the caller. */
const PLAIN_HEADERS: ReadonlySet<string> = new Set(["content-type", "accept"]);

/**
 * A copy of request `headers` for a log line: a value is shown only for content-type, accept
 * and the names in `visible` (lower case; AI_GATEWAY_HEADERS_PUBLIC). Any other extra header may
 * be a subscription key or an end user's id, so its value is redacted.
 */
export function redactHeaderValues(headers: Readonly<Record<string, string>>, visible: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    out[name] = PLAIN_HEADERS.has(lower) || (visible.has(lower) && !isSecretKey(lower)) ? value : REDACTED;
  }
  return out;
}
