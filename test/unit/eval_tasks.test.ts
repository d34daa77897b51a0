import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { checkAnswer, matchesExpected, missingTexts, numbersIn, type Judge } from "../../src/eval/checks.js";
import { EvalInputError, MAX_FILE_BYTES, MAX_LINE_BYTES, parseTasks, readTasks } from "../../src/eval/tasks.js";

const dir = mkdtempSync(join(tmpdir(), "eval-tasks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The EvalInputError that parsing `source` throws. */
function parseError(source: string): EvalInputError {
  try {
    parseTasks(source, "t.jsonl");
  } catch (err) {
    expect(err).toBeInstanceOf(EvalInputError);
    return err as EvalInputError;
  }
  throw new Error("parseTasks accepted the input");
}

describe("eval task file", () => {
  it("reads every kind of check, skips blank lines and numbers lines from 1", () => {
    const tasks = parseTasks(
      [
        '{"id": "a", "task": "2 + 2?", "expected": "4", "category": "arithmetic"}',
        "",
        '{"task": "Weekday?", "regex": "\\\\bsaturday\\\\b"}',
        '{"task": "Blurb", "containsAll": ["cold", "24 hours"]}',
        '{"task": "Haiku", "judge": true, "criteria": "three lines"}',
      ].join("\n"),
    );
    expect(tasks.map((t) => [t.id, t.line, t.check.kind])).toEqual([
      ["a", 1, "expected"],
      ["line-3", 3, "regex"],
      ["line-4", 4, "containsAll"],
      ["line-5", 5, "judge"],
    ]);
    expect(tasks[0].category).toBe("arithmetic");
    expect(tasks[3].check).toEqual({ kind: "judge", criteria: "three lines" });
  });

  it("names the line and the problem of a malformed line", () => {
    const err = parseError('{"task": "ok", "expected": "1"}\n{"task": "broken", \n');
    expect(err.line).toBe(2);
    expect(err.message).toMatch(/^t\.jsonl:2: not valid JSON/);
    expect(parseError('["task"]').message).toMatch(/^t\.jsonl:1: must be a JSON object/);
  });

  it("refuses an unknown check kind, a missing or doubled check, and a bad regex", () => {
    expect(parseError('{"task": "x", "contains": ["a"]}').message).toMatch(/^t\.jsonl:1: unknown check kind or field "contains": a check is one of expected, regex, containsAll, judge/);
    expect(parseError('{"task": "x"}').message).toMatch(/:1: no check: give one of expected, regex, containsAll, judge/);
    expect(parseError('{"task": "x", "expected": "1", "regex": "1"}').message).toMatch(/:1: more than one check \(expected, regex\)/);
    expect(parseError('{"task": "x", "regex": "(unclosed"}').message).toMatch(/:1: regex is not a valid regular expression/);
    expect(parseError('{"task": "x", "judge": false}').message).toMatch(/:1: judge must be true/);
    expect(parseError('{"task": "x", "expected": "1", "criteria": "c"}').message).toMatch(/criteria only goes with judge/);
    expect(parseError('{"task": "", "expected": "1"}').message).toMatch(/task must not be empty/);
    expect(parseError('{"task": "x", "containsAll": []}').message).toMatch(/containsAll must list at least one text/);
  });

  it("refuses an empty file, a repeated id and an oversize line", () => {
    expect(parseError("\n  \n").message).toMatch(/^t\.jsonl has no tasks/);
    const dup = parseError('{"id": "a", "task": "x", "expected": "1"}\n{"id": "a", "task": "y", "expected": "2"}');
    expect(dup.message).toBe('t.jsonl:2: id "a" is already used on line 1; ids must be unique');
    const big = JSON.stringify({ task: "x".repeat(MAX_LINE_BYTES), expected: "1" });
    const err = parseError(`{"task": "x", "expected": "1"}\n${big}`);
    expect(err.line).toBe(2);
    expect(err.message).toMatch(new RegExp(`:2: line is ${Buffer.byteLength(big)} bytes, more than the ${MAX_LINE_BYTES} allowed`));
  });

  it("reads a file, and says so when it is missing or too large", async () => {
    const ok = join(dir, "ok.jsonl");
    writeFileSync(ok, '{"task": "2 + 2?", "expected": "4"}\n');
    expect((await readTasks(ok)).map((t) => t.task)).toEqual(["2 + 2?"]);
    await expect(readTasks(join(dir, "nope.jsonl"))).rejects.toThrow(/cannot read the task file .*nope\.jsonl \(ENOENT\)/);
    const huge = join(dir, "huge.jsonl");
    writeFileSync(huge, Buffer.alloc(MAX_FILE_BYTES + 1, 0x20));
    await expect(readTasks(huge)).rejects.toThrow(new RegExp(`${MAX_FILE_BYTES + 1} bytes, more than the ${MAX_FILE_BYTES} allowed`));
  });
});

describe("eval checks", () => {
  it("finds numbers with thousands separators, signs and decimals, not parts of dates or words", () => {
    expect(numbersIn("12.5% of 3,480 is 435.")).toEqual([12.5, 3480, 435]);
    expect(numbersIn("It is -7 and x2 but 2025-04-15")).toEqual([-7, 2025, 4, 15]);
  });

  it("expected: a number must be the answer's last number; a text a whole phrase", () => {
    expect(matchesExpected("17 * 23 = 391, plus 9 gives 400.", "400")).toBe(true);
    expect(matchesExpected("It is 400, not 391.", "400")).toBe(false);
    expect(matchesExpected("You save $0.2 per pen", "0.20")).toBe(true);
    expect(matchesExpected("The total is 3480", "3,480")).toBe(true);
    expect(matchesExpected("No numbers here", "4")).toBe(false);
    expect(matchesExpected("The date is 2025-04-15.", "2025-04-15")).toBe(true);
    expect(matchesExpected("Paris.", "paris")).toBe(true);
    expect(matchesExpected("It is in  New   York", "new york")).toBe(true);
    expect(matchesExpected("Parisian food", "Paris")).toBe(false);
  });

  it("containsAll lists what is missing; regex is case-insensitive", async () => {
    expect(missingTexts("Keeps drinks COLD for 24  hours", ["cold", "24 hours", "bottle"])).toEqual(["bottle"]);
    const task = (check: object) => ({ id: "t", line: 1, task: "q", check }) as Parameters<typeof checkAnswer>[0];
    expect(await checkAnswer(task({ kind: "regex", pattern: "\\bsaturday\\b" }), "It was a Saturday.")).toMatchObject({ pass: true });
    expect(await checkAnswer(task({ kind: "regex", pattern: "^no\\b" }), "Yes, no doubt")).toMatchObject({ pass: false });
    expect(await checkAnswer(task({ kind: "containsAll", values: ["a b", "zz"] }), "A  B")).toEqual({ pass: false, detail: 'missing "zz"' });
  });

  it("judge: asks the judge with the task, criteria and answer, and keeps its verdict", async () => {
    const judge = vi.fn<Judge>(async ({ answer }) => ({ pass: answer.includes("rain"), detail: "judge: looked" }));
    const task = { id: "h", line: 1, task: "Write a haiku", check: { kind: "judge" as const, criteria: "about rain" } };
    expect(await checkAnswer(task, "soft rain on the roof", judge)).toEqual({ pass: true, detail: "judge: looked" });
    expect(await checkAnswer(task, "sunny", judge)).toMatchObject({ pass: false });
    expect(judge).toHaveBeenCalledWith({ task: "Write a haiku", criteria: "about rain", answer: "soft rain on the roof" });
    await expect(checkAnswer(task, "x")).rejects.toThrow(/needs the judge/);
  });
});
