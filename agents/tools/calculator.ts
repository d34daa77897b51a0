/**
 * `calculator` tool: evaluates arithmetic with the mathjs expression parser, locked down as
 * the mathjs security guide recommends (no import, createUnit, evaluate, parse, simplify, ...),
 * so a model can do exact arithmetic without any code execution. mathjs is loaded at the first
 * calculation, not at startup: it is the heaviest module of a run.
 */
import type { MathJsInstance, MathNode } from "mathjs";
import { tool } from "langchain";
import { z } from "zod";
import { markBuiltin } from "./source.js";

/** Longest expression accepted, in characters (after trimming). */
export const MAX_EXPRESSION_LENGTH = 500;

/** Significant digits kept when a result is not an exact integer. */
const PRECISION = 12;

/** Functions the mathjs docs name as risky (they alter the instance or parse arbitrary input). */
const DISABLED_FUNCTIONS = [
  "import",
  "createUnit",
  "evaluate",
  "parse",
  "compile",
  "parser",
  "simplify",
  "simplifyConstant",
  "simplifyCore",
  "derivative",
  "rationalize",
  "resolve",
  "leafCount",
  "symbolicEqual",
  "reviver",
  "replacer",
  "config",
] as const;

interface LockedMath {
  math: MathJsInstance;
  /** The parser, kept before the public `parse` is replaced. */
  parse: MathJsInstance["parse"];
}

let locked: Promise<LockedMath> | undefined;

/** The locked-down mathjs instance, built once at the first calculation. */
function lockedMath(): Promise<LockedMath> {
  locked ??= import("mathjs").then(({ all, create }) => {
    const math = create(all);
    // Keep a private reference before the public names are replaced below.
    const parse = math.parse;
    math.import(
      Object.fromEntries(
        DISABLED_FUNCTIONS.map((name) => [
          name,
          () => {
            throw new Error(`function ${name} is disabled`);
          },
        ]),
      ),
      { override: true },
    );
    return { math, parse };
  });
  locked.catch(() => (locked = undefined));
  return locked;
}

const DISABLED = new Set<string>(DISABLED_FUNCTIONS);

/**
 * Functions an expression may call. An allowlist, because many other mathjs functions build
 * matrices (`zeros(1e9)`, `range(0, 1e9)`) and could exhaust memory from a 20-character input.
 */
const ALLOWED_FUNCTIONS = new Set([
  "abs", "ceil", "floor", "round", "fix", "sign", "sqrt", "cbrt", "exp", "expm1", "log", "log10", "log2", "log1p",
  "pow", "nthRoot", "mod", "gcd", "lcm", "max", "min", "sum", "mean", "median", "prod", "std", "variance", "hypot",
  "factorial", "gamma", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "sec", "csc", "cot",
]);

/** Names an expression may refer to besides function names. */
const ALLOWED_SYMBOLS = new Set(["pi", "e", "tau", "phi", "PI", "E", "LN2", "LN10", "LOG2E", "LOG10E", "SQRT1_2", "SQRT2", "Infinity", "NaN", "true", "false"]);

/** Node types that are plain arithmetic. Ranges (`1:1e9`), indexes, objects and arrays are not. */
const ALLOWED_NODES = new Set(["ConstantNode", "OperatorNode", "ParenthesisNode", "FunctionNode", "SymbolNode", "ConditionalNode", "RelationalNode"]);

const ALLOWED_HINT = "only numbers, operators, the constants pi and e, and functions such as sqrt, round, log, sin, min and max are allowed (no variables or units)";

/**
 * Rewrites what people and models commonly type into mathjs syntax:
 * thousands separators (`3,480`), `X% of Y`, `X%` as a percentage, `**`, and the × ÷ − signs.
 * `%` between two operands (`8 % 3`) is left to mathjs, which reads it as modulo.
 */
export function normaliseExpression(input: string): string {
  let s = input.trim();
  s = s.replace(/[×⋅]/g, "*").replace(/÷/g, "/").replace(/[−–]/g, "-").replace(/\*\*/g, "^");
  // 1,234,567.89 -> 1234567.89. A comma followed by a space stays an argument separator.
  s = s.replace(/(?<![\w.])\d{1,3}(?:,\d{3})+(?![\d,])/g, (m) => m.replace(/,/g, ""));
  // "12.5% of 3480" -> "(12.5 / 100) * 3480"
  s = s.replace(/(\d+(?:\.\d+)?|\.\d+)\s*%\s*of\b/gi, "($1 / 100) *");
  // "12.5%" not followed by an operand -> "(12.5 / 100)"
  s = s.replace(/(\d+(?:\.\d+)?|\.\d+)\s*%(?!\s*[\w.(])/g, "($1 / 100)");
  return s;
}

/** Checks the parsed tree: one plain arithmetic expression, no assignments, only allowed names. */
function rejectUnsafe(root: MathNode): string | undefined {
  let problem: string | undefined;
  root.traverse((node, path, parent) => {
    if (problem) return;
    if (node.type === "BlockNode") {
      problem = "only one expression is allowed (no ';' or line breaks)";
    } else if (node.type === "AssignmentNode" || node.type === "FunctionAssignmentNode") {
      problem = "assignments and function definitions are not allowed; write a single expression";
    } else if (!ALLOWED_NODES.has(node.type)) {
      problem = node.type === "ArrayNode" || node.type === "RangeNode"
        ? "matrices, lists and ranges are not supported; evaluate one number at a time"
        : `this syntax (${node.type}) is not supported; ${ALLOWED_HINT}`;
    } else if (node.type === "SymbolNode") {
      const name = (node as MathNode & { name: string }).name;
      const isCallee = parent?.type === "FunctionNode" && path === "fn";
      if (DISABLED.has(name)) problem = `function ${name} is disabled`;
      else if (isCallee ? !ALLOWED_FUNCTIONS.has(name) : !ALLOWED_SYMBOLS.has(name)) {
        problem = `${isCallee ? "function" : "name"} "${name}" is not available; ${ALLOWED_HINT}`;
      }
    } else if (node.type === "FunctionNode" && (node as MathNode & { fn: MathNode }).fn.type !== "SymbolNode") {
      problem = `this kind of function call is not supported; ${ALLOWED_HINT}`;
    }
  });
  return problem;
}

/** Formats a finite number: exact integers as they are, anything else to 12 significant digits. */
function formatNumber(math: MathJsInstance, value: number): string {
  if (Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER) return String(value);
  const text = math.format(value, { precision: PRECISION, lowerExp: -9, upperExp: 21 });
  return text === "-0" ? "0" : text;
}

/** Turns a mathjs result into a number string, or an error string for anything that is not one number. */
function describeResult(math: MathJsInstance, result: unknown): string {
  const type = math.typeOf(result);
  let value: number;
  switch (type) {
    case "number":
      value = result as number;
      break;
    case "BigNumber":
    case "Fraction":
      value = math.number(result as never) as number;
      break;
    case "boolean":
      return String(result);
    case "Complex":
      return `Error: the result is a complex number (${math.format(result, { precision: PRECISION })}); only real results are supported.`;
    case "Unit":
      return "Error: units are not supported; use plain numbers (e.g. convert 5 inch to cm yourself as 5 * 2.54).";
    case "Matrix":
    case "DenseMatrix":
    case "SparseMatrix":
    case "Array":
      return "Error: matrices and lists are not supported; evaluate one number at a time.";
    default:
      return `Error: the expression does not evaluate to a number (got ${type}).`;
  }
  if (Number.isNaN(value)) return "Error: the result is undefined (not a number), e.g. 0/0 or an invalid operation.";
  if (!Number.isFinite(value)) return "Error: the result is infinite: division by zero or a number too large.";
  return formatNumber(math, value);
}

/**
 * Evaluates `expression` and returns the result as a plain number string, or a message
 * starting with "Error:". Never rejects.
 */
export async function calculate(expression: string): Promise<string> {
  if (typeof expression !== "string" || expression.trim() === "") {
    return "Error: the expression is empty. Write arithmetic such as 12.5 / 100 * 3480.";
  }
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    return `Error: the expression is ${expression.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}. Split the calculation into smaller steps.`;
  }
  const normalised = normaliseExpression(expression);
  try {
    const { math, parse } = await lockedMath();
    const node = parse(normalised);
    const problem = rejectUnsafe(node);
    if (problem) return `Error: ${problem}.`;
    return describeResult(math, node.compile().evaluate({}));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return `Error: could not evaluate "${expression.trim().slice(0, 80)}": ${reason}. Write plain arithmetic such as 12.5 / 100 * 3480.`;
  }
}

/** Builds the `calculator` tool. */
export function createCalculatorTool() {
  return markBuiltin(
    tool(({ expression }) => calculate(expression), {
      name: "calculator",
      description:
        "Evaluates an arithmetic expression exactly and returns the number. Use it for every calculation " +
        "instead of doing math in your head. Examples: `12.5 / 100 * 3480`, `(3 + 4) * 2`, `2^10`, `sqrt(16)`, " +
        "`round(7 / 3, 2)`. `X% of Y` and `X%` (percent) are understood, and `3,480` is read as 3480 " +
        "(separate function arguments with a comma and a space).",
      schema: z.object({
        expression: z
          .string()
          .describe(`One arithmetic expression, at most ${MAX_EXPRESSION_LENGTH} characters, e.g. 12.5 / 100 * 3480`),
      }),
    }),
  );
}
