/**
 * Metadata and tags on an agent attempt's run, so a LangSmith trace (or any LangChain tracer)
 * can be filtered by tier, agent and how the task was routed. They are inherited by every run
 * below the attempt: its model calls and tool calls. They name no secret and no message text.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { Tier } from "../../src/providers/types.js";
import type { RouteState } from "./state.js";

/** What labels an agent attempt: its tier and agent, how the run was routed (`plan` for a subtask), and the subtask. */
export interface AgentRunLabels {
  tier: Tier;
  agent: string;
  route?: RouteState["source"] | "plan";
  subtaskId?: string;
}

/** `config` with the attempt's labels added as metadata (`tier`, `agent`, `route`, `subtask_id`) and tags (`tier:<tier>`, `agent:<agent>`, `route:<route>`). */
export function withAgentLabels(config: LangGraphRunnableConfig, labels: AgentRunLabels): LangGraphRunnableConfig {
  const { tier, agent, route, subtaskId } = labels;
  const metadata: Record<string, unknown> = { ...config.metadata, tier, agent };
  const tags = [...(config.tags ?? []), `tier:${tier}`, `agent:${agent}`];
  if (route) {
    metadata.route = route;
    tags.push(`route:${route}`);
  }
  if (subtaskId) metadata.subtask_id = subtaskId;
  return { ...config, metadata, tags };
}
