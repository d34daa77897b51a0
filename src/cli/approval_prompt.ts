/** Deciding a run's waiting tool calls at the terminal: the questions, who answers, and how to resume later. */
import { userInfo } from "node:os";
import type { ApprovalInput } from "../../graphs/orchestrator/approvals.js";
import type { ApprovalRequiredEvent } from "../../graphs/orchestrator/events.js";
import { cliInvocation } from "../runtime/entry.js";
import type { LinePrompt } from "./prompt.js";
import { terminalText } from "./terminal_text.js";

/** The command that resumes `threadId`, as printed when a run waits for approval (`ai-gateway-agents resume ...` when installed). */
export function resumeHint(threadId: string): string {
  return `${cliInvocation()} resume ${threadId} --decision approve|reject [--args JSON] [--reason TEXT]`;
}

/** Who decides at this terminal, kept with each decision. */
export function approver(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}

const DECISION_KEYS: Record<string, ApprovalInput["decision"]> = { a: "approve", approve: "approve", e: "edit", edit: "edit", r: "reject", reject: "reject" };

/** Asks for a decision on each waiting call; undefined when the input ends first. */
export async function askDecisions(rl: LinePrompt, waiting: readonly ApprovalRequiredEvent[], stderr: { write(text: string): unknown }): Promise<ApprovalInput[] | undefined> {
  const out: ApprovalInput[] = [];
  const ask = (q: string) => rl.ask(q);
  for (const call of waiting) {
    const choices = call.allowedDecisions.map((d) => `${d[0]}=${d}`).join(" / ");
    for (;;) {
      // The tool name and arguments come from the model: shown with control sequences removed.
      const answer = await ask(`${terminalText(`${call.tool}(${JSON.stringify(call.args)})`)}: ${choices}? `);
      if (answer === undefined) return undefined;
      const decision = DECISION_KEYS[answer.toLowerCase()];
      if (!decision || !call.allowedDecisions.includes(decision)) {
        stderr.write(`please answer ${call.allowedDecisions.join(", ")}\n`);
        continue;
      }
      if (decision === "approve") out.push({ decision });
      else if (decision === "reject") {
        const reason = await ask("reason (the model is told): ");
        if (reason === undefined) return undefined;
        out.push({ decision, reason });
      } else {
        const text = await ask(`new arguments as JSON (empty keeps ${terminalText(JSON.stringify(call.args))}): `);
        if (text === undefined) return undefined;
        const args = text ? parseObject(text) : call.args;
        if (!args) {
          stderr.write("the arguments must be a JSON object\n");
          continue;
        }
        out.push({ decision, args });
      }
      break;
    }
  }
  return out;
}

/** `text` as a JSON object, or undefined. */
export function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
