/**
 * FENCED: the one place that reads a private member of LangGraph (the task's scratchpad under
 * `configurable.__pregel_scratchpad`, as @langchain/langgraph 1.7.3 lays it out). Its test
 * (test/unit/resume_peek.test.ts) fails when an upgrade changes that layout.
 *
 * Why a private member: a resume value must be checked BEFORE `interrupt()` hands it over. Once
 * `interrupt()` returns a value it records it as the task's resume write, and a task that then
 * throws keeps that write, so every later resume of the thread would get the malformed value
 * again. LangChain's human-in-the-loop middleware calls `interrupt()` itself with no
 * `responseSchema` (LangGraph's own pre-check), so the value can only be seen by looking where
 * `interrupt()` will read it from.
 */

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
 */
export function nextResumeValue(configurable: Record<string, unknown> | undefined): { value: unknown } | undefined {
  const pad = configurable?.[SCRATCHPAD_KEY];
  if (!isScratchpad(pad)) return undefined;
  const index = pad.interruptCounter + 1;
  if (index < pad.resume.length) return { value: pad.resume[index] };
  if (pad.nullResume !== undefined && pad.resume.length === index) return { value: pad.nullResume };
  return undefined;
}
