/**
 * FENCED: the one file that touches members LangChain and LangGraph do not publish. Every other
 * file uses their public API only (test/unit/langchain_private_scan.test.ts keeps it so), and
 * test/unit/langchain_private.test.ts fails, naming the member and the installed version, when an
 * upgrade moves one of these. Each use says why no public API does the job.
 *
 * Members used, as @langchain/langgraph 1.7.x and langchain 1.5.x lay them out:
 * - CompiledStateGraph `_validateInput` / `_validateContext` (protected): the only place a graph's
 *   input and context are validated; their ZodError is a multi-line JSON dump, while every surface
 *   (Studio, the SDK, HTTP, MCP) shows the run's error message as is.
 * - StreamMessagesHandler `_emit` (LangGraph's `messages` stream): the only way into that stream
 *   for a token produced inside a subgraph when the caller streams without `subgraphs: true`.
 * - `configurable.__pregel_scratchpad` (the running task's resume values): what the next
 *   `interrupt()` will return, read before it is taken (see `nextResumeValue`).
 * - the `hook` of a LangChain middleware's `afterModel` / `beforeModel`: LangChain's
 *   human-in-the-loop and summarization middleware are run inside ours, which must act just
 *   before and after them in the same graph step (see `middlewareHook`).
 */
import type { BaseMessage } from "@langchain/core/messages";

/** Turns a validation error of the graph's input or context (`where`) into the project's own error. */
export type ValidationErrorMapper = (err: unknown, where: "input" | "context") => unknown;

/** The protected validation hooks of a compiled StateGraph. */
interface Validating {
  _validateInput(input: unknown): Promise<unknown>;
  _validateContext(context: unknown): Promise<unknown>;
}

/** Whether `graph` has the validation hooks `mapValidationErrors` wraps. */
export function hasValidationHooks(graph: unknown): boolean {
  const g = graph as Partial<Validating> | undefined;
  return typeof g?._validateInput === "function" && typeof g._validateContext === "function";
}

/**
 * Runs the graph's input and context validation errors through `map` (see the header for why).
 * Without the hooks (an upgrade removed them) the graph is left as it is: its errors stay
 * LangGraph's own, and the fence's test says what moved.
 */
export function mapValidationErrors(graph: unknown, map: ValidationErrorMapper): void {
  if (!hasValidationHooks(graph)) return;
  const g = graph as Validating;
  const validateInput = g._validateInput.bind(g);
  const validateContext = g._validateContext.bind(g);
  g._validateInput = (input) => validateInput(input).catch((err: unknown) => Promise.reject(map(err, "input")));
  g._validateContext = (context) => validateContext(context).catch((err: unknown) => Promise.reject(map(err, "context")));
}

/** What the token relay needs of the run's `messages` stream. */
export interface MessagesStream {
  /** Whether the caller streams subgraphs too (then LangGraph relays their tokens itself). */
  subgraphs: boolean;
  /** Puts `message` into the stream as coming from `namespace`, with `metadata`. */
  emit(namespace: string[], metadata: Record<string, unknown>, message: BaseMessage, runId?: string): void;
}

/** The parts of LangGraph's StreamMessagesHandler used here. */
interface MessagesHandler {
  name: string;
  namespaceOptions?: { subgraphs?: boolean };
  _emit(meta: [string[], Record<string, unknown>], message: BaseMessage, runId?: string): void;
}

const isMessagesHandler = (h: unknown): h is MessagesHandler =>
  (h as { name?: unknown } | undefined)?.name === "StreamMessagesHandler" && typeof (h as { _emit?: unknown })._emit === "function";

/** The run's `messages` stream among a callback manager's `handlers`, if the run streams messages. */
export function messagesStreamOf(handlers: readonly unknown[]): MessagesStream | undefined {
  const target = handlers.find(isMessagesHandler);
  if (!target) return undefined;
  return {
    subgraphs: target.namespaceOptions?.subgraphs === true,
    emit: (namespace, metadata, message, runId) => target._emit([namespace, metadata], message, runId),
  };
}

/** What `interrupt()` reads; a subset of LangGraph's PregelScratchpad. */
interface Scratchpad {
  interruptCounter: number;
  resume: unknown[];
  nullResume?: unknown;
}

const SCRATCHPAD_KEY = "__pregel_scratchpad";

const isScratchpad = (v: unknown): v is Scratchpad =>
  !!v && typeof v === "object" && typeof (v as Scratchpad).interruptCounter === "number" && Array.isArray((v as Scratchpad).resume);

/**
 * The value the next `interrupt()` of the running task will return, without taking it:
 * `{ value }` when the run resumes that interrupt, undefined when `interrupt()` would pause (or
 * the scratchpad is not there, e.g. outside a graph). Mirrors the order `interrupt()` uses: the
 * task's own resume list (answers by interrupt id, and earlier answers), then the run's resume.
 *
 * Why: a resume value must be checked BEFORE `interrupt()` hands it over. Once `interrupt()`
 * returns a value it records it as the task's resume write, and a task that then throws keeps
 * that write, so every later resume of the thread would get the malformed value again.
 * LangChain's human-in-the-loop middleware calls `interrupt()` itself with no response check, so
 * the value can only be seen where `interrupt()` will read it from.
 */
export function nextResumeValue(configurable: Record<string, unknown> | undefined): { value: unknown } | undefined {
  const pad = configurable?.[SCRATCHPAD_KEY];
  if (!isScratchpad(pad)) return undefined;
  const index = pad.interruptCounter + 1;
  if (index < pad.resume.length) return { value: pad.resume[index] };
  if (pad.nullResume !== undefined && pad.resume.length === index) return { value: pad.nullResume };
  return undefined;
}

/** A middleware hook as LangChain calls it: the agent's state and the runtime, to a state update. */
export type MiddlewareHook = (state: unknown, runtime: unknown) => Promise<Record<string, unknown> | undefined>;

/**
 * The `afterModel` or `beforeModel` hook of a LangChain middleware (a function, or `{ hook }` with
 * jump targets), to run inside one of ours. Throws naming the middleware and the hook when it has
 * none, which is what an upgrade that reshapes middleware looks like.
 */
export function middlewareHook(middleware: object, which: "afterModel" | "beforeModel"): MiddlewareHook {
  const entry = (middleware as Record<string, unknown>)[which];
  const hook = typeof entry === "function" ? entry : (entry as { hook?: unknown } | undefined)?.hook;
  if (typeof hook !== "function") {
    const name = (middleware as { name?: unknown }).name;
    throw new Error(`LangChain's ${typeof name === "string" ? name : "middleware"} has no ${which} hook; this langchain version is not supported, use the version in the package's dependencies.`);
  }
  return hook as MiddlewareHook;
}
