/** Renders step events for people (live, line by line) or for scripts (one JSON object per line). */
import type { StepEvent } from "../../graphs/events.js";

/** Where rendered text goes. */
export interface Output {
  write(text: string): void;
}

const color = (code: number, enabled: boolean) => (s: string) => (enabled ? `\u001b[${code}m${s}\u001b[0m` : s);

const usd = (n: number) => `$${n < 0.01 ? n.toFixed(6) : n.toFixed(4)}`;

const oneLine = (s: string, max = 200) => {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** A stateful renderer for one run: tokens are printed as they arrive, then the answer's footer. */
export class HumanRenderer {
  private inText = false;
  private streamedAnswer = false;
  private readonly dim;
  private readonly bold;
  private readonly yellow;
  private readonly cyan;

  constructor(private readonly out: Output, colors = false) {
    this.dim = color(2, colors);
    this.bold = color(1, colors);
    this.yellow = color(33, colors);
    this.cyan = color(36, colors);
  }

  /** Renders one event. */
  render(event: StepEvent): void {
    if (event.type !== "token" && this.inText) {
      this.out.write("\n");
      this.inText = false;
    }
    switch (event.type) {
      case "route_decided":
        this.out.write(`${this.cyan("route")}  ${this.bold(event.tier)} via ${event.source} (${event.reason}) · model ${event.model}\n`);
        break;
      case "agent_started":
        this.out.write(
          `${this.cyan("agent")}  ${event.tier} agent started · ${event.model} · up to ${event.maxSteps} steps · tools: ${event.tools.join(", ") || "none"}\n`,
        );
        this.streamedAnswer = false;
        break;
      case "tool_call":
        this.out.write(`${this.cyan("tool")}   ${event.name}(${oneLine(JSON.stringify(event.args))})\n`);
        break;
      case "tool_result":
        this.out.write(`${this.dim("  ->")}    ${event.isError ? this.yellow(oneLine(event.content)) : oneLine(event.content)}\n`);
        break;
      case "escalation":
        this.out.write(`${this.yellow("escalate")} ${event.from} -> ${event.to}: ${event.reason}\n`);
        break;
      case "token":
        // Only the agents' model calls are the answer; the router's classifier output is not.
        if (event.node !== "model_request") return;
        if (!this.inText) this.out.write(`${this.cyan("answer")} `);
        this.inText = true;
        this.streamedAnswer = true;
        this.out.write(event.text);
        break;
      case "final_answer":
        if (!this.streamedAnswer) this.out.write(`${this.cyan("answer")} ${event.answer}\n`);
        this.out.write(
          `${this.dim(`answered by ${event.provider}/${event.model} on the ${event.tier} tier`)}${event.simulated ? this.yellow(" [SIMULATED model: local emulator]") : ""}\n`,
        );
        break;
      case "usage":
        this.out.write(
          `${this.cyan("usage")}  ${event.total.input} in + ${event.total.output} out tokens · cost ${usd(event.costUsd)} ` +
            `(premium alone ${usd(event.premiumOnlyCostUsd)}, saved ${usd(event.savingUsd)})\n`,
        );
        break;
    }
  }

  /** Closes an open text line. */
  finish(): void {
    if (this.inText) this.out.write("\n");
    this.inText = false;
  }
}

/** Writes one JSON object per line. */
export function renderJson(out: Output, event: Record<string, unknown> | StepEvent): void {
  out.write(`${JSON.stringify(event)}\n`);
}
