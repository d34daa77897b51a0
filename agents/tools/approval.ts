/**
 * Approval declared on the tool itself, as openai-agents-js's `needsApproval`: a tool whose
 * `metadata.approval` is set pauses for a person before it runs, wherever it is used. It joins
 * the `approvals:` policies of the tiers file as their lowest layer, so the file can still change
 * which decisions are open for it, and it goes through the same approval middleware.
 */
import type { StructuredToolInterface } from "@langchain/core/tools";
import { APPROVAL_DECISIONS, type ApprovalDecision, type ApprovalPolicy } from "../../src/policy/agent_config.js";
import { ConfigurationError } from "../../src/errors.js";

/** What a tool's `metadata.approval` holds: the decisions a person may take on its calls. */
export interface ToolApproval {
  /** Default approve and reject. */
  allowedDecisions?: readonly ApprovalDecision[];
}

/** A tool with LangChain's `metadata` field (StructuredTool has it; the interface does not say so). */
type WithMetadata = { metadata?: Record<string, unknown> };

const DEFAULT_DECISIONS: readonly ApprovalDecision[] = ["approve", "reject"];

function checkedDecisions(tool: string, decisions: readonly unknown[]): ApprovalDecision[] {
  const bad = decisions.filter((d) => !(APPROVAL_DECISIONS as readonly unknown[]).includes(d));
  if (bad.length > 0 || decisions.length === 0 || new Set(decisions).size !== decisions.length) {
    throw new ConfigurationError("invalid_option", `Tool "${tool}": allowedDecisions must list ${APPROVAL_DECISIONS.join(", ")} without repeats (at least one), e.g. ["approve", "reject"].`);
  }
  return [...(decisions as ApprovalDecision[])];
}

/**
 * Marks `tool` as needing a person's approval before each call (sets `tool.metadata.approval`)
 * and returns the same tool; `allowedDecisions` defaults to approve and reject.
 */
export function requireApproval<T extends StructuredToolInterface>(tool: T, options: ToolApproval = {}): T {
  const allowedDecisions = checkedDecisions(tool.name, options.allowedDecisions ?? DEFAULT_DECISIONS);
  const target = tool as T & WithMetadata;
  target.metadata = { ...target.metadata, approval: { allowedDecisions } };
  return tool;
}

/** The decisions declared on `tool` (`metadata.approval`), or undefined when it runs without approval. */
export function approvalOf(tool: StructuredToolInterface): ApprovalDecision[] | undefined {
  const declared = (tool as WithMetadata).metadata?.approval as ToolApproval | undefined;
  if (declared === undefined) return undefined;
  return checkedDecisions(tool.name, declared.allowedDecisions ?? DEFAULT_DECISIONS);
}

/** The approval policy the tools declare themselves (tool name -> decisions). */
export function declaredApprovals(tools: readonly StructuredToolInterface[]): ApprovalPolicy {
  const policy: Record<string, ApprovalDecision[]> = {};
  for (const tool of tools) {
    const decisions = approvalOf(tool);
    if (decisions) policy[tool.name] = decisions;
  }
  return policy;
}
