/**
 * `http_get` tool: fetches one URL from an allowlist of hosts. Off by default. https only
 * (plain http only to loopback, and only when allowed), no redirects followed, a byte limit on
 * the body and one deadline for the whole request. Every failure comes back as text.
 */
import { isIP } from "node:net";
import { createGuardedAgent, isLoopbackHost, type GuardedAgentOptions, type LookupFn } from "../../src/net/index.js";
import { request } from "undici";
import { tool } from "langchain";
import { z } from "zod";
import { markBuiltin } from "./source.js";

/** Settings of the http_get tool (HTTP_GET_* variables). */
export interface HttpGetSettings {
  /** Hosts that may be fetched: exact names, or `*.example.com` for any subdomain of example.com. */
  allowedHosts: readonly string[];
  /** Allow plain http, to loopback hosts only. */
  allowHttpLoopback: boolean;
  /** Most body bytes read; the rest is cut off. */
  maxBytes: number;
  /** Deadline for the whole request, body included. */
  timeoutMs: number;
}

/** How http_get's connect-time guard resolves and connects (default the system's; tests intercept both). */
export interface HttpGetGuardOptions {
  lookup?: LookupFn;
  connector?: GuardedAgentOptions["connector"];
}

/** Defaults matching the schema's: nothing allowed, 100 KB, 5 s. */
export const DEFAULT_HTTP_GET_SETTINGS: HttpGetSettings = {
  allowedHosts: [],
  allowHttpLoopback: false,
  maxBytes: 102_400,
  timeoutMs: 5_000,
};

export { isLoopbackHost };

/** Host of a URL without IPv6 brackets, lower case. */
function bareHost(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
}

/** Whether `host` matches an allowlist entry: the exact name, or a subdomain for `*.domain` entries. */
export function isHostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  const h = host.toLowerCase();
  return allowedHosts.some((raw) => {
    const entry = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
    // Wildcards cover subdomains of a name, never IP addresses ("*.0.0.1" must not allow 127.0.0.1).
    if (entry.startsWith("*.")) return isIP(h) === 0 && h.endsWith(entry.slice(1)) && h.length > entry.length - 1;
    return h === entry;
  });
}

/** Checks a URL against the policy; returns the parsed URL or an error string. No network. */
export function checkUrl(raw: string, settings: HttpGetSettings): URL | string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return `Error: "${raw.slice(0, 200)}" is not a valid absolute URL (e.g. https://example.com/page).`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return `Error: only https URLs are supported, not ${url.protocol}`;
  }
  if (url.username || url.password) return "Error: URLs with credentials (user:password@host) are not allowed.";
  const host = bareHost(url);
  if (!isHostAllowed(host, settings.allowedHosts)) {
    return settings.allowedHosts.length === 0
      ? `Error: host ${host} is not allowed: no hosts are allowlisted (HTTP_GET_ALLOWED_HOSTS is empty).`
      : `Error: host ${host} is not allowed. Allowed hosts: ${settings.allowedHosts.join(", ")}.`;
  }
  if (url.protocol === "http:" && !(settings.allowHttpLoopback && isLoopbackHost(host))) {
    return `Error: plain http is not allowed for ${host}; use https.`;
  }
  return url;
}

/** Content types whose body is shown as text. */
function isTextual(contentType: string): boolean {
  const ct = contentType.toLowerCase();
  return ct === "" || ct.startsWith("text/") || /json|xml|javascript|ecmascript|x-www-form-urlencoded|csv|yaml/.test(ct);
}

/**
 * Fetches `raw` if the policy allows it and returns status, content type and text body,
 * or a message starting with "Error:". Never throws.
 */
export async function httpGet(raw: string, settings: HttpGetSettings, guard: HttpGetGuardOptions = {}): Promise<string> {
  const checked = checkUrl(raw, settings);
  if (typeof checked === "string") return checked;
  const url = checked;
  // The allowlist names hosts; the guard checks what they resolve to, at connect time: a listed
  // name pointed at a private, link-local or metadata address is refused before any socket.
  let blocked: string | undefined;
  const dispatcher = createGuardedAgent(
    { allowInsecureLoopback: settings.allowHttpLoopback, lookup: guard.lookup },
    { connectTimeoutMs: settings.timeoutMs, connector: guard.connector, onBlocked: (_host, reason) => (blocked = reason) },
  );
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, settings.timeoutMs);
  try {
    const res = await request(url, {
      method: "GET",
      signal: controller.signal,
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
      headers: { accept: "text/*, application/json;q=0.9, */*;q=0.5", "user-agent": "ai-gateway-agents/http_get" },
      dispatcher,
    });
    // Destroying an unread undici body emits an AbortError; without a listener it would crash the process.
    res.body.on("error", () => undefined);
    const contentType = String(res.headers["content-type"] ?? "");
    const status = `status: ${res.statusCode}`;
    if (res.statusCode >= 300 && res.statusCode < 400) {
      res.body.destroy();
      const location = res.headers.location;
      return [status, `redirect not followed: the server points to ${location ? String(location) : "(no Location header)"}`, "Call http_get again with that URL if its host is allowed."].join("\n");
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      if (chunk.length === 0) continue;
      const room = settings.maxBytes - size;
      // A full buffer plus one more byte means the body was longer than the limit.
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        size += room;
        truncated = true;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
    res.body.destroy();
    const body = Buffer.concat(chunks);
    const lines = [status, `content-type: ${contentType || "(none)"}`];
    if (!isTextual(contentType)) {
      lines.push(`body: binary content not shown (${body.length}${truncated ? "+" : ""} bytes)`);
      return lines.join("\n");
    }
    // stream: true drops a multi-byte character cut in half by the limit instead of garbling it.
    const text = new TextDecoder("utf-8").decode(body, { stream: truncated });
    if (truncated) lines.push(`truncated: yes, only the first ${settings.maxBytes} bytes are shown`);
    lines.push("", text);
    return lines.join("\n");
  } catch (err) {
    const e = err as Error & { code?: string };
    if (blocked) return `Error: request to ${url.host} refused: the host resolves to ${blocked}.`;
    if (timedOut || e.code === "UND_ERR_HEADERS_TIMEOUT" || e.code === "UND_ERR_BODY_TIMEOUT") {
      return `Error: request to ${url.host} timed out after ${settings.timeoutMs} ms.`;
    }
    return `Error: request to ${url.host} failed: ${e.code ? `${e.code} ` : ""}${e.message}`;
  } finally {
    clearTimeout(timer);
    void dispatcher.close().catch(() => undefined);
  }
}

/** Builds the `http_get` tool with `settings` (merged over the defaults). */
export function createHttpGetTool(settings: Partial<HttpGetSettings> = {}) {
  const effective: HttpGetSettings = { ...DEFAULT_HTTP_GET_SETTINGS, ...settings };
  const hosts = effective.allowedHosts.length > 0 ? effective.allowedHosts.join(", ") : "none configured";
  return markBuiltin(
    tool(({ url }) => httpGet(url, effective), {
      name: "http_get",
      description:
        `Fetches a web page or API response with an HTTP GET and returns its status, content type and text body ` +
        `(at most ${effective.maxBytes} bytes). Only these hosts are allowed: ${hosts}. Redirects are reported, not followed.`,
      schema: z.object({ url: z.string().describe("Absolute https URL to fetch, e.g. https://api.example.com/status") }),
    }),
  );
}
