/**
 * Quoting a server's own error text in our messages. The text is scrubbed of secrets and
 * shortened, but the ids a vendor's support desk asks for (Entra's Trace ID, Correlation ID and
 * Timestamp, a request id) are lifted out first and kept whole: a shortened id is useless, and
 * Entra puts them at the end of a long multi-line description, exactly where a cut falls.
 */
import { scrubText } from "../logging/redact.js";

// "Trace ID: <id>", "correlation_id=<id>", "Request-Id: <id>": the label, then one word of id characters.
const LABELLED_ID = /\b(trace[ _-]?id|correlation[ _-]?id|request[ _-]?id)\s*[:=]\s*([A-Za-z0-9][A-Za-z0-9._-]{0,127})/gi;
// Entra's "Timestamp: 2024-11-13 12:00:00Z", which its support needs together with the ids.
const TIMESTAMP = /\bTimestamp:\s*(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?)/i;

/**
 * `text` scrubbed, on one line, cut to about `max` characters, with any labelled ids and the
 * timestamp moved whole to its end ("… Trace ID: x, Correlation ID: y, Timestamp: z").
 */
export function quoteUpstream(text: string, max: number): string {
  const kept: string[] = [];
  let rest = scrubText(text).replace(LABELLED_ID, (_match, label: string, id: string) => {
    kept.push(`${label}: ${id}`);
    return " ";
  });
  rest = rest.replace(TIMESTAMP, (_match, when: string) => {
    kept.push(`Timestamp: ${when}`);
    return " ";
  });
  rest = rest.replace(/\s+/g, " ").trim();
  if (rest.length > max) rest = `${rest.slice(0, max).trimEnd()}…`;
  if (kept.length === 0) return rest;
  return `${rest}${rest ? " " : ""}${kept.slice(0, 4).join(", ")}`;
}
