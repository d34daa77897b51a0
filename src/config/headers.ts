/**
 * The rules for extra HTTP headers sent to the gateway, in one place: static ones
 * (AI_GATEWAY_HEADERS), per-run ones (streamSteps `headers`, the HTTP API's `metadata` mapped by
 * AI_GATEWAY_METADATA_HEADERS, the CLI's `--header`) and those given in code to the client. Every
 * way in refuses the same things, and no message ever repeats a header's value: values may be
 * subscription keys or other credentials.
 */
import { AIGatewayAgentsError } from "../errors.js";

/** RFC 9110 `token`: the characters a header name may use. */
const NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What a header value may hold: tab, visible ASCII and space, obs-text; never CR, LF, NUL or other controls. */
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** `${NAME}`: a reference to an environment variable inside a static header value. */
const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** A metadata key of the HTTP API (`user`, `costCenter`, `team.id`). */
const METADATA_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * Headers the client sets itself and nobody may override: the credential, the framing of the
 * body and the connection (undici refuses some of them anyway, with a less helpful message), and
 * the content negotiation the SSE parser depends on.
 */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "host",
  "content-length",
  "content-type",
  "accept",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "expect",
  "te",
  "trailer",
]);

/** Size limits of one set of headers. */
export interface HeaderLimits {
  /** Most headers in the set. */
  count: number;
  /** Longest value, in characters. */
  valueLength: number;
}

/** Limits of static and code-given headers. */
export const STATIC_HEADER_LIMITS: HeaderLimits = { count: 32, valueLength: 8_192 };

/** Limits of per-run headers, which may come from an HTTP client: fewer and shorter. */
export const RUN_HEADER_LIMITS: HeaderLimits = { count: 16, valueLength: 1_024 };

/** A header set broke a rule; the message names the header (never its value) and what to fix. */
export class HeaderRuleError extends AIGatewayAgentsError {
  override readonly name = "HeaderRuleError";
  /** The offending header name, or metadata key, when there is one. */
  readonly key?: string;
  constructor(message: string, key?: string) {
    super(message, { code: "invalid_header" });
    this.key = key;
  }
}

/** "where: " before a message, or nothing when the caller names the source itself (a ConfigurationError does). */
const at = (where: string): string => (where ? `${where}: ` : "");

/** Shows a name in a message: cut short, and control characters made visible. */
const shown = (name: string): string => JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);

/** Throws HeaderRuleError when `name` is not a header name, or one the client must set itself. */
export function checkHeaderName(name: string, where: string): string {
  if (!NAME.test(name) || name.length > 256) {
    throw new HeaderRuleError(`${at(where)}${shown(name)} is not a valid HTTP header name (letters, digits and !#$%&'*+.^_\`|~- only).`, name);
  }
  const lower = name.toLowerCase();
  if (RESERVED_HEADERS.has(lower)) {
    throw new HeaderRuleError(`${at(where)}the ${lower} header is set by the client itself and cannot be overridden.`, name);
  }
  return lower;
}

/** Throws HeaderRuleError when `value` cannot travel in an HTTP header or is too long. */
export function checkHeaderValue(name: string, value: unknown, where: string, limits: HeaderLimits): string {
  if (typeof value !== "string") throw new HeaderRuleError(`${at(where)}the value of header ${shown(name)} must be a string.`, name);
  if (!VALUE.test(value)) {
    throw new HeaderRuleError(`${at(where)}the value of header ${shown(name)} holds a control character (CR, LF, NUL...) or a character outside Latin-1, which HTTP headers cannot carry.`, name);
  }
  if (value.length > limits.valueLength) {
    throw new HeaderRuleError(`${at(where)}the value of header ${shown(name)} is longer than ${limits.valueLength} characters.`, name);
  }
  return value;
}

/**
 * Checks a whole header set and returns a copy with lower-case names, so a later set overrides
 * an earlier one whatever the letter case. `where` names the source in messages (a variable,
 * an option).
 */
export function checkHeaders(headers: Readonly<Record<string, unknown>>, where: string, limits: HeaderLimits = STATIC_HEADER_LIMITS): Record<string, string> {
  const out: Record<string, string> = {};
  const names = Object.keys(headers);
  if (names.length > limits.count) throw new HeaderRuleError(`${at(where)}at most ${limits.count} headers are allowed, not ${names.length}.`);
  for (const name of names) {
    const lower = checkHeaderName(name, where);
    if (lower in out) throw new HeaderRuleError(`${at(where)}header ${shown(name)} is given twice (names are not case-sensitive).`, name);
    out[lower] = checkHeaderValue(name, headers[name], where, limits);
  }
  return out;
}

/**
 * Replaces every `${NAME}` in the values of `headers` with that environment variable. Returns
 * the resolved headers, or the first variable that is not set (so the caller can name it).
 */
export function resolveEnvReferences(
  headers: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
): { headers: Record<string, string> } | { missing: string; header: string } {
  const out: Record<string, string> = {};
  for (const [name, template] of Object.entries(headers)) {
    let missing: string | undefined;
    out[name] = template.replace(ENV_REFERENCE, (_match, variable: string) => {
      const value = env[variable];
      if (value === undefined || value === "") missing ??= variable;
      return value ?? "";
    });
    if (missing) return { missing, header: name };
  }
  return { headers: out };
}

/**
 * Parses AI_GATEWAY_METADATA_HEADERS: comma-separated `key=header-name` pairs, e.g.
 * `user=x-end-user,costCenter=x-cost-center`. Returns metadata key -> lower-case header name.
 */
export function parseMetadataHeaderMap(text: string, where = "AI_GATEWAY_METADATA_HEADERS"): Record<string, string> {
  const out: Record<string, string> = {};
  const headers = new Set<string>();
  for (const entry of text.split(",").map((e) => e.trim()).filter((e) => e !== "")) {
    const eq = entry.indexOf("=");
    const key = eq < 0 ? entry : entry.slice(0, eq).trim();
    const header = eq < 0 ? "" : entry.slice(eq + 1).trim();
    if (!METADATA_KEY.test(key) || header === "") {
      throw new HeaderRuleError(`${at(where)}each entry must be key=header-name with a key of letters, digits, '_', '.' or '-' (e.g. user=x-end-user), not ${shown(entry)}.`);
    }
    if (key in out) throw new HeaderRuleError(`${at(where)}the key ${shown(key)} is mapped twice.`, key);
    const lower = checkHeaderName(header, where);
    if (headers.has(lower)) throw new HeaderRuleError(`${at(where)}the header ${lower} is the target of two keys.`, header);
    headers.add(lower);
    out[key] = lower;
  }
  return out;
}

/**
 * Headers of a run from the HTTP API's `metadata` object, through `mapping` (from
 * AI_GATEWAY_METADATA_HEADERS). A key without a mapping is refused rather than dropped, so a
 * typo in a chargeback field is noticed instead of silently going unbilled.
 */
export function metadataToHeaders(metadata: Readonly<Record<string, unknown>>, mapping: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  const known = Object.keys(mapping);
  for (const [key, value] of Object.entries(metadata)) {
    const header = Object.hasOwn(mapping, key) ? mapping[key] : undefined;
    if (header === undefined) {
      throw new HeaderRuleError(
        known.length > 0
          ? `metadata.${key.slice(0, 64)} is not mapped to a header; AI_GATEWAY_METADATA_HEADERS maps ${known.join(", ")}.`
          : `metadata.${key.slice(0, 64)} is not mapped to a header: AI_GATEWAY_METADATA_HEADERS is not set, so the server takes no metadata.`,
        key,
      );
    }
    out[header] = checkHeaderValue(header, value, `metadata.${key}`, RUN_HEADER_LIMITS);
  }
  return out;
}

/** Parses one `--header name=value` argument of the CLI. */
export function parseHeaderArgument(text: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new HeaderRuleError(`--header must look like name=value, e.g. x-end-user=alice.`);
  const name = text.slice(0, eq).trim();
  const lower = checkHeaderName(name, "--header");
  return [lower, checkHeaderValue(name, text.slice(eq + 1), "--header", RUN_HEADER_LIMITS)];
}
