/**
 * Whether an answer passes its task's check. The text checks are pure; `judge` checks call the
 * Judge they are given (the premium tier, see judge.ts), so they are tested with a stand-in.
 */
import type { Check, EvalTask } from "./tasks.js";

/** The outcome of one check. */
export interface Verdict {
  pass: boolean;
  /** Why, in a few words (shown in the report). */
  detail: string;
}

/** What the LLM judge is asked about. */
export interface JudgeInput {
  task: string;
  criteria?: string;
  answer: string;
}

/** Grades an answer with a model; throws when it cannot. */
export type Judge = (input: JudgeInput) => Promise<Verdict>;

// A number not glued to a word: "3,480", "12.5", "-7"; the minus counts only when it does not join two words or digits ("2025-04-15").
const NUMBER = /(?:(?<![\p{L}\p{N}_.-])-)?(?<![\p{L}\p{N}_.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?/gu;
const WHOLE_NUMBER = /^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$/;

/** The numbers written in `text`, in order (thousands separators dropped). */
export function numbersIn(text: string): number[] {
  return [...text.matchAll(NUMBER)].map((m) => Number(m[0].replace(/,/g, "")));
}

const sameNumber = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

/** Lower case, compatibility forms folded, runs of white space as one space. */
const normalise = (s: string) => s.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The `expected` rule. A number passes when it is the last number of the answer (models tend
 * to end with the result, and earlier numbers are often working); a text passes when the answer
 * is that text or holds it as a whole phrase. Case and spacing never matter.
 */
export function matchesExpected(answer: string, expected: string): boolean {
  const want = expected.trim();
  if (WHOLE_NUMBER.test(want)) {
    const last = numbersIn(answer).at(-1);
    return last !== undefined && sameNumber(last, Number(want.replace(/,/g, "")));
  }
  const a = normalise(answer);
  const e = normalise(want);
  if (a.replace(/[.!?]+$/, "") === e.replace(/[.!?]+$/, "")) return true;
  const phrase = e.split(" ").map(escapeRegExp).join("\\s+");
  return new RegExp(`(?<![\\p{L}\\p{N}])${phrase}(?![\\p{L}\\p{N}])`, "iu").test(a);
}

/** The texts of `values` that `answer` lacks (case and spacing ignored). */
export function missingTexts(answer: string, values: readonly string[]): string[] {
  const a = normalise(answer);
  return values.filter((v) => !a.includes(normalise(v)));
}

/** Short text of a check for tables: `expected "435"`, `regex /…/`, `judge`. */
export function describeCheck(check: Check): string {
  switch (check.kind) {
    case "expected":
      return `expected ${JSON.stringify(check.value)}`;
    case "regex":
      return `regex /${check.pattern}/i`;
    case "containsAll":
      return `containsAll ${check.values.length}`;
    case "judge":
      return "judge";
  }
}

/** Checks `answer` against `task`'s check; a judge check needs `judge`. */
export async function checkAnswer(task: EvalTask, answer: string, judge?: Judge): Promise<Verdict> {
  const check = task.check;
  switch (check.kind) {
    case "expected":
      return matchesExpected(answer, check.value)
        ? { pass: true, detail: `matches ${JSON.stringify(check.value)}` }
        : { pass: false, detail: `does not match ${JSON.stringify(check.value)}` };
    case "regex":
      return new RegExp(check.pattern, "i").test(answer) ? { pass: true, detail: "regex matches" } : { pass: false, detail: `no match for /${check.pattern}/i` };
    case "containsAll": {
      const missing = missingTexts(answer, check.values);
      return missing.length === 0 ? { pass: true, detail: `contains all ${check.values.length}` } : { pass: false, detail: `missing ${missing.map((m) => JSON.stringify(m)).join(", ")}` };
    }
    case "judge":
      if (!judge) throw new Error(`task ${task.id} needs the judge, and none was given`);
      return judge({ task: task.task, ...(check.criteria !== undefined ? { criteria: check.criteria } : {}), answer });
  }
}
