import { describe, expect, it } from "vitest";
import { calculate, createCalculatorTool, MAX_EXPRESSION_LENGTH, normaliseExpression } from "../../agents/tools/index.js";

const calculator = createCalculatorTool();
const run = async (expression: string): Promise<string> => String(await calculator.invoke({ expression }));

describe("calculator tool", () => {
  it("is a LangChain tool named calculator with an expression argument", () => {
    expect(calculator.name).toBe("calculator");
    expect(calculator.description).toMatch(/12\.5 \/ 100 \* 3480/);
  });

  it.each([
    ["12.5% of 3,480", "435"],
    ["12.5 / 100 * 3480", "435"],
    ["12.5% * 3480", "435"],
    ["2^10", "1024"],
    ["2**10", "1024"],
    ["sqrt(16)", "4"],
    ["2 + 3 * 4", "14"],
    ["(2 + 3) * 4", "20"],
    ["-2^2", "-4"],
    ["10 - 4 - 3", "3"],
    ["8 / 4 / 2", "1"],
    ["1,234,567 + 1", "1234568"],
    ["0.1 + 0.2", "0.3"],
    ["1 / 3", "0.333333333333"],
    ["round(7 / 3, 2)", "2.33"],
    ["max(1, 234)", "234"],
    ["8 % 3", "2"],
    ["50%", "0.5"],
    ["10!", "3628800"],
    ["10 ÷ 4 × 2 − 1", "4"],
    ["123456789012345", "123456789012345"],
    ["3 > 2", "true"],
  ])("%s = %s", async (expression, expected) => {
    expect(await run(expression)).toBe(expected);
  });

  it.each([
    ["1 / 0", /^Error: .*division by zero/],
    ["0 / 0", /^Error: .*not a number/],
    ['import({"x": 1}, {})', /^Error: function import is disabled/],
    ['createUnit("foo")', /^Error: function createUnit is disabled/],
    ['evaluate("1 + 1")', /^Error: function evaluate is disabled/],
    ['parse("1")', /^Error: function parse is disabled/],
    ['simplify("x + x")', /^Error: function simplify is disabled/],
    ['config({"number": "BigNumber"})', /^Error: function config is disabled/],
    ["a = 3", /^Error: assignments and function definitions are not allowed/],
    ["f(x) = x^2", /^Error: assignments and function definitions are not allowed/],
    ["1; 2", /^Error: only one expression/],
    ["zeros(1000000000)", /^Error: function "zeros" is not available/],
    ["1:1000000000", /^Error: matrices, lists and ranges are not supported/],
    ["[1, 2, 3]", /^Error: matrices, lists and ranges are not supported/],
    ["5 cm + 2 inch", /^Error: name "cm" is not available/],
    ["sqrt(-4)", /^Error: the result is a complex number/],
    ["hello world", /^Error: name "hello" is not available/],
    ["((", /^Error: could not evaluate "\(\(": .+12\.5 \/ 100 \* 3480/],
    ['"text"', /^Error: the expression does not evaluate to a number/],
    ["", /^Error: the expression is empty/],
    ["   ", /^Error: the expression is empty/],
  ])("%s -> error string", async (expression, message) => {
    await expect(run(expression)).resolves.toMatch(message);
  });

  it("refuses an expression over the length limit without evaluating it", async () => {
    const long = Array.from({ length: 200 }, () => "1").join("+"); // 399 characters: fine
    expect(await run(long)).toBe("200");
    const tooLong = "1+".repeat(MAX_EXPRESSION_LENGTH / 2) + "1";
    expect(await run(tooLong)).toMatch(new RegExp(`^Error: the expression is ${tooLong.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}`));
  });

  it("never rejects, whatever the input", async () => {
    for (const input of ["}{", "\u0000", "1e999999", "factorial(100000)", "typed", "this", "constructor", "__proto__", "Function"]) {
      await expect(calculate(input)).resolves.toMatch(/^Error: /);
    }
  });
});

describe("normaliseExpression", () => {
  it.each([
    ["12.5% of 3,480", "(12.5 / 100) * 3480"],
    ["3,480", "3480"],
    ["max(1, 234)", "max(1, 234)"],
    ["50% * 10", "(50 / 100) * 10"],
    ["8 % 3", "8 % 3"],
    ["2 ** 3", "2 ^ 3"],
  ])("%s -> %s", (input, expected) => {
    expect(normaliseExpression(input)).toBe(expected);
  });
});
