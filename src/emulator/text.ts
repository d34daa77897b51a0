/**
 * Pure text helpers of the simulated model: its toy tokenizer, message text extraction,
 * identifier splitting, word matching and arithmetic-expression extraction. No I/O, fully deterministic.
 */
import type { ChatCompletionMessageParam } from "../gateway/wire.js";

/**
 * Splits text into simulated tokens: a word plus its trailing whitespace. Leading whitespace
 * joins the first token so that `tokenize(t).join("") === t` always holds (streams must
 * reassemble into exactly the answer).
 */
export function tokenize(text: string): string[] {
  const tokens = text.match(/\S+\s*/g) ?? [];
  const leading = /^\s*/.exec(text)?.[0] ?? "";
  if (tokens.length === 0) return text.length > 0 ? [text] : [];
  if (leading.length > 0) tokens[0] = leading + tokens[0];
  return tokens;
}

/** Number of simulated tokens in a text (whitespace-only text counts as zero). */
export function countTokens(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

/** Plain text of a message's content, whatever its shape (string or array of parts). */
export function messageText(message: ChatCompletionMessageParam | { content?: unknown }): string {
  const content = (message as { content?: unknown }).content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === "string") parts.push(part);
    else if (part && typeof part === "object") {
      const p = part as { text?: unknown; refusal?: unknown };
      if (typeof p.text === "string") parts.push(p.text);
      else if (typeof p.refusal === "string") parts.push(p.refusal);
    }
  }
  return parts.join("\n");
}

/** Text of the last `user` message, or "" when there is none. */
export function lastUserText(messages: readonly ChatCompletionMessageParam[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === "user") return messageText(messages[i]);
  }
  return "";
}

/** Splits an identifier on `_`, `-`, spaces and camelCase into lower-case words. */
export function splitIdentifier(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

/** Lower-case words of a free text (letters and digits only), for tool matching. */
export function textWords(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
}

// Words too common to tell two descriptions apart (described choices would tie on them).
const STOP_WORDS = new Set([
  "about", "after", "also", "from", "have", "into", "only", "other", "over", "please", "some", "such", "than",
  "that", "their", "them", "then", "there", "these", "they", "this", "those", "what", "when", "where", "which",
  "while", "with", "would", "your",
]);

/** Distinct lower-case words (textWords) of 4+ letters minus stop words; a plural "s" is dropped so "facts" meets "fact". */
export function significantWords(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of textWords(text)) {
    if (word.length < 4 || STOP_WORDS.has(word)) continue;
    out.add(word.length > 4 && word.endsWith("s") ? word.slice(0, -1) : word);
  }
  return out;
}

/** First `maxWords` words of a text on one line, with "..." when something was cut. */
export function truncateWords(text: string, maxWords: number): string {
  const words = text.split(/\s+/).filter((w) => w.length > 0);
  if (words.length <= maxWords) return words.join(" ");
  return `${words.slice(0, maxWords).join(" ")} ...`;
}

/** 32-bit FNV-1a hash as 8 hex digits: cheap, stable ids for tool calls. */
export function fnv1aHex(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

// A number starts where a digit run starts: without the lookbehind the engine would also try
// every position inside a run, each attempt scanning to the run's end (20,000 digits took seconds).
const NUMBER = String.raw`(?<!\d)\d+(?:\.\d+)?`;
// A term is a number, optionally signed, optionally wrapped in parentheses. Whitespace and
// parenthesis runs are bounded: with open-ended runs side by side (a term's trailing spaces,
// then the operator's leading ones) a long run of spaces takes quadratic time to reject.
const TERM = String.raw`\({0,8}\s{0,8}-?${NUMBER}\s{0,8}\){0,8}`;
const EXPRESSION = new RegExp(String.raw`${TERM}(?:\s{0,8}(?:\*\*|[-+*/^])\s{0,8}${TERM})+`, "g");

/**
 * Extracts an arithmetic expression from natural language, or undefined when there is none.
 * Rewrites the forms people type ("12.5% of 3,480", "6 times 7", "×") into operators, because
 * a calculator tool downstream evaluates the result.
 */
export function extractExpression(text: string): string | undefined {
  let t = text
    .replace(/(\d),(?=\d{3}(?!\d))/g, "$1")
    .replace(/[×✕]/g, "*")
    .replace(/÷/g, "/")
    .replace(/−/g, "-");
  t = t.replace(new RegExp(String.raw`(${NUMBER})\s{0,8}(?:%|percent)\s{1,8}of\s{1,8}(${NUMBER})`, "gi"), "$1 / 100 * $2");
  t = t
    .replace(/(\d)\s+(?:times|multiplied by)\s+(?=[\d(-])/gi, "$1 * ")
    .replace(/(\d)\s+divided by\s+(?=[\d(-])/gi, "$1 / ")
    .replace(/(\d)\s+plus\s+(?=[\d(-])/gi, "$1 + ")
    .replace(/(\d)\s+minus\s+(?=[\d(-])/gi, "$1 - ");
  let best: string | undefined;
  for (const match of t.matchAll(EXPRESSION)) {
    const candidate = balanceParentheses(match[0].trim());
    if (best === undefined || candidate.length > best.length) best = candidate;
  }
  return best;
}

/** Drops unmatched leading "(" and trailing ")" that the greedy regex may have taken. */
function balanceParentheses(expr: string): string {
  let e = expr;
  const count = (s: string, c: string) => s.split(c).length - 1;
  while (e.startsWith("(") && count(e, "(") > count(e, ")")) e = e.slice(1).trimStart();
  while (e.endsWith(")") && count(e, ")") > count(e, "(")) e = e.slice(0, -1).trimEnd();
  return e;
}
