/** Errors a run of the orchestrator raises. Messages are the project's own, never upstream text. */
import { AIGatewayAgentsError } from "../../src/errors.js";
import type { Tier } from "../../src/providers/types.js";
import type { FailureInfo, TierFailureKind } from "./events.js";

/**
 * The run failed: no tier could answer, or a failure no tier can fix ended it at once. `code` is
 * the failure's code (the gateway's or the provider's, e.g. `gateway_budget_exceeded`), or
 * `run_failed` when it has none; `status` and `requestId` are the upstream ones.
 */
export class OrchestratorError extends AIGatewayAgentsError {
  override readonly name = "OrchestratorError";
  /** What went wrong, typed. */
  readonly kind?: TierFailureKind;
  readonly provider?: string;
  /** The tier whose failure ended the run. */
  readonly tier?: Tier;
  /** The failure's own code, when it has one (`code` falls back to `run_failed`). */
  readonly failureCode?: string;
  constructor(message: string, failure?: FailureInfo & { tier?: Tier }) {
    super(message, { code: failure?.code ?? "run_failed", status: failure?.status, requestId: failure?.requestId });
    this.failureCode = failure?.code;
    this.kind = failure?.kind;
    this.provider = failure?.provider;
    this.tier = failure?.tier;
  }

  /** The typed fields, safe to return to a client. */
  override toJSON(): Record<string, unknown> {
    const { kind, provider, tier } = this;
    return { ...super.toJSON(), kind, provider, tier };
  }
}

/** The input or the run context is invalid; the message names the key and the problem in one line. Code `invalid_input`. */
export class OrchestratorInputError extends AIGatewayAgentsError {
  override readonly name = "OrchestratorInputError";
  constructor(message: string) {
    super(message, { code: "invalid_input", status: 400 });
  }
}

/** Another run (in this process or another on the same store) holds the thread; nothing was run. Code `thread_busy`. */
export class ThreadBusyError extends AIGatewayAgentsError {
  override readonly name = "ThreadBusyError";
  constructor(message: string) {
    super(message, { code: "thread_busy", status: 409 });
  }
}

/** A newer run on the thread stopped this one (its `multitaskStrategy` was `interrupt` or `rollback`). Code `run_superseded`. */
export class RunSupersededError extends AIGatewayAgentsError {
  override readonly name = "RunSupersededError";
  /** `interrupt`: the steps this run completed are kept; `rollback`: what it wrote is dropped. */
  readonly mode: "interrupt" | "rollback";
  constructor(mode: "interrupt" | "rollback") {
    super(
      mode === "interrupt"
        ? "A newer run on this thread stopped this one (multitaskStrategy interrupt); the steps it completed are kept."
        : "A newer run on this thread stopped this one (multitaskStrategy rollback); what it wrote is dropped.",
      { code: "run_superseded", status: 409 },
    );
    this.mode = mode;
  }
}

/** A spending limit is reached: the run was refused before it started (its `budget` event says which limit). Code `budget_exceeded`. */
export class BudgetExceededError extends AIGatewayAgentsError {
  override readonly name = "BudgetExceededError";
  readonly scope: "tenant" | "user";
  readonly budgetName: string;
  readonly period: "daily" | "monthly";
  readonly spentUsd: number;
  readonly limitUsd: number;
  /** When the limit resets (ms since the epoch). */
  readonly resetsAt: number;
  constructor(limit: { scope: "tenant" | "user"; name: string; period: "daily" | "monthly"; spentUsd: number; limitUsd: number; resetsAt: number }) {
    super(
      `The ${limit.period} budget of ${limit.scope} ${limit.name} is used up ($${limit.spentUsd.toFixed(4)} of $${limit.limitUsd.toFixed(2)}); ` +
        `it resets at ${new Date(limit.resetsAt).toISOString()}. Nothing was run.`,
      { code: "budget_exceeded", status: 429 },
    );
    this.scope = limit.scope;
    this.budgetName = limit.name;
    this.period = limit.period;
    this.spentUsd = limit.spentUsd;
    this.limitUsd = limit.limitUsd;
    this.resetsAt = limit.resetsAt;
  }
}

interface ZodIssueLike {
  code?: string;
  path?: PropertyKey[];
  message?: string;
  keys?: string[];
}

const TASK_HINT = 'send the task as a message: {"messages":[{"role":"user","content":"..."}]}';

/** One readable line for the issues of a zod error on the graph's `where` ("input" or "context"). */
export function describeZodIssues(issues: readonly ZodIssueLike[], where: string): string {
  // Unknown keys first: a misnamed key (`task`) usually explains the missing one (`messages`).
  const ordered = [...issues].sort((a, b) => Number(b.code === "unrecognized_keys") - Number(a.code === "unrecognized_keys"));
  const parts = ordered.slice(0, 5).map((issue) => {
    const path = (issue.path ?? []).map(String).join(".");
    if (issue.code === "unrecognized_keys" && issue.keys?.length) {
      const keys = issue.keys.map((k) => `"${k.slice(0, 64)}"`).join(", ");
      const hint = where === "input" && issue.keys.includes("task") ? `; ${TASK_HINT}` : "";
      return `unknown ${where} key${issue.keys.length > 1 ? "s" : ""} ${keys}${path ? ` in ${path}` : ""}${hint}`;
    }
    return `${where}${path ? `.${path}` : ""}: ${issue.message ?? "is invalid"}`;
  });
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : "";
  return `Invalid ${where}: ${parts.join("; ")}${more}.`;
}

/** Turns a ZodError thrown while LangGraph validated the input or context into an OrchestratorInputError. */
export function toInputError(err: unknown, where: string): unknown {
  const issues = (err as { issues?: unknown })?.issues;
  if (err instanceof Error && (err.name === "ZodError" || err.name === "$ZodError") && Array.isArray(issues)) {
    return new OrchestratorInputError(describeZodIssues(issues as ZodIssueLike[], where));
  }
  return err;
}
