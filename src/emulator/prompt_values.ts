/**
 * Values a person typed into a prompt, for the simulated model's tool arguments: the numbers,
 * the quoted strings and the first URL, each in the order they appear ("add 1 and 2" gives
 * a = 1, b = 2). Hand-written single-pass scanners, no regex: prompts of 20,000 characters
 * must stay linear, and the hostile-input bench runs them through the default server.
 */
import { textWords } from "./text.js";

/** The prompt's values, handed out in order as a tool's parameters are filled. */
export interface PromptValues {
  /** The next number of the prompt, or undefined when all were used. */
  nextNumber(): number | undefined;
  /** The next quoted string of the prompt, or undefined when all were used. */
  nextQuoted(): string | undefined;
  /** The first http(s) URL of the prompt. */
  readonly url: string | undefined;
}

/** A cursor over the numbers, quoted strings and URL of `text`. */
export function promptValues(text: string): PromptValues {
  const numbers = promptNumbers(text);
  const quoted = quotedStrings(text);
  let n = 0;
  let q = 0;
  return {
    nextNumber: () => numbers[n++],
    nextQuoted: () => quoted[q++],
    url: firstUrl(text),
  };
}

const isDigit = (c: number) => c >= 48 && c <= 57;
// Letters, digits and "_" (ASCII is enough: the question is only whether a digit is part of a word).
const isWordChar = (c: number) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/**
 * The numbers of a text, in order: an optional "-" (not a hyphen inside a word), digits with
 * optional "," thousands groups and an optional decimal part. Digits glued to a word ("t1",
 * "mp3") are not numbers, and a number too large for a double is skipped.
 */
export function promptNumbers(text: string): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < text.length) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    const prev = start > 0 ? text.charCodeAt(start - 1) : 0;
    let grouped = false;
    while (i < text.length) {
      if (isDigit(text.charCodeAt(i))) {
        i++;
      } else if (text[i] === "," && isThousandsGroup(text, i + 1)) {
        // "3,480": a comma before exactly three digits separates thousands, it does not end the number.
        grouped = true;
        i++;
      } else break;
    }
    if (text[i] === "." && isDigit(text.charCodeAt(i + 1))) {
      i++;
      while (i < text.length && isDigit(text.charCodeAt(i))) i++;
    }
    if (isWordChar(prev) || prev === 46) continue; // inside a word or after a "." ("v2", "1.2.3")
    const digits = grouped ? text.slice(start, i).replaceAll(",", "") : text.slice(start, i);
    const negative = prev === 45 && (start < 2 || !isWordChar(text.charCodeAt(start - 2)));
    const value = Number(negative ? `-${digits}` : digits);
    if (Number.isFinite(value)) out.push(value);
  }
  return out;
}

/** Whether exactly three digits start at `at` and no fourth follows. */
function isThousandsGroup(text: string, at: number): boolean {
  for (let k = 0; k < 3; k++) if (!isDigit(text.charCodeAt(at + k))) return false;
  return !isDigit(text.charCodeAt(at + 3));
}

// Opening quote -> closing quote. Single quotes are left out: they are apostrophes too ("what's").
const QUOTES: Record<string, string> = { '"': '"', "“": "”", "`": "`", "«": "»" };

/** The non-empty texts between matching quotes, in order; an unclosed quote ends the scan. */
export function quotedStrings(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const close = QUOTES[text[i]];
    if (close === undefined) {
      i++;
      continue;
    }
    const end = text.indexOf(close, i + 1);
    if (end < 0) break;
    const inner = text.slice(i + 1, end).trim();
    if (inner.length > 0) out.push(inner);
    i = end + 1;
  }
  return out;
}

const URL_END = new Set([" ", "\t", "\r", "\n", '"', "'", "`", "<", ">", "”", "»"]);
const URL_TRAILING = new Set([".", ",", ";", ":", "!", "?", ")", "]", "}"]);

/** The first http:// or https:// URL of a text, without the sentence punctuation after it. */
export function firstUrl(text: string): string | undefined {
  const lower = text.toLowerCase();
  for (let at = lower.indexOf("http"); at >= 0; at = lower.indexOf("http", at + 4)) {
    const scheme = lower.startsWith("https://", at) ? 8 : lower.startsWith("http://", at) ? 7 : 0;
    if (scheme === 0 || (at > 0 && isWordChar(text.charCodeAt(at - 1)))) continue;
    let end = at + scheme;
    while (end < text.length && !URL_END.has(text[end])) end++;
    while (end > at + scheme && URL_TRAILING.has(text[end - 1])) end--;
    if (end > at + scheme) return text.slice(at, end);
  }
  return undefined;
}

/** The first enum value, in the enum's order, that is a word of the prompt ("in fahrenheit" picks "fahrenheit"). */
export function enumWordInPrompt(values: readonly unknown[], userText: string): string | undefined {
  const words = new Set(textWords(userText));
  return values.find((v): v is string => typeof v === "string" && words.has(v.toLowerCase()));
}
