/** Renders step events for people (live, line by line) or for scripts (one JSON object per line). */
import type { StepEvent, UsageEvent } from "../../graphs/orchestrator/events.js";

/** Where rendered text goes. */
export interface Output {
  write(text: string): void;
  /** Terminal width, when the output is a terminal (enables rewriting discarded text). */
  columns?: number;
}

const color = (code: number, enabled: boolean) => (s: string) => (enabled ? `\u001b[${code}m${s}\u001b[0m` : s);

const usd = (n: number) => `$${n < 0.01 ? n.toFixed(6) : n.toFixed(4)}`;

const oneLine = (s: string, max = 200) => {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

const ANSWER = "answer ";

/** "fast agent" for a tier agent, "researcher agent (standard)" for a specialist. */
const agentLabel = (e: { agent: string; tier: string }) => (e.agent === `${e.tier}_agent` ? `${e.tier} agent` : `${e.agent} agent (${e.tier})`);

/**
 * A stateful renderer for one run. Tokens are the answer in the making: on a terminal they are
 * printed as they arrive, elsewhere they are held until the attempt ends. Text of an attempt that
 * is discarded (a cut stream before an escalation) is shown struck through and dimmed on a
 * terminal, and marked "discarded" elsewhere; it is never shown as the answer.
 */
export class HumanRenderer {
  /** Text of the current attempt not yet closed by another event. */
  private draft = "";
  private streamedAnswer = false;
  private readonly live: boolean;
  private readonly dim;
  private readonly bold;
  private readonly yellow;
  private readonly cyan;
  private readonly struck;

  constructor(private readonly out: Output, colors = false) {
    this.live = colors;
    this.dim = color(2, colors);
    this.bold = color(1, colors);
    this.yellow = color(33, colors);
    this.cyan = color(36, colors);
    this.struck = (s: string) => (colors ? `\u001b[2;9m${s}\u001b[0m` : s);
  }

  /** Renders one event. */
  render(event: StepEvent): void {
    if (event.type === "token") {
      if (this.live) this.out.write(`${this.draft ? "" : this.cyan(ANSWER)}${event.text}`);
      this.draft += event.text;
      this.streamedAnswer = true;
      return;
    }
    this.closeDraft(event.type === "attempt_discarded");
    switch (event.type) {
      case "route_decided":
        this.out.write(
          `${this.cyan("route")}  ${this.bold(event.tier)}${event.agent === `${event.tier}_agent` ? "" : ` · ${this.bold(event.agent)}`} via ${event.source} (${event.reason}) · model ${event.model}\n`,
        );
        break;
      case "agent_started":
        this.out.write(
          `${this.cyan("agent")}  ${agentLabel(event)} started · ${event.model} · up to ${event.maxSteps} steps · tools: ${event.tools.join(", ") || "none"}\n`,
        );
        this.streamedAnswer = false;
        break;
      case "tool_call":
        this.out.write(`${this.cyan("tool")}   ${event.name}(${oneLine(JSON.stringify(event.args))})\n`);
        break;
      case "tool_result":
        this.out.write(`${this.dim("  ->")}    ${event.isError ? this.yellow(oneLine(event.content)) : oneLine(event.content)}\n`);
        break;
      case "attempt_discarded":
        this.out.write(`${this.yellow("discarded")} the ${event.tier} attempt's text (${event.provider}): ${event.reason}\n`);
        this.streamedAnswer = false;
        break;
      case "escalation":
        this.out.write(`${this.yellow("escalate")} ${event.from} -> ${event.to}: ${event.reason}\n`);
        break;
      case "interrupted":
        this.out.write(`${this.yellow("paused")} the ${agentLabel(event)} is waiting for input: ${oneLine(JSON.stringify(event.interrupts.map((i) => i.value)))}\n`);
        break;
      case "approval_required":
        this.out.write(
          `${this.yellow("approval")} the ${agentLabel(event)} wants to run ${this.bold(event.tool)}(${oneLine(JSON.stringify(event.args))}) · allowed: ${event.allowedDecisions.join(", ")}\n`,
        );
        break;
      case "final_answer":
        if (!this.streamedAnswer) this.out.write(`${this.cyan(ANSWER)}${event.answer}\n`);
        this.out.write(
          `${this.dim(`answered by ${event.provider}/${event.model} on the ${event.tier} tier${event.agent === `${event.tier}_agent` ? "" : ` (${event.agent})`}`)}${event.simulated ? this.yellow(" [SIMULATED model: local emulator]") : ""}\n`,
        );
        break;
      case "usage":
        this.out.write(`${this.cyan("usage")}  ${usageLine(event, usd)}\n`);
        if (event.thread.total.total !== event.total.total || event.thread.unknown.length !== event.unknown.length) {
          this.out.write(`${this.dim(`thread ${event.thread.total.input} in + ${event.thread.total.output} out tokens · cost ${usd(event.thread.costUsd)} over the thread so far`)}\n`);
        }
        break;
    }
  }

  /** Closes an open text line. */
  finish(): void {
    this.closeDraft(false);
  }

  /** Ends the current attempt's text: kept as the answer, or shown as discarded. */
  private closeDraft(discarded: boolean): void {
    const text = this.draft;
    if (!text) return;
    this.draft = "";
    if (!this.live) {
      this.out.write(discarded ? `discarded text: ${text} [cut off, not the answer]\n` : `${ANSWER}${text}\n`);
      return;
    }
    if (!discarded) {
      this.out.write("\n");
      return;
    }
    // Moves back over the rows the draft took and prints it again, struck through.
    const rows = rowsOf(ANSWER + text, this.out.columns ?? 80);
    this.out.write(`${rows > 1 ? `\u001b[${rows - 1}A` : ""}\r\u001b[J${this.struck(ANSWER + text)}\n`);
  }
}

/** Terminal rows `text` takes at `columns` wide. */
function rowsOf(text: string, columns: number): number {
  return text.split("\n").reduce((n, line) => n + Math.max(1, Math.ceil([...line].length / Math.max(1, columns))), 0);
}

/** "N in + M out tokens · cost $x (...)", or what is unknown when a provider reported no usage. */
export function usageLine(event: Pick<UsageEvent, "total" | "costUsd" | "premiumOnlyCostUsd" | "savingUsd" | "unknown">, money = usd): string {
  const unknown = event.unknown.length > 0 ? `usage not reported by ${event.unknown.join(", ")}` : "";
  if (unknown && event.total.total === 0) return `${unknown} · cost unknown`;
  return (
    `${event.total.input} in + ${event.total.output} out tokens · cost ${money(event.costUsd)} ` +
    `(premium alone ${money(event.premiumOnlyCostUsd)}, saved ${money(event.savingUsd)})${unknown ? ` · ${unknown} for some calls` : ""}`
  );
}

/** Writes one JSON object per line. */
export function renderJson(out: Output, event: Record<string, unknown> | StepEvent): void {
  out.write(`${JSON.stringify(event)}\n`);
}
