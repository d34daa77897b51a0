/** Renders step events for people (live, line by line) or for scripts (one JSON object per line). */
import type { PlanCreatedEvent, StepEvent, SubtaskFinishedEvent, SubtaskStartedEvent, UsageEvent, UsageSummary } from "../../graphs/orchestrator/events.js";
import { terminalSafe, terminalText } from "./terminal_text.js";

/** Where rendered text goes. */
export interface Output {
  write(text: string): void;
  /** Terminal width, when the output is a terminal (enables rewriting discarded text). */
  columns?: number;
}

const color = (code: number, enabled: boolean) => (s: string) => (enabled ? `\u001b[${code}m${s}\u001b[0m` : s);

const usd = (n: number) => `$${n < 0.01 ? n.toFixed(6) : n.toFixed(4)}`;

/** An agent's step limit; a compiled graph agent has none (maxSteps 0). */
const stepsLabel = (maxSteps: number) => (maxSteps > 0 ? `up to ${maxSteps} steps` : "no step limit");

const oneLine = (s: string, max = 200) => {
  // Also cleans JSON of values terminalSafe leaves as they are (class instances): JSON escapes C0 controls, not C1.
  const flat = terminalText(s).replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** `s` cut to at most `max` code points, with an ellipsis when cut. */
const fit = (s: string, max: number) => {
  const chars = [...s];
  return chars.length <= max ? s : max < 1 ? "" : `${chars.slice(0, max - 1).join("").trimEnd()}…`;
};

const ANSWER = "answer ";

/** The terminal's width; a pseudo-terminal with no size set reports 0, which means "unknown". */
const widthOf = (out: Output) => (out.columns && out.columns > 0 ? out.columns : 80);

/** "fast agent" for a tier agent, "researcher agent (standard)" for a specialist. */
const agentLabel = (e: { agent: string; tier: string }) => (e.agent === `${e.tier}_agent` ? `${e.tier} agent` : `${e.agent} agent (${e.tier})`);

/** One subtask of a plan as the tree shows it. */
interface PlanRow {
  id: string;
  task: string;
  mark: "○" | "▶" | "✓" | "✗";
  /** The state's text: `waiting`, `running · fast agent`, `done · fast · $0.000120`, `FAILED · ...`. */
  state: string;
}

/** A subtask's cost, or "cost unknown" when none of its calls reported usage or had a known price. */
const costOf = (u: UsageSummary) => ((u.unknown.length > 0 && u.total.total === 0) || (u.unpriced.length > 0 && u.costUsd === 0) ? "cost unknown" : usd(u.costUsd));

const finishedState = (e: SubtaskFinishedEvent) =>
  e.ok ? `done · ${e.tier} · ${costOf(e.usage)}${e.escalations > 0 ? ` · escalated ${e.escalations}×` : ""}` : `FAILED · ${oneLine(e.error ?? e.kind ?? "no reason given")}`;

/** The subtask an event happened in, if any. */
const subtaskOf = (e: StepEvent): string | undefined => ("subtaskId" in e && typeof e.subtaskId === "string" ? e.subtaskId : undefined);

/**
 * A stateful renderer for one run. Tokens are the answer in the making: on a terminal they are
 * printed as they arrive, elsewhere they are held until the attempt ends. Text of an attempt that
 * is discarded (a cut stream before an escalation) is shown struck through and dimmed on a
 * terminal, and marked "discarded" elsewhere; it is never shown as the answer.
 *
 * A plan's subtasks are shown as a tree: on a terminal it stays the last lines on screen and is
 * rewritten in place on every change, until the first event outside the subtasks; elsewhere each
 * change is one line and events inside a subtask are prefixed with its id. A subtask's text is
 * never shown: only the synthesizer's combined answer is the answer.
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
  private readonly green;
  private readonly struck;
  /** The current plan's subtasks, in the planner's order. */
  private plan: PlanRow[] = [];
  /** True while the tree is the last thing on a terminal and is rewritten in place. */
  private treeLive = false;
  /** Terminal rows the tree took when last printed. */
  private treeRows = 0;

  constructor(private readonly out: Output, colors = false) {
    this.live = colors;
    this.dim = color(2, colors);
    this.bold = color(1, colors);
    this.yellow = color(33, colors);
    this.cyan = color(36, colors);
    this.green = color(32, colors);
    this.struck = (s: string) => (colors ? `\u001b[2;9m${s}\u001b[0m` : s);
  }

  /** Renders one event. Its text (from the task, the models and the tools) is printed with control sequences removed. */
  render(untrusted: StepEvent): void {
    const event = terminalSafe(untrusted);
    const subtaskId = subtaskOf(event);
    // Anything outside the subtasks (the synthesizer's answer, usage...) goes below the tree, which stays as printed.
    if (subtaskId === undefined) this.treeLive = false;
    if (event.type === "subtask_started" || event.type === "subtask_finished") return this.subtaskChanged(event);
    if (subtaskId !== undefined) return this.renderInSubtask(event, subtaskId);
    if (event.type === "token") {
      if (this.live) this.out.write(`${this.draft ? "" : this.cyan(ANSWER)}${event.text}`);
      this.draft += event.text;
      this.streamedAnswer = true;
      return;
    }
    this.closeDraft(event.type === "attempt_discarded");
    switch (event.type) {
      case "plan_created":
        this.planCreated(event);
        break;
      case "agent_started":
      case "attempt_discarded":
        this.out.write(`${this.describe(event)}\n`);
        this.streamedAnswer = false;
        break;
      case "final_answer": {
        if (!this.streamedAnswer) this.out.write(`${this.cyan(ANSWER)}${event.answer}\n`);
        const by =
          event.agent === "synthesizer"
            ? `combined by the synthesizer on the ${event.tier} tier (${event.provider}/${event.model})`
            : `answered by ${event.provider}/${event.model} on the ${event.tier} tier${event.agent === `${event.tier}_agent` ? "" : ` (${event.agent})`}`;
        this.out.write(`${this.dim(by)}${event.simulated ? this.yellow(" [SIMULATED model: local emulator]") : ""}\n`);
        break;
      }
      case "usage":
        this.out.write(`${this.cyan("usage")}  ${usageLine(event, usd)}\n`);
        if (event.thread.total.total !== event.total.total || event.thread.unknown.length !== event.unknown.length) {
          this.out.write(`${this.dim(`thread ${event.thread.total.input} in + ${event.thread.total.output} out tokens · cost ${usd(event.thread.costUsd)} over the thread so far`)}\n`);
        }
        break;
      default: {
        const line = this.describe(event);
        if (line) this.out.write(`${line}\n`);
      }
    }
  }

  /** Closes an open text line, and ends a live plan tree (what follows is printed below it). */
  finish(): void {
    this.closeDraft(false);
    this.treeLive = false;
  }

  /** The one line an event of a single agent renders as (without the newline). */
  private describe(event: StepEvent): string | undefined {
    switch (event.type) {
      case "route_decided":
        return `${this.cyan("route")}  ${this.bold(event.tier)}${event.agent === `${event.tier}_agent` ? "" : ` · ${this.bold(event.agent)}`} via ${event.source} (${event.reason}) · model ${event.model}`;
      case "agent_started":
        return `${this.cyan("agent")}  ${agentLabel(event)} started · ${event.model} · ${stepsLabel(event.maxSteps)} · tools: ${event.tools.join(", ") || "none"}`;
      case "tool_call":
        return `${this.cyan("tool")}   ${event.name}(${oneLine(JSON.stringify(event.args))})${event.source && event.source !== "builtin" ? this.dim(` · ${event.source}`) : ""}`;
      case "tool_result":
        return `${this.dim("  ->")}    ${event.isError ? this.yellow(oneLine(event.content)) : oneLine(event.content)}`;
      case "attempt_discarded":
        return `${this.yellow("discarded")} the ${event.tier} attempt's text (${event.provider}): ${event.reason}`;
      case "escalation":
        return `${this.yellow("escalate")} ${event.from} -> ${event.to}: ${event.reason}`;
      case "interrupted":
        return `${this.yellow("paused")} the ${agentLabel(event)} is waiting for input: ${oneLine(JSON.stringify(event.interrupts.map((i) => i.value)))}`;
      case "approval_required":
        return `${this.yellow("approval")} the ${agentLabel(event)} wants to run ${this.bold(event.tool)}(${oneLine(JSON.stringify(event.args))}) · allowed: ${event.allowedDecisions.join(", ")}`;
      case "budget":
        return `${this.yellow("budget")} ${event.reason} Resets ${event.resetsAt}.`;
      default:
        return undefined;
    }
  }

  /**
   * An event inside a subtask. Its tokens are never shown (they are not the answer). On a live tree
   * nothing else is printed either, since a line below the tree would break the rewrite in place,
   * except a pause for a person: the tree is printed a last time and the pause below it.
   */
  private renderInSubtask(event: StepEvent, id: string): void {
    if (event.type === "token") return;
    if (this.treeLive) {
      if (event.type !== "approval_required" && event.type !== "interrupted") return;
      this.printTree(true);
      this.treeLive = false;
    }
    this.closeDraft(false);
    const line = this.describe(event);
    if (line) this.out.write(`${this.dim(`[${id}]`)} ${line}\n`);
  }

  private planCreated(event: PlanCreatedEvent): void {
    this.plan = event.subtasks.map((s) => ({ id: s.id, task: s.task, mark: "○", state: "waiting" }));
    const n = event.subtasks.length;
    this.out.write(`${this.cyan("plan")}   ${n} subtask${n === 1 ? "" : "s"} on up to ${event.maxParallel} at once (planner on ${event.tier})\n`);
    this.treeLive = this.live;
    this.printTree(false);
  }

  private subtaskChanged(event: SubtaskStartedEvent | SubtaskFinishedEvent): void {
    this.closeDraft(false);
    let row = this.plan.find((r) => r.id === event.subtaskId);
    if (!row) {
      // A subtask the plan did not list (or a plan from before a resume): shown from now on.
      row = { id: event.subtaskId, task: event.type === "subtask_started" ? event.task : "", mark: "○", state: "waiting" };
      this.plan.push(row);
    }
    let change: string;
    if (event.type === "subtask_started") {
      row.task = event.task;
      row.mark = "▶";
      row.state = `running · ${agentLabel(event)}`;
      change = `started · ${agentLabel(event)} via ${event.source}`;
    } else {
      row.mark = event.ok ? "✓" : "✗";
      row.state = finishedState(event);
      change = event.ok ? row.state : `${this.yellow("FAILED")}${row.state.slice("FAILED".length)}`;
    }
    if (this.treeLive) this.printTree(true);
    else this.out.write(`${this.cyan("subtask")} ${event.subtaskId} ${change}\n`);
  }

  /**
   * Prints the tree, one line per subtask. On a terminal each line is cut to the width, and
   * `again` first moves back over the rows the tree took and clears them. Elsewhere it is
   * printed once, with the task cut to one line.
   */
  private printTree(again: boolean): void {
    const width = this.treeLive ? widthOf(this.out) : undefined;
    const idWidth = Math.max(0, ...this.plan.map((r) => r.id.length));
    const plain: string[] = [];
    let text = again && this.treeRows > 0 ? `\u001b[${this.treeRows}A\r\u001b[J` : "";
    for (const row of this.plan) {
      let head = `  ${row.id.padEnd(idWidth)} ${row.mark} ${row.state}`;
      let task = `  ${oneLine(row.task)}`;
      if (width !== undefined) {
        head = fit(head, width);
        const room = width - [...head].length;
        task = room >= 5 ? `  ${fit(oneLine(row.task, Infinity), room - 2)}` : "";
      }
      plain.push(head + task);
      text += `${this.paintHead(head, row, idWidth)}${task && this.dim(task)}\n`;
    }
    this.treeRows = width === undefined || plain.length === 0 ? 0 : rowsOf(plain.join("\n"), width);
    this.out.write(text);
  }

  /** The head with its marker coloured by state (measured before colouring, so escapes never count as columns). */
  private paintHead(head: string, row: PlanRow, idWidth: number): string {
    const paint = { "○": this.dim, "▶": this.cyan, "✓": this.green, "✗": this.yellow }[row.mark];
    const before = `  ${row.id.padEnd(idWidth)} `;
    return head.startsWith(before + row.mark) ? `${before}${paint(row.mark)}${head.slice(before.length + row.mark.length)}` : head;
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
    const rows = rowsOf(ANSWER + text, widthOf(this.out));
    this.out.write(`${rows > 1 ? `\u001b[${rows - 1}A` : ""}\r\u001b[J${this.struck(ANSWER + text)}\n`);
  }
}

/** Terminal rows `text` takes at `columns` wide. */
function rowsOf(text: string, columns: number): number {
  return text.split("\n").reduce((n, line) => n + Math.max(1, Math.ceil([...line].length / Math.max(1, columns))), 0);
}

/**
 * "N in + M out tokens · cost $x (...)", or what is unknown: a provider that reported no usage,
 * a model with no known price (its tokens are counted, its cost is not), premium's price.
 */
export function usageLine(event: Pick<UsageEvent, "total" | "costUsd" | "premiumOnlyCostUsd" | "savingUsd" | "unknown" | "unpriced">, money = usd): string {
  const unknown = event.unknown.length > 0 ? `usage not reported by ${event.unknown.join(", ")}` : "";
  if (unknown && event.total.total === 0) return `${unknown} · cost unknown`;
  const unpriced = event.unpriced.length ? ` · no known price for ${event.unpriced.join(", ")}` : "";
  const cost = event.unpriced.length && event.costUsd === 0 ? "cost unknown" : `cost ${money(event.costUsd)}${event.unpriced.length ? " + unpriced calls" : ""}`;
  const premium = event.premiumOnlyCostUsd === null ? "premium alone: no known price" : `premium alone ${money(event.premiumOnlyCostUsd)}`;
  const saved = event.savingUsd === null ? "" : `, saved ${money(event.savingUsd)}`;
  return `${event.total.input} in + ${event.total.output} out tokens · ${cost} (${premium}${saved})${unpriced}${unknown ? ` · ${unknown} for some calls` : ""}`;
}

/** Writes one JSON object per line. */
export function renderJson(out: Output, event: Record<string, unknown> | StepEvent): void {
  out.write(`${JSON.stringify(event)}\n`);
}
