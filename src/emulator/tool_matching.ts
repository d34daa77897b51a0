/**
 * Decides which offered tools the simulated model calls. The rules are crude on purpose
 * (word overlap with the tool's name and description, or an arithmetic expression for a tool
 * with an `expression` parameter): tests and demos need predictable, explainable choices.
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

/**
 * The tools to call, in order, following `tool_choice` like the real API: "none" calls nothing,
 * a named function calls exactly it, "required" calls the best match (else the first tool),
 * "auto"/absent calls every match (only the first when `parallel_tool_calls` is false).
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
  const scored = tools
    .map((tool, index) => ({ tool, index, score: toolMatchScore(tool, input.userText) }))
    .filter((s) => s.score > 0);
  if (choice === "required") {
    if (scored.length === 0) return tools.slice(0, 1);
    // Highest score wins; ties go to the tool offered first.
    const best = scored.reduce((a, b) => (b.score > a.score ? b : a));
    return [best.tool];
  }
  const matches = scored.map((s) => s.tool);
  return input.parallelToolCalls === false ? matches.slice(0, 1) : matches;
}
