/**
 * Splits a request into the separate tasks it lists, so the simulated model can plan one
 * subtask per part. Hand-written scanning, no regex: hostile inputs (200 kB of "1." or ";")
 * must stay linear-time, and the project benchmarks them.
 */
import { textWords } from "./text.js";

/** Most parts `taskParts` returns: a plan longer than this is not worth simulating. */
export const MAX_TASK_PARTS = 8;

// Longest first, so ", and then " is not cut at ", and " (which would leave "then" behind).
const CONNECTORS = [", and then ", ", and also ", " and then ", " and also ", ", then ", ", and "];
// A connector split must leave real clauses: "salt, pepper, and oil" is one task, not three.
const MIN_CONNECTOR_PART_WORDS = 3;

/**
 * The tasks a text lists, in order: list-marker lines first, else `;`-separated parts, else
 * parts joined by connectors such as ", then ". Empty parts are dropped, at most
 * MAX_TASK_PARTS are kept, and a text that lists nothing gives one part (itself, trimmed).
 */
export function taskParts(text: string): string[] {
  for (const split of [listItems(text), semicolonParts(text), connectorParts(text)]) {
    if (split.length >= 2) return split.slice(0, MAX_TASK_PARTS);
  }
  const whole = text.trim();
  return whole.length > 0 ? [whole] : [];
}

/**
 * Text after a list marker (`1.`, `1)`, `-`, `*`, `•`) at the start of a line, or undefined
 * when the line has none. The marker must be followed by whitespace, so "1.5" and "-3" stay text.
 */
export function stripListMarker(line: string): string | undefined {
  const s = line.trimStart();
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i > 0) {
    if (s[i] !== "." && s[i] !== ")") return undefined;
    i++;
  } else if (s[0] === "-" || s[0] === "*" || s[0] === "•") {
    i = 1;
  } else {
    return undefined;
  }
  if (i < s.length && !isSpace(s[i])) return undefined;
  return s.slice(i).trim();
}

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\r" || c === "\n" || c === "\u00a0";
}

/** Marker lines; following unmarked lines continue the item until a blank line ends it (a preamble is dropped). */
function listItems(text: string): string[] {
  const items: string[] = [];
  let current: string | undefined;
  const flush = () => {
    if (current !== undefined && current.length > 0) items.push(current);
    current = undefined;
  };
  for (const line of text.split("\n")) {
    const item = stripListMarker(line);
    if (item !== undefined) {
      flush();
      current = item;
      continue;
    }
    const rest = line.trim();
    if (rest.length === 0) flush();
    else if (current !== undefined) current = current.length > 0 ? `${current} ${rest}` : rest;
  }
  flush();
  return items;
}

function semicolonParts(text: string): string[] {
  return text
    .split(";")
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

function connectorParts(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const connector = c === "," || c === " " ? CONNECTORS.find((k) => text.slice(i, i + k.length).toLowerCase() === k) : undefined;
    if (connector === undefined) {
      i++;
      continue;
    }
    parts.push(text.slice(start, i));
    i += connector.length;
    start = i;
  }
  parts.push(text.slice(start));
  const kept = parts.map((p) => p.trim()).filter((p) => p.length > 0);
  return kept.every((p) => textWords(p).length >= MIN_CONNECTOR_PART_WORDS) ? kept : [];
}
