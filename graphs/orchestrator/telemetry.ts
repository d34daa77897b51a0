/**
 * What an orchestrator run looks like as an OpenTelemetry trace: the root span `orchestrator.run`,
 * under it `orchestrator.route`, one `invoke_agent <agent>` per agent attempt (a subtask's too),
 * `orchestrator.plan` / `orchestrator.synthesize` for the plan route, and a zero-length
 * `orchestrator.escalation` whenever a tier hands the task up. Model, tool, fallback-attempt and
 * token spans nest below (src/telemetry, src/providers/tracing.ts, src/gateway/tracing.ts).
 * The nodes' own results are read from the Command each node returns, so no node knows about tracing.
 */
import { END } from "@langchain/langgraph";
import type { Attributes, Span } from "@opentelemetry/api";
import { scrubText } from "../../src/logging/index.js";
import { capturesMessageContent, LangChainOtelTracer, tracingActive, type GraphSpanHooks, type InstantSpan, type SpanPlan } from "../../src/telemetry/index.js";
import { FAIL_NODE } from "./nodes/agent.js";
import { SYNTHESIZER_NODE } from "./nodes/dispatch.js";
import { PLANNER_NODE } from "./nodes/router.js";
import { DISPATCH_NODE, type SubtaskPayload } from "./nodes/subtask_run.js";
import type { EscalationRecord, RunState, SubtaskResult } from "./state.js";

/** The parts of a LangGraph Command the hooks read (a node's return value, as its run's output). */
interface CommandLike {
  goto?: unknown;
  update?: { run?: RunState; subtasks?: { results?: Record<string, SubtaskResult> } };
}

type NodeInput = { run?: RunState } & Partial<SubtaskPayload>;

const ROUTER = "router";
const UNTRACED = new Set(["__start__", DISPATCH_NODE, FAIL_NODE]);

const commandOf = (value: unknown): CommandLike | undefined =>
  value && typeof value === "object" && "goto" in value ? (value as CommandLike) : undefined;

/** A Command's goto as a list (LangGraph keeps it as one). */
const targetsOf = (goto: unknown): unknown[] => (Array.isArray(goto) ? goto : [goto]);

/** The one node a Command goes to by name, if that is what it does. */
const nodeOf = (goto: unknown): string | undefined => {
  const targets = targetsOf(goto);
  return targets.length === 1 && typeof targets[0] === "string" ? targets[0] : undefined;
};

/** The Sends of a Command's goto (a subtask handed up a tier). */
const sendsOf = (goto: unknown): { node?: string; args?: SubtaskPayload }[] =>
  targetsOf(goto).filter((g): g is { node?: string; args?: SubtaskPayload } => !!g && typeof g === "object" && "node" in g);

/** Span hooks of the orchestrator graph (see the file comment). */
export function orchestratorSpanHooks(captureContent: boolean): GraphSpanHooks {
  return {
    root(_name, metadata) {
      const attributes: Attributes = {};
      if (typeof metadata.thread_id === "string") attributes["gen_ai.conversation.id"] = metadata.thread_id;
      return { name: "orchestrator.run", attributes };
    },
    node(node, inputs): SpanPlan | undefined {
      if (node === ROUTER) return { name: "orchestrator.route" };
      if (node === PLANNER_NODE) return { name: "orchestrator.plan" };
      if (node === SYNTHESIZER_NODE) return { name: "orchestrator.synthesize" };
      if (UNTRACED.has(node)) return undefined;
      const input = (inputs ?? {}) as NodeInput;
      const tier = input.subtaskRun?.tier ?? input.run?.activeTier;
      const attributes: Attributes = { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": node };
      if (tier) attributes["orchestrator.tier"] = tier;
      if (input.subtaskRun?.id) attributes["orchestrator.subtask_id"] = input.subtaskRun.id;
      return { name: `invoke_agent ${node}`, attributes };
    },
    nodeEnd(node, inputs, outputs, span, instant) {
      const command = commandOf(outputs);
      if (!command) return;
      if (node === ROUTER) return routeEnded(command, span, captureContent);
      if (node === PLANNER_NODE || node === SYNTHESIZER_NODE || UNTRACED.has(node)) return;
      const input = (inputs ?? {}) as NodeInput;
      if (input.subtaskRun) subtaskEnded(input.subtaskRun, command, span, instant);
      else agentEnded(command, span, instant);
    },
    rootEnd(outputs, span) {
      const run = (outputs as { run?: RunState } | undefined)?.run;
      if (!run) return;
      if (run.result) {
        span.setAttributes({ "orchestrator.outcome": "answered", "orchestrator.tier": run.result.tier, "gen_ai.agent.name": run.result.agent, "ai_gateway.simulated": run.result.simulated });
      } else if (run.error) {
        span.setAttributes({ "orchestrator.outcome": "failed", "orchestrator.tier": run.error.tier, "error.type": run.error.kind });
      }
      span.setAttribute("orchestrator.escalations", run.escalations.length);
    },
  };
}

function routeEnded(command: CommandLike, span: Span, captureContent: boolean): void {
  const route = command.update?.run?.route;
  if (!route) return;
  span.setAttributes({ "orchestrator.route.tier": route.tier, "orchestrator.route.agent": route.agent, "orchestrator.route.source": route.source, "gen_ai.request.model": route.model });
  // A classifier's reason is model text about the task; the others come from the configuration.
  if (route.source !== "classifier" || captureContent) span.setAttribute("orchestrator.route.reason", scrubText(route.reason).slice(0, 500));
}

function agentEnded(command: CommandLike, span: Span, instant: InstantSpan): void {
  const run = command.update?.run;
  if (!run) return;
  const next = nodeOf(command.goto);
  if (next === END && run.result) {
    span.setAttributes({ "orchestrator.outcome": "answered", "gen_ai.provider.name": run.result.provider, "gen_ai.response.model": run.result.model });
  } else if (next === FAIL_NODE && run.error) {
    span.setAttributes({ "orchestrator.outcome": "failed", "error.type": run.error.kind });
    if (run.error.requestId) span.setAttribute("ai_gateway.request_id", run.error.requestId);
  } else {
    const last = run.escalations.at(-1);
    if (last && next === last.agent) escalated(span, instant, last);
  }
}

function subtaskEnded(sub: SubtaskPayload["subtaskRun"], command: CommandLike, span: Span, instant: InstantSpan): void {
  const result = command.update?.subtasks?.results?.[sub.id];
  if (result) {
    span.setAttributes(result.ok ? { "orchestrator.outcome": "answered" } : { "orchestrator.outcome": "failed", "error.type": result.error?.kind ?? "unknown" });
    return;
  }
  const next = sendsOf(command.goto)[0];
  const to = next?.args?.subtaskRun?.tier;
  if (next?.node && to) escalated(span, instant, { from: sub.tier, to, agent: next.node }, sub.id);
}

function escalated(span: Span, instant: InstantSpan, record: Pick<EscalationRecord, "from" | "to" | "agent"> & Partial<EscalationRecord>, subtaskId?: string): void {
  span.setAttribute("orchestrator.outcome", "escalated");
  if (record.kind) span.setAttribute("error.type", record.kind);
  const attributes: Attributes = { "orchestrator.escalation.from": record.from, "orchestrator.escalation.to": record.to, "orchestrator.escalation.agent": record.agent };
  if (record.kind) attributes["error.type"] = record.kind;
  if (record.status !== undefined) attributes["http.response.status_code"] = record.status;
  if (subtaskId) attributes["orchestrator.subtask_id"] = subtaskId;
  instant({ name: "orchestrator.escalation", attributes });
}

/** The callback handler that traces one run, or undefined when no OpenTelemetry SDK is registered (then nothing is added to the run). */
export function runTracer(): LangChainOtelTracer | undefined {
  if (!tracingActive()) return undefined;
  const captureContent = capturesMessageContent();
  return new LangChainOtelTracer({ hooks: orchestratorSpanHooks(captureContent), captureContent });
}
