/**
 * `defineAgent`: a specialist agent in code, checked by the same rules as one declared under
 * `agents:` in the tiers file. Pass the result to `createOrchestrator({ agents })`.
 *
 * A specialist holds its tools as objects (LangChain tools travel with it) or names them from
 * the toolbox. By default the project builds it with `createAgent` on each tier's model; it may
 * instead be built by the app's own factory, or be a compiled graph the app made (`agent`).
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { agentFieldsSchema, agentNameSchema, toAgentSpec, type AgentFields, type AgentSpec } from "../src/policy/agent_config.js";
import { describeIssues } from "../src/policy/tier_config.js";
import type { Tier } from "../src/providers/types.js";
import { approvalOf } from "./tools/approval.js";
import { ConfigurationError } from "../src/errors.js";

/** What a specialist factory is given, once per tier the agent runs on. */
export interface SpecialistFactoryArgs {
  /** The tier's chat model (the registry's fallback model for `tier`): its calls are the ones counted and escalated on. */
  model: BaseChatModel;
  /** The agent's tools: its own tool objects and the toolbox tools it names. */
  tools: StructuredToolInterface[];
  tier: Tier;
  /** The tier's system prompt, or the agent's `systemPrompt`. */
  systemPrompt: string;
}

/** What a factory returns: an agent made by `createAgent` (the project reads its `options`). */
export interface FactoryAgent {
  readonly options: object;
}

/**
 * Builds the specialist for one tier, e.g. `({ model, tools, systemPrompt }) => createAgent({ model, tools, systemPrompt })`.
 * The project rebuilds what comes back with its own middleware added, so the agent keeps tier
 * escalation, the step limit, approvals, usage and step events.
 */
export type SpecialistFactory = (args: SpecialistFactoryArgs) => FactoryAgent;

/**
 * A compiled graph whose state has `messages` (e.g. a `StateGraph` on `MessagesAnnotation`). It
 * gets routing, step events (start, streamed tokens, answer) and usage only: no tier escalation,
 * no approvals, no step limit, no tool events, since the project cannot reach inside it.
 */
export interface MessagesGraph {
  invoke(input: { messages: BaseMessage[] }, config?: LangGraphRunnableConfig): Promise<unknown>;
}

/** What `defineAgent` takes: a name plus the fields of an `agents:` entry, with tools as objects or names. */
export interface AgentDefinition extends Omit<AgentFields, "tools"> {
  /** Node name and the name routing rules, the classifier and `--agent` use. */
  name: string;
  /** LangChain tool objects (`tool()`, StructuredTool) that travel with the agent, or toolbox tool names. */
  tools?: readonly (string | StructuredToolInterface)[];
  /** A factory that builds the agent per tier, or a compiled messages graph; default the project's `createAgent` agent. */
  agent?: SpecialistFactory | MessagesGraph;
}

/** How a specialist is built: by the project (default), by the app's factory, or an app's compiled graph. */
export type SpecialistBuild = { kind: "factory"; factory: SpecialistFactory } | { kind: "graph"; graph: MessagesGraph };

/** A validated specialist from code: the spec plus the tool objects it carries and how it is built. */
export interface Specialist extends AgentSpec {
  /** Tool objects given to `defineAgent` (names of toolbox tools stay in `tools`). */
  readonly ownTools?: readonly StructuredToolInterface[];
  readonly build?: SpecialistBuild;
}

const isToolObject = (t: unknown): t is StructuredToolInterface =>
  typeof t === "object" && t !== null && typeof (t as { name?: unknown }).name === "string" && typeof (t as { invoke?: unknown }).invoke === "function";

/**
 * Validates a specialist: `{ name, description, tools?, systemPrompt?, tier? | tiers?, maxSteps?, approvals?, agent? }`.
 * Without `tier` or `tiers` it may run on every tier. A compiled graph (`agent`) takes no tools,
 * systemPrompt, maxSteps or approvals: it has its own.
 */
export function defineAgent(definition: AgentDefinition): Specialist {
  const { name, tools, agent, ...fields } = (definition ?? {}) as Partial<AgentDefinition>;
  const label = typeof name === "string" ? `"${name.slice(0, 40)}"` : "(unnamed)";
  const list: readonly unknown[] = Array.isArray(tools) ? tools : [];
  const names = list.filter((t): t is string => typeof t === "string");
  const ownTools = list.filter(isToolObject);
  const problems = [
    ...describeIssues(agentNameSchema.safeParse(name), "name"),
    // Names are checked by the schema; a list that is not one is left to it too.
    ...describeIssues(agentFieldsSchema.safeParse(tools === undefined ? fields : { ...fields, tools: Array.isArray(tools) ? names : tools })),
    ...toolProblems(list, names, ownTools),
    ...agentProblems(agent, { tools: list.length > 0, ...fields }),
  ];
  if (problems.length > 0) {
    throw new ConfigurationError("invalid_agent_definition", `Invalid agent ${label}: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`, { problems });
  }
  const spec = toAgentSpec(name as string, agentFieldsSchema.parse({ ...fields, ...(names.length > 0 ? { tools: names } : {}) }));
  const build: SpecialistBuild | undefined = typeof agent === "function" ? { kind: "factory", factory: agent } : agent ? { kind: "graph", graph: agent } : undefined;
  return Object.freeze({ ...spec, ...(ownTools.length > 0 ? { ownTools: Object.freeze(ownTools) } : {}), ...(build ? { build } : {}) });
}

/** Tools must be names or tool objects, each name once. */
function toolProblems(list: readonly unknown[], names: readonly string[], objects: readonly StructuredToolInterface[]): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  list.forEach((t, i) => {
    if (typeof t !== "string" && !isToolObject(t)) problems.push({ path: `tools.${i}`, message: "must be a tool name or a LangChain tool (tool() from @langchain/core/tools)" });
  });
  const seen = new Set<string>();
  for (const toolName of [...names, ...objects.map((o) => o.name)]) {
    if (seen.has(toolName)) problems.push({ path: "tools", message: `lists the tool "${toolName.slice(0, 64)}" twice; give each tool once, under one name` });
    seen.add(toolName);
  }
  for (const tool of objects) {
    try {
      approvalOf(tool);
    } catch (err) {
      problems.push({ path: `tools.${tool.name.slice(0, 64)}`, message: (err as Error).message });
    }
  }
  return problems;
}

/** `agent` must be a factory or a graph; a graph brings its own tools, prompt and limits. */
function agentProblems(agent: unknown, given: Record<string, unknown>): { path: string; message: string }[] {
  if (agent === undefined || typeof agent === "function") return [];
  if (typeof agent !== "object" || agent === null || typeof (agent as { invoke?: unknown }).invoke !== "function") {
    return [{ path: "agent", message: "must be a factory ({ model, tools, tier, systemPrompt }) => createAgent(...) or a compiled graph with a messages state" }];
  }
  return ["tools", "systemPrompt", "maxSteps", "approvals"]
    .filter((field) => given[field] !== undefined && given[field] !== false)
    .map((field) => ({ path: field, message: "is not used by a compiled graph agent (it has its own); use a factory to have the project apply it" }));
}
