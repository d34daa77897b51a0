/**
 * Pending approvals of a thread and the input that answers them, for every surface (CLI,
 * HTTP, apps): what waits (read from the checkpoint, so it survives a restart) and a decision
 * turned into the resume value LangChain's human-in-the-loop middleware takes.
 */
import { isAIMessage, type BaseMessage } from "@langchain/core/messages";
import { Command, type StateSnapshot } from "@langchain/langgraph";
import { APPROVAL_DECISIONS, type ApprovalDecision } from "../../src/policy/agent_config.js";
import { OrchestratorInputError } from "./errors.js";

/** A tool call of a paused thread waiting for a person. */
export interface PendingApprovalView {
  /** LangGraph's interrupt id (one per paused agent turn). */
  interruptId: string;
  /** The agent node that paused. */
  agent: string;
  /** The tool call's id, when the paused agent's state shows it. */
  callId?: string;
  tool: string;
  args: Record<string, unknown>;
  allowedDecisions: ApprovalDecision[];
  description?: string;
}

/** A person's decision on the pending calls of a thread. */
export interface ApprovalInput {
  decision: ApprovalDecision;
  /** New arguments (JSON object) for `edit`. */
  args?: Record<string, unknown>;
  /** Why, for `reject`: the model reads it as the tool's result. */
  reason?: string;
}

interface HitlRequest {
  actionRequests: { name: string; args: Record<string, unknown>; description?: string }[];
  reviewConfigs: { actionName: string; allowedDecisions: ApprovalDecision[] }[];
}

const isHitlRequest = (v: unknown): v is HitlRequest =>
  !!v && typeof v === "object" && Array.isArray((v as HitlRequest).actionRequests) && Array.isArray((v as HitlRequest).reviewConfigs);

/** What reading a thread's pending approvals needs of a compiled graph (the orchestrator, on its checkpointer). */
interface ThreadStateReader {
  getState(config: { configurable: Record<string, unknown> }, options?: { subgraphs?: boolean }): Promise<StateSnapshot>;
}

/** The tool calls `threadId` waits on, in order; empty when it is not paused for approval. */
export async function pendingApprovals(graph: ThreadStateReader, threadId: string): Promise<PendingApprovalView[]> {
  const snapshot = await graph.getState({ configurable: { thread_id: threadId } }, { subgraphs: true });
  const out: PendingApprovalView[] = [];
  for (const task of snapshot.tasks) {
    let subState = (task.state as { values?: { messages?: BaseMessage[] } } | undefined)?.values;
    // A task whose last attempt failed (a malformed answer to its approval) keeps its interrupt,
    // but LangGraph leaves its subgraph state out of the snapshot: read it by namespace.
    if (!subState && task.error && task.interrupts.length > 0) {
      const sub = await graph.getState({ configurable: { thread_id: threadId, checkpoint_ns: `${task.name}:${task.id}` } }).catch(() => undefined);
      subState = sub?.values as { messages?: BaseMessage[] } | undefined;
    }
    const lastAi = [...(subState?.messages ?? [])].reverse().find(isAIMessage);
    for (const intr of task.interrupts) {
      if (!isHitlRequest(intr.value) || !intr.id) continue;
      const calls = [...(lastAi?.tool_calls ?? [])];
      intr.value.actionRequests.forEach((action, i) => {
        // The HITL request lists the paused calls in the order of the model's tool calls.
        const at = calls.findIndex((c) => c.name === action.name);
        const call = at >= 0 ? calls.splice(at, 1)[0] : undefined;
        out.push({
          interruptId: intr.id!,
          agent: task.name,
          callId: call?.id,
          tool: action.name,
          args: action.args,
          allowedDecisions: intr.value.reviewConfigs[i]?.allowedDecisions ?? [],
          description: action.description,
        });
      });
    }
  }
  return out;
}

const MAX_REASON_CHARS = 2_000;

/** What a decision is checked against: the waiting call's tool, arguments and policy. */
type DecidedCall = Pick<PendingApprovalView, "tool" | "args" | "allowedDecisions">;

/** One HITL decision for `call`, or an error naming what is wrong with the input. */
function hitlDecision(call: DecidedCall, input: ApprovalInput) {
  if (!APPROVAL_DECISIONS.includes(input.decision)) {
    throw new OrchestratorInputError(`Unknown decision "${String(input.decision).slice(0, 20)}" for ${call.tool}; its policy allows ${call.allowedDecisions.join(", ")}.`);
  }
  if (!call.allowedDecisions.includes(input.decision)) {
    throw new OrchestratorInputError(`"${input.decision}" is not allowed for ${call.tool}; its policy allows ${call.allowedDecisions.join(", ")}.`);
  }
  if (input.decision === "edit") {
    if (!input.args || typeof input.args !== "object" || Array.isArray(input.args)) {
      throw new OrchestratorInputError(`An edit needs the new arguments of ${call.tool} as a JSON object, e.g. ${JSON.stringify(call.args).slice(0, 200)}.`);
    }
    return { type: "edit" as const, editedAction: { name: call.tool, args: input.args } };
  }
  if (input.args !== undefined) throw new OrchestratorInputError(`Arguments are only taken with the "edit" decision, not "${input.decision}".`);
  if (input.decision === "reject") {
    const reason = (input.reason ?? "").replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, " ").trim().slice(0, MAX_REASON_CHARS);
    return { type: "reject" as const, message: reason ? `The person reviewing this call rejected it: ${reason}` : "The person reviewing this call rejected it." };
  }
  return { type: "approve" as const };
}

/**
 * The resume input for `pending` (all of a thread's waiting calls): one decision applied to
 * every call, or one per call. An edit applies to a single call only.
 */
export function approvalResume(pending: readonly PendingApprovalView[], input: ApprovalInput | readonly ApprovalInput[]): Command {
  if (pending.length === 0) throw new OrchestratorInputError("Nothing is waiting for approval on this thread.");
  const inputs = Array.isArray(input) ? input : pending.map(() => input as ApprovalInput);
  if (inputs.length !== pending.length) throw new OrchestratorInputError(`${pending.length} tool calls wait for a decision; ${inputs.length} were given.`);
  if (!Array.isArray(input) && (input as ApprovalInput).decision === "edit" && pending.length > 1) {
    throw new OrchestratorInputError(`${pending.length} tool calls wait for a decision; an edit applies to one call, so give one decision per call.`);
  }
  const byInterrupt = new Map<string, ReturnType<typeof hitlDecision>[]>();
  pending.forEach((call, i) => {
    const list = byInterrupt.get(call.interruptId) ?? [];
    list.push(hitlDecision(call, inputs[i]));
    byInterrupt.set(call.interruptId, list);
  });
  return new Command({ resume: Object.fromEntries([...byInterrupt].map(([id, decisions]) => [id, { decisions }])) });
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/**
 * Checks a resume value as the HITL middleware takes it (`{ decisions: [...] }`, one decision per
 * waiting call, in order) against the calls of one pause, with the same rules as `approvalResume`.
 * Run inside the graph, before the middleware acts on the value, so a resume that bypasses
 * `approvalResume` (Studio, the LangGraph SDK, a raw Command) is refused the same way: an
 * OrchestratorInputError naming what is wrong and which decisions the policy allows.
 */
export function checkApprovalResume(pending: readonly DecidedCall[], resume: unknown): void {
  const first = pending[0];
  if (!first) return;
  const allowed = (call: DecidedCall) => `${call.tool}'s policy allows ${call.allowedDecisions.join(", ")}`;
  const decisions = isObject(resume) ? resume.decisions : undefined;
  if (!Array.isArray(decisions)) {
    const got = typeof resume === "string" ? `"${resume.slice(0, 20)}"` : Array.isArray(resume) ? "a list" : resume === null ? "null" : typeof resume === "object" ? "an object without a decisions list" : typeof resume;
    throw new OrchestratorInputError(`A pending approval is answered with {"decisions":[{"type":"approve"}]}, one decision per waiting call, not ${got}; ${allowed(first)}.`);
  }
  if (decisions.length !== pending.length) {
    throw new OrchestratorInputError(`${pending.length} tool call${pending.length > 1 ? "s wait" : " waits"} for a decision; ${decisions.length} were given; ${allowed(first)}.`);
  }
  pending.forEach((call, i) => {
    const d: unknown = decisions[i];
    if (!isObject(d) || typeof d.type !== "string") {
      throw new OrchestratorInputError(`Decision ${i + 1} must be an object with a "type"; ${allowed(call)}.`);
    }
    const edited = d.editedAction;
    if (d.type === "edit" && call.allowedDecisions.includes("edit") && isObject(edited) && typeof edited.name !== "string") {
      throw new OrchestratorInputError(`An edit names the tool it runs: editedAction.name "${call.tool}" with the new args.`);
    }
    // An edit changes what the approved tool is called with; swapping in another tool would run
    // something no one was asked to approve (the HTTP API keeps the name for the same reason).
    if (d.type === "edit" && isObject(edited) && typeof edited.name === "string" && edited.name !== call.tool) {
      throw new OrchestratorInputError(`An edit may change the arguments of ${call.tool}, not the tool: editedAction.name must be "${call.tool}", not ${JSON.stringify(edited.name.slice(0, 60))}.`);
    }
    if (d.type === "reject" && d.message !== undefined && typeof d.message !== "string") {
      throw new OrchestratorInputError(`A reject's message must be text (the model reads it as the tool's result).`);
    }
    const input: ApprovalInput = {
      decision: d.type as ApprovalInput["decision"],
      ...(d.type === "edit" ? { args: (isObject(edited) ? edited.args : undefined) as Record<string, unknown> | undefined } : {}),
    };
    hitlDecision(call, input);
  });
}
