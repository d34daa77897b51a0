/** The text of `run_task`'s progress notifications: one short line per step event. */
import type { StepEvent } from "../../graphs/orchestrator/events.js";

/** One short line per step event, for progress notifications (token events have none). */
export function progressMessage(event: StepEvent): string | undefined {
  const where = "subtaskId" in event && event.subtaskId ? ` [${event.subtaskId}]` : "";
  switch (event.type) {
    case "route_decided":
      return `route: ${event.tier} via ${event.source} (${event.agent}): ${event.reason}`;
    case "agent_started":
      return `agent ${event.agent} started on ${event.tier}${where}`;
    case "tool_call":
      return `tool ${event.name}${where}`;
    case "tool_result":
      return `tool ${event.name} ${event.isError ? "failed" : "done"}${where}`;
    case "attempt_discarded":
      return `attempt on ${event.tier} discarded: ${event.reason}`;
    case "escalation":
      return `escalation: ${event.from} -> ${event.to}: ${event.reason}`;
    case "approval_required":
      return `waiting for approval: tool ${event.tool}`;
    case "interrupted":
      return `interrupted${where}`;
    case "plan_created":
      return `plan: ${event.subtasks.length} subtasks`;
    case "subtask_started":
      return `subtask ${event.subtaskId} started on ${event.tier} (${event.agent})`;
    case "subtask_finished":
      return `subtask ${event.subtaskId} ${event.ok ? "done" : "failed"}`;
    case "final_answer":
      return `answer from ${event.agent} on ${event.tier}`;
    case "usage":
      return `usage: ${event.total.total} tokens`;
    default:
      return undefined;
  }
}
