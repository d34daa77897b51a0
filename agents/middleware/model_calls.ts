/**
 * What each model call of an agent run did, kept outside the agent's state so that it
 * survives a failed run: the orchestrator counts the tokens of a tier that failed, and
 * learns whether text had already been streamed to the user before the failure.
 *
 * A failing call is rethrown as `ModelCallError`, which carries the typed failure and our own
 * message only. LangGraph stores the message of an error that escapes a node in the
 * checkpoint, so upstream error text (which may echo a credential) never gets that far.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { isAIMessage, type BaseMessage } from "@langchain/core/messages";
import { isGraphBubbleUp } from "@langchain/langgraph";
import { createMiddleware } from "langchain";
import { describeModelFailure, type ModelFailure } from "../../src/providers/failure.js";
import { AIGatewayAgentsError } from "../../src/errors.js";

/** One model call: who answered, the usage it reported (if any), and whether it produced text. */
export interface ModelCallRecord {
  provider: string;
  /** The model id that answered, as its response names it. */
  model?: string;
  usage?: { input: number; output: number; total: number };
  /** The call produced visible text (streamed to the user when the run streams). */
  text: boolean;
}

/** The record of one agent run's model calls. */
export class ModelCallLedger {
  /** Calls in order, failed ones included (a failed call's usage is unknown). */
  readonly calls: ModelCallRecord[] = [];
  /** The failure of the last call, when it failed. */
  failure?: ModelFailure;
  /** Who decides approvals in this run (the run context's `approver`). */
  approver?: string;
  /** The plan's subtask this agent run works on, if any (step events carry it). */
  subtaskId?: string;
  /** Summary calls (the fast tier's, see thread_summary.ts): never shown to the user, counted on the fast tier. */
  readonly summaryCalls: ModelCallRecord[] = [];
  /**
   * Run before an answer to a pending approval is recorded, after its form is checked: throws to
   * refuse the resume (the run's budget is used up) while the approval stays pending.
   */
  beforeResume?: () => Promise<void>;
  /** Tool calls waiting for a person while the run pauses (set by the approvals middleware). */
  pendingApprovals?: { callId: string; tool: string; args: Record<string, unknown>; allowedDecisions: ("approve" | "edit" | "reject")[] }[];
  /** Told of every call as it is recorded (`summary` for the summary calls), e.g. to keep a run's spend outside the graph. */
  onCall?: (call: ModelCallRecord, summary: boolean) => void;

  /** Records a successful call from its message. */
  recordMessage(message: BaseMessage): void {
    this.record(callRecord(message));
  }

  /** Records a failed call. A call whose stream broke after some text spent tokens we cannot count. */
  recordFailure(failure: ModelFailure): void {
    this.failure = failure;
    if (failure.partialOutput) this.record({ provider: failure.provider ?? "unknown", text: true });
  }

  /** Records a summary call (the fast tier's, never shown to the user). */
  recordSummary(call: ModelCallRecord): void {
    this.summaryCalls.push(call);
    this.onCall?.(call, true);
  }

  private record(call: ModelCallRecord): void {
    this.calls.push(call);
    this.onCall?.(call, false);
  }

  /** Whether any call of this run showed text to the user. */
  get producedText(): boolean {
    return this.calls.some((c) => c.text);
  }
}

/** The usage and provider of a model's message. */
export function callRecord(message: BaseMessage): ModelCallRecord {
  const meta = (message.response_metadata ?? {}) as { provider?: unknown; model_provider?: unknown; model_name?: unknown; model?: unknown };
  const provider = typeof meta.provider === "string" ? meta.provider : typeof meta.model_provider === "string" ? meta.model_provider : "unknown";
  const model = typeof meta.model_name === "string" ? meta.model_name : typeof meta.model === "string" ? meta.model : undefined;
  const u = isAIMessage(message) ? message.usage_metadata : undefined;
  return {
    provider,
    ...(model ? { model } : {}),
    usage: u ? { input: u.input_tokens, output: u.output_tokens, total: u.total_tokens } : undefined,
    text: message.text.length > 0,
  };
}

const ledgers = new AsyncLocalStorage<ModelCallLedger>();

/** Runs `body` (an agent invocation) with `ledger` receiving the record of every model call. */
export function withModelCallLedger<T>(ledger: ModelCallLedger, body: () => Promise<T>): Promise<T> {
  return ledgers.run(ledger, body);
}

/** The ledger of the agent run in progress, if any. */
export function currentLedger(): ModelCallLedger | undefined {
  return ledgers.getStore();
}

/** A model call failed; `failure` says how, in our words. */
export class ModelCallError extends AIGatewayAgentsError {
  override readonly name = "ModelCallError";
  /** `code` is the failure's own code when it has one, else its kind (`auth`, `quota`, ...). */
  constructor(readonly failure: ModelFailure) {
    super(failure.message, { code: failure.code ?? failure.kind, status: failure.status, requestId: failure.requestId });
  }

  /** Only the typed failure, never a cause chain. */
  override toJSON(): Record<string, unknown> {
    return { ...this.failure, ...super.toJSON() };
  }
}

/** Middleware recording each model call in the current ledger and turning failures into ModelCallError. */
export function modelCallsMiddleware() {
  return createMiddleware({
    name: "ModelCalls",
    wrapModelCall: async (request, handler) => {
      const ledger = ledgers.getStore();
      try {
        const message = await handler(request);
        ledger?.recordMessage(message);
        return message;
      } catch (err) {
        // Interrupts and other control flow of LangGraph pass through untouched.
        if (isGraphBubbleUp(err) || err instanceof ModelCallError) throw err;
        const failure = describeModelFailure(err, request.runtime.signal);
        ledger?.recordFailure(failure);
        throw new ModelCallError(failure);
      }
    },
  });
}
