/**
 * Decides which offered tools the simulated model calls. The rules are crude on purpose
 * (word overlap with the tool's name and description, an arithmetic expression for a tool
 * with an `expression` parameter, or an order in a system message): tests and demos need
 * predictable, explainable choices.
 */
import type { ChatCompletionTool, ChatCompletionToolChoiceOption } from "../gateway/wire.js";
import { extractExpression, splitIdentifier, textWords } from "./text.js";

/** A function tool as the simulated model sees it. */
export interface FunctionToolSpec {
  name: string;
  description: string;
  parameters: unknown;
}

/** Inputs of tool selection, taken from the chat request. */
export interface ToolSelectionInput {
  tools?: readonly ChatCompletionTool[] | null;
  toolChoice?: ChatCompletionToolChoiceOption | null;
  parallelToolCalls?: boolean | null;
  userText: string;
  /** Text of the system and developer messages, read for orders such as "Always call lookup_order". */
  systemText?: string;
}

// Words too generic to say which tool the user means.
const STOP_WORDS = new Set([
  "get", "set", "list", "tool", "tools", "call", "run", "use", "make", "the", "and", "for", "with", "from", "into",
  "about", "above", "after", "again", "their", "there", "these", "those", "which", "while", "where", "would",
  "should", "could", "other", "given", "value", "values", "using", "return", "returns", "result", "results",
  "function", "useful", "input", "output", "string", "number", "object", "array", "specified", "provided",
  "current", "information", "answer", "question", "questions", "based",
]);

/** Function tools of a request (custom tools are ignored: the emulator cannot fill them). */
export function functionTools(tools: readonly ChatCompletionTool[] | null | undefined): FunctionToolSpec[] {
  const out: FunctionToolSpec[] = [];
  for (const tool of tools ?? []) {
    if (tool.type !== "function" || !tool.function || typeof tool.function.name !== "string") continue;
    out.push({
      name: tool.function.name,
      description: typeof tool.function.description === "string" ? tool.function.description : "",
      parameters: tool.function.parameters ?? { type: "object", properties: {} },
    });
  }
  return out;
}

/** Whether a JSON schema declares a top-level property named `expression`. */
function hasExpressionProperty(parameters: unknown): boolean {
  if (typeof parameters !== "object" || parameters === null) return false;
  const props = (parameters as { properties?: unknown }).properties;
  return typeof props === "object" && props !== null && "expression" in props;
}

/** How strongly a tool matches the user's text; 0 means no match. */
export function toolMatchScore(tool: FunctionToolSpec, userText: string): number {
  const words = new Set(textWords(userText));
  const has = (w: string) => words.has(w) || words.has(`${w}s`) || (w.endsWith("s") && words.has(w.slice(0, -1)));
  let score = 0;
  const lowered = userText.toLowerCase();
  // Very short names ("a", "db") would match inside unrelated words.
  if (tool.name.length >= 3 && lowered.includes(tool.name.toLowerCase())) score += 3;
  for (const w of new Set(splitIdentifier(tool.name))) {
    if (w.length >= 3 && !STOP_WORDS.has(w) && has(w)) score += 2;
  }
  for (const w of new Set(textWords(tool.description))) {
    if (w.length >= 5 && !STOP_WORDS.has(w) && has(w)) score += 1;
  }
  if (hasExpressionProperty(tool.parameters) && extractExpression(userText) !== undefined) score += 3;
  return score;
}

// A sentence with one of these words names a tool for some cases only ("use the calculator for
// arithmetic"); the tool is then chosen by matching the user's text, as without the sentence.
const CONDITION_WORDS = new Set(["if", "when", "whenever", "unless", "only", "for", "where", "while"]);
const DIRECTIVE_VERBS = new Set(["call", "use", "invoke", "run"]);
const NEGATIONS = new Set(["never", "not", "don't", "don’t", "dont", "avoid", "no"]);
// Bonus that puts an ordered tool ahead of any word match when "required" picks one tool.
const ORDERED_SCORE = 100;

/** Tools a system message orders ("Always call get_weather first") or forbids ("Never use delete_file"). */
export interface SystemToolOrders {
  ordered: Set<string>;
  forbidden: Set<string>;
}

/**
 * Reads unconditional orders about tools from system text: in a sentence with no condition
 * word, every offered tool name after "call"/"use"/"invoke"/"run" is ordered, or forbidden
 * when a negation comes before that verb. Names compare case-insensitively as whole words.
 */
export function systemToolOrders(systemText: string, toolNames: readonly string[]): SystemToolOrders {
  const orders: SystemToolOrders = { ordered: new Set(), forbidden: new Set() };
  const byLowerName = new Map(toolNames.map((n) => [n.toLowerCase(), n]));
  if (systemText.length === 0 || byLowerName.size === 0) return orders;
  for (const sentence of systemText.split(/[.!?;\n]/)) {
    const words = sentence.toLowerCase().match(/[\p{L}\p{N}_'’-]+/gu) ?? [];
    if (words.some((w) => CONDITION_WORDS.has(w))) continue;
    const verb = words.findIndex((w) => DIRECTIVE_VERBS.has(w));
    if (verb < 0) continue;
    const target = words.slice(0, verb).some((w) => NEGATIONS.has(w)) ? orders.forbidden : orders.ordered;
    for (const word of words.slice(verb + 1)) {
      const name = byLowerName.get(word);
      if (name !== undefined) target.add(name);
    }
  }
  return orders;
}

/**
 * The tools to call, in order, following `tool_choice` like the real API: "none" calls nothing,
 * a named function calls exactly it, "required" calls the best match (else the first tool),
 * "auto"/absent calls every match (only the first when `parallel_tool_calls` is false).
 * A tool the system text orders counts as the best match; one it forbids is left out unless named.
 */
export function selectToolCalls(input: ToolSelectionInput): FunctionToolSpec[] {
  let tools = functionTools(input.tools);
  if (tools.length === 0) return [];
  let choice = input.toolChoice ?? "auto";
  if (choice === "none") return [];
  if (typeof choice === "object" && choice.type === "allowed_tools") {
    const allowed = new Set(
      choice.allowed_tools.tools
        .map((t) => (t as { function?: { name?: unknown } }).function?.name)
        .filter((n): n is string => typeof n === "string"),
    );
    tools = tools.filter((t) => allowed.has(t.name));
    choice = choice.allowed_tools.mode;
  }
  if (typeof choice === "object") {
    const name = choice.type === "function" ? choice.function.name : undefined;
    const named = tools.find((t) => t.name === name);
    return named ? [named] : [];
  }
  const orders = systemToolOrders(input.systemText ?? "", tools.map((t) => t.name));
  const permitted = tools.filter((t) => !orders.forbidden.has(t.name));
  const scored = permitted
    .map((tool, index) => ({ tool, index, score: toolMatchScore(tool, input.userText) + (orders.ordered.has(tool.name) ? ORDERED_SCORE : 0) }))
    .filter((s) => s.score > 0);
  if (choice === "required") {
    // "required" must call something: the first permitted tool, else the first tool at all.
    if (scored.length === 0) return (permitted.length > 0 ? permitted : tools).slice(0, 1);
    // Highest score wins; ties go to the tool offered first.
    const best = scored.reduce((a, b) => (b.score > a.score ? b : a));
    return [best.tool];
  }
  const matches = scored.map((s) => s.tool);
  return input.parallelToolCalls === false ? matches.slice(0, 1) : matches;
}
