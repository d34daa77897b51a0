/**
 * `defineAgent`: a specialist agent in code, checked by the same rules as one declared under
 * `agents:` in the tiers file. Pass the result to `createOrchestrator({ agents })`.
 */
import { agentFieldsSchema, agentNameSchema, toAgentSpec, type AgentFields, type AgentSpec } from "../src/providers/agent_config.js";
import { describeIssues } from "../src/providers/tier_config.js";
import { ConfigurationError } from "../src/errors.js";

/** What `defineAgent` takes: a name plus the fields of an `agents:` entry. */
export interface AgentDefinition extends AgentFields {
  /** Node name and the name routing rules, the classifier and `--agent` use. */
  name: string;
}

/**
 * Validates a specialist: `{ name, description, tools?, systemPrompt?, tier? | tiers?, maxSteps?, approvals? }`.
 * Without `tier` or `tiers` it may run on every tier; tools are names from the toolbox.
 */
export function defineAgent(definition: AgentDefinition): AgentSpec {
  const { name, ...fields } = (definition ?? {}) as Partial<AgentDefinition>;
  const label = typeof name === "string" ? `"${name.slice(0, 40)}"` : "(unnamed)";
  const problems = [
    ...describeIssues(agentNameSchema.safeParse(name), "name"),
    ...describeIssues(agentFieldsSchema.safeParse(fields)),
  ];
  if (problems.length > 0) {
    throw new ConfigurationError("invalid_agent_definition", `Invalid agent ${label}: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`, { problems });
  }
  return toAgentSpec(name as string, agentFieldsSchema.parse(fields));
}
