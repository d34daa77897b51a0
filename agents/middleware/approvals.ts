/**
 * Human approval of tool calls, on LangChain's human-in-the-loop middleware: the policy says
 * which tools need a person and which decisions (approve, edit, reject) are open; the HITL
 * middleware pauses the run with `interrupt()` and applies the decision when the run resumes.
 *
 * This wrapper adds what the orchestrator needs around it: the pending calls with their ids (for
 * the `approval_required` event), and a record of every decision (who, when, what) in the agent's
 * state, which the orchestrator keeps in the thread. Who decided comes from the run's ledger
 * (the orchestrator puts the run context's `approver` there). The decision is read back from
 * what the HITL middleware did to the tool calls, so any resume HITL accepts (Studio's
 * included) is recorded.
 *
 * A resume value is checked (`checkResume`) before the HITL middleware takes it: a malformed one
 * throws there, before `interrupt()` records it, so the call stays pending and the next answer is
 * read afresh (see `nextResumeValue` in agents/langchain_private.ts for why it must be before).
 */
import { isAIMessage, isToolMessage, type AIMessage, type BaseMessage, type ToolCall } from "@langchain/core/messages";
import { createMiddleware, humanInTheLoopMiddleware } from "langchain";
import { z as z3 } from "zod/v3";
import type { ApprovalDecision, ApprovalPolicy } from "../../src/policy/agent_config.js";
import type { Tier } from "../../src/providers/types.js";
import { currentLedger } from "./model_calls.js";
import { middlewareHook, nextResumeValue } from "../langchain_private.js";

/** A tool call waiting for a person. */
export interface PendingApproval {
  callId: string;
  tool: string;
  args: Record<string, unknown>;
  allowedDecisions: ApprovalDecision[];
}

/**
 * One decision on a tool call, as kept in the agent's and then the thread's state. zod's v3 API,
 * like the orchestrator state that holds it (see graphs/orchestrator/state.ts for why).
 */
export const approvalRecordSchema = z3.object({
  callId: z3.string(),
  tool: z3.string(),
  decision: z3.enum(["approve", "edit", "reject"]),
  /** The arguments the tool ran with (edited ones for `edit`). */
  args: z3.record(z3.unknown()).optional(),
  /** Why a call was rejected, as the model was told. */
  reason: z3.string().optional(),
  /** Who decided (the run context's `approver`), else "unknown". */
  by: z3.string(),
  /** When the decision was applied (ISO 8601). */
  at: z3.string(),
  agent: z3.string(),
  tier: z3.string(),
});

/** One recorded decision. */
export type ApprovalRecord = z3.infer<typeof approvalRecordSchema>;

const MAX_BY_CHARS = 120;

/** Who is deciding (the run context's `approver`), cut to a sane length. */
function approverOf(by: string | undefined): string {
  return by?.trim() ? by.trim().slice(0, MAX_BY_CHARS) : "unknown";
}

const sameArgs = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Checks the answer to `pending` (the calls of one pause, in order) before the HITL middleware
 * acts on it; throws an error naming what is wrong when it is malformed.
 */
export type ResumeCheck = (pending: readonly PendingApproval[], resume: unknown) => void;

/** Middleware asking a person before the tools of `policy` run; none when the policy is empty. */
export function approvalsMiddleware(policy: ApprovalPolicy, agent: string, tier: Tier, checkResume?: ResumeCheck) {
  const interruptOn = Object.fromEntries(
    Object.entries(policy).map(([tool, decisions]) => [
      tool,
      { allowedDecisions: [...decisions], description: (call: ToolCall) => `The ${agent} agent wants to call ${tool} with ${JSON.stringify(call.args).slice(0, 500)}.` },
    ]),
  );
  const hitl = humanInTheLoopMiddleware({ interruptOn });
  const hook = middlewareHook(hitl, "afterModel") as (state: unknown, runtime: unknown) => Promise<{ messages?: BaseMessage[]; jumpTo?: string } | undefined>;

  return createMiddleware({
    name: "Approvals",
    stateSchema: z3.object({ approvals: z3.array(approvalRecordSchema).default([]) }),
    afterModel: {
      canJumpTo: ["model"],
      hook: async (state, runtime) => {
        const last = [...state.messages].reverse().find((m): m is AIMessage => isAIMessage(m));
        // A copy: the HITL middleware rewrites the message's tool calls in place.
        const pending: PendingApproval[] = (last?.tool_calls ?? [])
          .filter((c) => policy[c.name] !== undefined)
          .map((c) => ({ callId: c.id ?? "", tool: c.name, args: { ...c.args }, allowedDecisions: [...policy[c.name]] }));
        if (pending.length === 0) return undefined;
        const ledger = currentLedger();
        const answer = checkResume ? nextResumeValue(runtime.configurable as Record<string, unknown> | undefined) : undefined;
        if (answer) {
          checkResume!(pending, answer.value);
          await ledger?.beforeResume?.();
        }
        if (ledger) ledger.pendingApprovals = pending;
        const update = await hook(state, runtime);
        if (ledger) ledger.pendingApprovals = undefined;
        if (!update) return undefined;
        const messages = update.messages ?? [];
        const revised = messages.find((m): m is AIMessage => isAIMessage(m))?.tool_calls ?? [];
        const by = approverOf(ledger?.approver);
        const at = new Date().toISOString();
        const records: ApprovalRecord[] = pending.map((p) => {
          const rejection = messages.find((m) => isToolMessage(m) && m.tool_call_id === p.callId);
          if (rejection) return { callId: p.callId, tool: p.tool, decision: "reject", reason: rejection.text, by, at, agent, tier };
          const call = revised.find((c) => c.id === p.callId);
          const edited = call && (call.name !== p.tool || !sameArgs(call.args, p.args));
          return { callId: p.callId, tool: call?.name ?? p.tool, decision: edited ? "edit" : "approve", args: call?.args ?? p.args, by, at, agent, tier };
        });
        return { ...update, approvals: [...(state.approvals ?? []), ...records] } as never;
      },
    },
  });
}
