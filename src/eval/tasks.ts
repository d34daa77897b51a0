/**
 * The eval's task file: JSON Lines, one task and its check per line. Parsing is strict and every
 * problem is reported with the line number, because a typo in a check would otherwise show up
 * only as a silently failing (or passing) task.
 */
import { readFile, stat } from "node:fs/promises";
import { z } from "zod";
import { AIGatewayAgentsError } from "../errors.js";

/** Longest accepted line, in bytes: a task is a prompt, not a document. */
export const MAX_LINE_BYTES = 64 * 1024;
/** Largest accepted task file, in bytes (checked before it is read). */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
/** Most tasks one file may hold: each runs five times, so more would be hours of gateway calls. */
export const MAX_TASKS = 1000;
/** Longest accepted `regex`, like routing-rule patterns: bounds the cost of compiling and matching it. */
export const MAX_REGEX_LENGTH = 500;

/** The kinds of check a task line may carry; exactly one per task. */
export const CHECK_KINDS = ["expected", "regex", "containsAll", "judge"] as const;

/** One kind of check. */
export type CheckKind = (typeof CHECK_KINDS)[number];

/** How an answer is judged. */
export type Check =
  | { kind: "expected"; value: string }
  | { kind: "regex"; pattern: string }
  | { kind: "containsAll"; values: string[] }
  | { kind: "judge"; criteria?: string };

/** One task of the eval, as read from its line. */
export interface EvalTask {
  /** `id` from the line, or `line-<n>`. */
  id: string;
  /** 1-based line number in the file. */
  line: number;
  task: string;
  category?: string;
  check: Check;
}

/** A task file that cannot be used; the message names the file, the line and the fix. */
export class EvalInputError extends AIGatewayAgentsError {
  override readonly name = "EvalInputError";
  constructor(
    message: string,
    /** 1-based line the problem is on, when it is on one. */
    readonly line?: number,
  ) {
    super(message, { code: "invalid_eval_tasks" });
  }
}

const OTHER_FIELDS = ["id", "task", "category", "criteria"] as const;

const text = (what: string, max: number) =>
  z
    .string({ error: `${what} must be text` })
    .trim()
    .min(1, { error: `${what} must not be empty` })
    .max(max, { error: `${what} must be at most ${max} characters` });

const lineSchema = z.object({
  id: text("id", 100).optional(),
  task: text("task", 32_000),
  category: text("category", 100).optional(),
  expected: text("expected", 2_000).optional(),
  // Not trimmed: spaces at either end of a pattern are part of it.
  regex: z
    .string({ error: "regex must be text" })
    .min(1, { error: "regex must not be empty" })
    .max(MAX_REGEX_LENGTH, { error: `regex must be at most ${MAX_REGEX_LENGTH} characters` })
    .optional(),
  containsAll: z
    .array(text("each containsAll entry", 2_000), { error: "containsAll must be a list of texts" })
    .min(1, { error: "containsAll must list at least one text" })
    .max(100, { error: "containsAll must list at most 100 texts" })
    .optional(),
  judge: z.literal(true, { error: "judge must be true (or left out)" }).optional(),
  criteria: text("criteria", 4_000).optional(),
});

/** The check of a parsed line, or the reason there is not exactly one valid check. */
function checkOf(data: z.infer<typeof lineSchema>): Check | string {
  const given = CHECK_KINDS.filter((k) => data[k] !== undefined);
  if (given.length === 0) return `no check: give one of ${CHECK_KINDS.join(", ")} (judge: true)`;
  if (given.length > 1) return `more than one check (${given.join(", ")}): give exactly one`;
  if (data.criteria !== undefined && given[0] !== "judge") return "criteria only goes with judge: true";
  switch (given[0]) {
    case "expected":
      return { kind: "expected", value: data.expected! };
    case "regex":
      try {
        new RegExp(data.regex!, "i");
      } catch (err) {
        return `regex is not a valid regular expression (${(err as Error).message})`;
      }
      return { kind: "regex", pattern: data.regex! };
    case "containsAll":
      return { kind: "containsAll", values: data.containsAll! };
    case "judge":
      return { kind: "judge", ...(data.criteria !== undefined ? { criteria: data.criteria } : {}) };
  }
}

/** Parses one non-blank line into a task, or throws EvalInputError naming `line`. */
function parseLine(raw: string, line: number, where: string): EvalTask {
  const fail = (problem: string) => new EvalInputError(`${where}:${line}: ${problem}`, line);
  const bytes = Buffer.byteLength(raw, "utf8");
  if (bytes > MAX_LINE_BYTES) throw fail(`line is ${bytes} bytes, more than the ${MAX_LINE_BYTES} allowed`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw fail(`not valid JSON (${(err as Error).message})`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw fail('must be a JSON object such as {"task": "...", "expected": "..."}');
  const known: readonly string[] = [...CHECK_KINDS, ...OTHER_FIELDS];
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw fail(`unknown check kind or field ${unknown.map((k) => JSON.stringify(k)).join(", ")}: a check is one of ${CHECK_KINDS.join(", ")}; other fields are ${OTHER_FIELDS.join(", ")}`);
  }
  const parsed = lineSchema.safeParse(value);
  if (!parsed.success) throw fail(parsed.error.issues.map((i) => i.message).join("; "));
  const check = checkOf(parsed.data);
  if (typeof check === "string") throw fail(check);
  const { id, task, category } = parsed.data;
  return { id: id ?? `line-${line}`, line, task, ...(category !== undefined ? { category } : {}), check };
}

/**
 * Parses a task file's text. Blank lines are skipped; anything else must be a task. `where` names
 * the file in messages. Throws EvalInputError for the first bad line, a repeated id, or no tasks.
 */
export function parseTasks(source: string, where = "tasks"): EvalTask[] {
  const tasks: EvalTask[] = [];
  const seen = new Map<string, number>();
  const lines = source.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    const task = parseLine(lines[i], i + 1, where);
    const first = seen.get(task.id);
    if (first !== undefined) throw new EvalInputError(`${where}:${task.line}: id ${JSON.stringify(task.id)} is already used on line ${first}; ids must be unique`, task.line);
    seen.set(task.id, task.line);
    tasks.push(task);
    if (tasks.length > MAX_TASKS) throw new EvalInputError(`${where}:${task.line}: more than ${MAX_TASKS} tasks; split the file`, task.line);
  }
  if (tasks.length === 0) throw new EvalInputError(`${where} has no tasks: write one JSON object per line, e.g. {"task": "What is 2 + 2?", "expected": "4"}`);
  return tasks;
}

/** Reads and parses a task file; a missing, unreadable or oversized file is an EvalInputError too. */
export async function readTasks(path: string): Promise<EvalTask[]> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new EvalInputError(`${path} is not a file; pass a .jsonl task file`);
    size = info.size;
  } catch (err) {
    if (err instanceof EvalInputError) throw err;
    throw new EvalInputError(`cannot read the task file ${path} (${(err as NodeJS.ErrnoException).code ?? "error"}); check the path`);
  }
  if (size > MAX_FILE_BYTES) throw new EvalInputError(`${path} is ${size} bytes, more than the ${MAX_FILE_BYTES} allowed; split the file`);
  return parseTasks(await readFile(path, "utf8"), path);
}
