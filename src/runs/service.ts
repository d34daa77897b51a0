/**
 * The run service: the one place that decides whether and how a run goes, for every way a run
 * comes in (`streamSteps` in an app, the CLI, HTTP sync and SSE, MCP over stdio and HTTP, the
 * console). Surfaces only translate their request into a `RunRequest` and the service's events
 * and errors back into their own form. The policy is applied once, in this order:
 *
 *   1. who asks (tenant, user), checked;
 *   2. whether they may touch the thread (another tenant's thread is "not found");
 *   3. the caller's limits: runs at once, runs per window;
 *   4. the thread claim, by the multitask strategy;
 *   5. the thread's owner recorded, its size limit, the pending approvals a decision answers;
 *   6. budgets (downgrade, then refuse), read once the thread is ours so a run that waited its
 *      turn sees what the run before it spent, and before the graph writes anything, so a refused
 *      run leaves its thread as it was. The graph checks them itself when no host did (under
 *      `langgraph dev`), and writes the run's ledger rows with its usage event wherever it runs;
 *   7. the run, with its trace. The service only writes the spend of a run that ends before its
 *      usage event.
 */
import { randomUUID } from "node:crypto";
import { isBaseMessage, type BaseMessage } from "@langchain/core/messages";
import { Command } from "@langchain/langgraph";
import type { MultitaskStrategy } from "../config/index.js";
import type { RoutingMode } from "../policy/routing_rules.js";
import type { Tier } from "../providers/types.js";
import { approvalResume, pendingApprovals, type ApprovalInput } from "../../graphs/orchestrator/approvals.js";
import type { StepEvent } from "../../graphs/orchestrator/events.js";
import type { OrchestratorGraph } from "../../graphs/orchestrator/graph.js";
import type { OrchestratorInput } from "../../graphs/orchestrator/state.js";
import { RUN_SPEND_KEY, RunSpend } from "../../graphs/orchestrator/run_spend.js";
import { BUDGET_CHECKED_KEY, budgetCap, graphSpending, principalOf } from "../../graphs/orchestrator/spending.js";
import { linkedSignal } from "../../graphs/orchestrator/linked_signal.js";
import { graphSteps, runHeaders, supersededError, toGraphInput, type StepsInput } from "../../graphs/orchestrator/stream.js";
import { processClaims, type ThreadClaim, type ThreadClaims } from "../../graphs/thread_claims.js";
import type { ThreadOwner, ThreadOwners } from "../../graphs/thread_owners.js";
import { RunRefusedError, threadNotFound } from "./errors.js";
import { CallerGate, type RunLimits } from "./limits.js";
import { ThreadGate } from "./thread_gate.js";

/** Who a run is for. */
export interface RunCaller {
  /** The tenant (an API key's tenant); undefined is the default tenant (API_KEY, an open API, the CLI). */
  tenant?: string;
  /** The user the run is for: usage is recorded against (tenant, user) and their budgets apply. */
  user?: string;
  /** What the caller's limits are counted under (an API key's hash, an address); default the tenant. */
  client?: string;
  /** Sees and may run on every tenant's threads (the admin key). */
  admin?: boolean;
  /** Who decides pending approvals on this run (kept with each decision). */
  approver?: string;
}

/** One run asked for. */
export interface RunRequest {
  /** A task, the full input, `{ approval }` for the thread's pending approvals, `{ resume }` or a Command. */
  input: StepsInput;
  /** Continue (or start) this thread; default a new thread when the graph keeps checkpoints. */
  threadId?: string;
  /** Force a tier (skips routing). */
  tier?: Tier;
  /** Hand the task to this specialist (skips routing). */
  agent?: string;
  /** Split the task into subtasks that run in parallel (skips routing). */
  plan?: boolean;
  routingMode?: RoutingMode;
  /** What to do when the thread is busy; default the service's. */
  multitaskStrategy?: MultitaskStrategy;
  /** Extra gateway headers for every model call of the run, checked like AI_GATEWAY_HEADERS. */
  headers?: Record<string, string>;
  /** Include `token` events (default true). */
  tokens?: boolean;
  /** Stops the run (the caller went away or gave up). */
  signal?: AbortSignal;
  /**
   * A claim on `threadId` the caller already holds (the CLI keeps its thread across an approval
   * prompt): the service uses it as is and leaves releasing it to the caller.
   */
  claim?: ThreadClaim;
}

/** A run the service accepted: its thread and its step events. */
export interface StartedRun {
  /** The run's thread (a new one when the request named none and the graph keeps checkpoints). */
  threadId?: string;
  /** The run's step events; its errors are thrown after the events so far. */
  events: AsyncGenerator<StepEvent>;
}

/** Options of `createRunService`. */
export interface RunServiceOptions {
  graph: OrchestratorGraph;
  /** Thread claims seen by every process on the store (`createCheckpointer().claims`); default this process's. */
  claims?: ThreadClaims;
  /** Thread owners in the store (`createCheckpointer().owners`); without them, threads are not checked against tenants. */
  owners?: ThreadOwners;
  /** Per-caller and per-thread limits; default none. */
  limits?: RunLimits;
  /** What a run on a busy thread does when its request does not say (default `reject`). */
  multitaskStrategy?: MultitaskStrategy;
}

/** The thread's owner as the caller would record it. */
const ownerFor = (caller: RunCaller): ThreadOwner => ({ tenant: caller.tenant ?? "", ...(caller.user !== undefined ? { user: caller.user } : {}) });

/** The run service over one graph and store. */
export class RunService {
  readonly graph: OrchestratorGraph;
  readonly owners?: ThreadOwners;
  private readonly threads: ThreadGate;
  private readonly callers: CallerGate;

  constructor(private readonly options: RunServiceOptions) {
    this.graph = options.graph;
    this.owners = options.owners;
    this.threads = new ThreadGate(options.claims ?? processClaims(), options.limits?.queue ?? {});
    this.callers = new CallerGate(options.limits ?? {});
  }

  /** The store's thread claims. */
  get claims(): ThreadClaims {
    return this.threads.claims;
  }

  /**
   * Whether `caller` may see `threadId`: its owner's tenant, or the admin. A thread with
   * checkpoints but no recorded owner (kept before owners were, or written by another host of the
   * graph) belongs to the default tenant.
   */
  async mayAccess(caller: RunCaller, threadId: string): Promise<"yes" | "no" | "new"> {
    if (!this.owners) return "yes";
    const owner = await this.owners.get(threadId);
    if (owner) return caller.admin || owner.tenant === (caller.tenant ?? "") ? "yes" : "no";
    // Whatever the thread holds is the default tenant's: only another tenant needs to know whether it exists.
    if (caller.admin || caller.tenant === undefined) return "yes";
    return (await this.hasState(threadId)) ? "no" : "new";
  }

  /** Throws the thread's "not found" unless `caller` may see an existing `threadId`. */
  async checkAccess(caller: RunCaller, threadId: string): Promise<void> {
    if ((await this.mayAccess(caller, threadId)) !== "yes") throw threadNotFound(threadId);
  }

  /** Runs `request` for `caller` under the service's policy and yields its step events. */
  async *stream(caller: RunCaller, request: RunRequest): AsyncGenerator<StepEvent> {
    yield* (await this.begin(caller, request)).events;
  }

  /**
   * Applies the policy up to the run (who, the thread, limits, the claim, the thread's size and
   * what a decision answers) and returns the run, ready to go: refusals are thrown here, before
   * any event, so a surface can answer them as such. Iterate `events` to its end, or call its
   * `return()`, so the thread and the caller's slot are given back.
   */
  async begin(caller: RunCaller, request: RunRequest): Promise<StartedRun> {
    const graph = this.graph;
    // 1. Who asks, and everything about the request that can be checked without the store.
    const who = principalOf(caller);
    const threadId = request.threadId ?? (graph.checkpointer ? randomUUID() : undefined);
    const headers = runHeaders(request.headers);
    const input = request.input;
    const isApproval = typeof input === "object" && !(input instanceof Command) && "approval" in input;
    const isResume = isApproval || input instanceof Command || (typeof input === "object" && "resume" in input);
    if (isApproval && !threadId) throw new RunRefusedError("nothing_pending", "A decision on pending approvals needs the thread id (threadId).");
    const context = {
      ...(request.tier !== undefined ? { tier: request.tier } : {}),
      ...(request.agent !== undefined ? { agent: request.agent } : {}),
      ...(request.routingMode !== undefined ? { routingMode: request.routingMode } : {}),
      ...(caller.approver !== undefined ? { approver: caller.approver } : {}),
      // Who the run is for: the graph checks their budgets and records their usage.
      ...(who.tenant !== undefined ? { tenant: who.tenant } : {}),
      ...(who.user !== undefined ? { user: who.user } : {}),
    };
    // 2. The thread: another tenant's is not found; a decision needs a thread that exists.
    if (threadId && graph.checkpointer) {
      const access = await this.mayAccess(caller, threadId);
      if (access === "no" || (access === "new" && isResume)) throw threadNotFound(threadId);
    }
    // 3. The caller's limits, counted per run whatever the surface.
    const endSlot = this.callers.admit(caller.client ?? `tenant:${caller.tenant ?? ""}`);
    const outer = linkedSignal([request.signal]);
    let claim: ThreadClaim | undefined;
    const giveBack = async () => {
      outer.dispose();
      endSlot();
      if (claim && claim !== request.claim) await claim.release();
    };
    let graphInput: OrchestratorInput | Command;
    try {
      // 4. The thread claim, by the multitask strategy.
      if (request.claim) claim = request.claim;
      else if (threadId) claim = await this.threads.take(threadId, request.multitaskStrategy ?? this.options.multitaskStrategy ?? "reject", outer.signal);
      // 5. The owner, the thread's size and what a decision answers, read while the thread is ours.
      if (threadId && graph.checkpointer && this.owners) {
        const owner = await this.owners.claim(threadId, ownerFor(caller));
        // Another tenant took the id first (both saw a new thread).
        if (!caller.admin && owner.tenant !== (caller.tenant ?? "")) throw threadNotFound(threadId);
      }
      if (isApproval) {
        const pending = await pendingApprovals(graph, threadId!);
        if (pending.length === 0) throw new RunRefusedError("nothing_pending", "Nothing is waiting for approval on this thread.");
        graphInput = approvalResume(pending, (input as { approval: ApprovalInput | ApprovalInput[] }).approval);
      } else {
        graphInput = toGraphInput(input as Exclude<StepsInput, { approval: unknown }>);
        if (request.plan && !(graphInput instanceof Command)) graphInput = { ...graphInput, plan: true };
        // A thread the request named may be full; a new one is not.
        if (request.threadId && !(graphInput instanceof Command)) await this.checkThreadSize(request.threadId, graphInput.messages?.length ?? 0);
      }
    } catch (err) {
      await giveBack();
      throw err;
    }
    const held = claim;
    async function* events(): AsyncGenerator<StepEvent> {
      const stop = linkedSignal([outer.signal, held?.stopped]);
      // The run's calls as they happen; the graph takes it when it records the run's usage itself.
      const spend = new RunSpend();
      // Set when the steps end (answered, failed after its usage event, or paused for a person,
      // whose calls the resuming run counts); otherwise the run stopped early.
      let ended = false;
      let committed = false;
      try {
        // 6. Budgets, checked here before the graph writes anything (a refused run leaves its thread
        // as it was; a resumed run is checked too), and handed to the graph as the run's cap.
        const budget: StepEvent[] = [];
        const spending = graphSpending(graph);
        let cap;
        try {
          cap = spending ? await budgetCap(spending, who, (e) => budget.push(e)) : undefined;
        } finally {
          // A refusal's event comes before its error, as a downgrade's comes before the run.
          yield* budget;
        }
        const capped = cap ? { ...context, maxTier: cap } : context;
        // 7. The run, with its ledger rows and trace.
        yield* graphSteps(graph, graphInput, capped, { threadId, tokens: request.tokens, signal: stop.signal, headers }, { [RUN_SPEND_KEY]: spend, ...(spending ? { [BUDGET_CHECKED_KEY]: true } : {}) });
        ended = true;
        // The run's steps ended: a stop asked for from here on no longer undoes them.
        committed = true;
        await held?.commit();
      } catch (err) {
        throw (committed ? undefined : supersededError(held)) ?? err;
      } finally {
        stop.dispose();
        // Aborted, stopped by a newer run, or failed before its usage event: what it spent still counts.
        if (!ended) await spend.settle();
        await giveBack();
      }
    }
    return { threadId, events: events() };
  }

  /** Whether the thread has any checkpoint. */
  private async hasState(threadId: string): Promise<boolean> {
    const saver = this.graph.checkpointer;
    if (!saver || typeof saver === "boolean") return false;
    return (await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } })) !== undefined;
  }

  /** Refuses a run on a thread that already holds too much; the caller should start a new thread. */
  private async checkThreadSize(threadId: string, adding: number): Promise<void> {
    const limit = this.options.limits?.thread;
    if (!limit) return;
    const snapshot = await this.graph.getState({ configurable: { thread_id: threadId } });
    const messages = ((snapshot.values as { messages?: BaseMessage[] }).messages ?? []).filter(isBaseMessage);
    const bytes = messages.reduce((n, m) => n + Buffer.byteLength(m.text), 0);
    if (messages.length + adding > limit.maxMessages || bytes > limit.maxBytes) {
      throw new RunRefusedError(
        "thread_full",
        `This thread holds ${messages.length} messages (${bytes} bytes of text); the limits are ${limit.maxMessages} messages and ${limit.maxBytes} bytes. Start a new thread.`,
      );
    }
  }
}

/** Creates the run service for `options.graph`. */
export function createRunService(options: RunServiceOptions): RunService {
  return new RunService(options);
}
