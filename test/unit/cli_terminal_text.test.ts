import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { StepEvent } from "../../graphs/orchestrator/events.js";
import { createCheckpointer } from "../../graphs/persistence.js";
import { askDecisions } from "../../src/cli/approval_prompt.js";
import { historyCommand } from "../../src/cli/commands.js";
import { LinePrompt } from "../../src/cli/prompt.js";
import { HumanRenderer } from "../../src/cli/render.js";
import { terminalText } from "../../src/cli/terminal_text.js";

/** Sequences a hostile message carries: set the window title (OSC, BEL- and ST-ended), clear the screen, a C1 CSI, a bell, a lone CR. */
const HOSTILE = "\u001b]0;pwned\u0007\u001b]8;;http://x\u001b\\link\u001b[2J\u001b[Hhello\u009b31m\u0007 world\rover";

/** True when `s` holds anything a terminal acts on other than a newline or a tab. */
const hasControl = (s: string) => /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(s);

describe("terminalText", () => {
  it("removes escape sequences and shows other control characters, keeping newlines and tabs", () => {
    const out = terminalText(HOSTILE);
    expect(hasControl(out)).toBe(false);
    expect(out).toBe("linkhello world\\x0dover");
    expect(terminalText("a\tb\r\nc\n")).toBe("a\tb\nc\n");
    expect(terminalText("ring\u0007")).toBe("ring\\x07");
    // An OSC that never ends does not swallow the text after it.
    expect(hasControl(terminalText("\u001b]0;title never ends, but this text is read"))).toBe(false);
    expect(terminalText("\u001b]0;title never ends, but this text is read")).toContain("this text is read");
  });
});

describe("HumanRenderer with hostile text", () => {
  const events: StepEvent[] = [
    { type: "tool_call", source: `mcp:${HOSTILE}`, id: "c1", name: `calc${HOSTILE}`, args: { expression: HOSTILE }, tier: "fast", agent: "fast_agent" },
    { type: "tool_result", source: "builtin", id: "c1", name: "calc", content: HOSTILE, isError: false, tier: "fast", agent: "fast_agent" },
    // A class instance in an interrupt's value is printed as JSON, which leaves C1 controls raw.
    { type: "interrupted", tier: "fast", agent: "fast_agent", interrupts: [{ id: "i1", value: new (class Question { text = HOSTILE })() }] },
    { type: "token", text: HOSTILE, tier: "fast", agent: "fast_agent" },
    { type: "final_answer", tier: "fast", agent: "fast_agent", answer: HOSTILE, provider: "gateway", model: "m", simulated: false },
  ];

  it("prints no control sequence from models or tools (plain output)", () => {
    let out = "";
    const r = new HumanRenderer({ write: (s) => void (out += s) }, false);
    for (const e of events) r.render(e);
    r.finish();
    expect(out).toContain("linkhello");
    expect(hasControl(out)).toBe(false);
  });

  it("prints only its own colour codes on a terminal", () => {
    let out = "";
    const r = new HumanRenderer({ write: (s) => void (out += s), columns: 80 }, true);
    for (const e of events) r.render(e);
    r.finish();
    // What is left once the renderer's own SGR colour codes are taken out.
    expect(hasControl(out.replace(/\u001b\[[\d;]*m/g, ""))).toBe(false);
  });
});

describe("the approval prompt with a hostile tool call", () => {
  it("asks about the call with its name and arguments cleaned", async () => {
    const input = new PassThrough();
    const questions = new PassThrough();
    let asked = "";
    questions.on("data", (d: Buffer) => (asked += d.toString()));
    const prompt = new LinePrompt(input, questions);
    input.end("e\n\n");
    const call = { type: "approval_required" as const, threadId: "t", tier: "fast" as const, agent: "fast_agent", callId: "c1", tool: `calc${HOSTILE}`, args: { expression: HOSTILE }, allowedDecisions: ["approve" as const, "edit" as const] };
    const decisions = await askDecisions(prompt, [call], { write: () => undefined });
    prompt.close();
    // The answer keeps the arguments as they were; only what is shown is cleaned.
    expect(decisions).toEqual([{ decision: "edit", args: { expression: HOSTILE } }]);
    expect(asked).toContain("linkhello world");
    expect(hasControl(asked)).toBe(false);
  });
});

describe("history with hostile stored messages", () => {
  const dir = mkdtempSync(join(tmpdir(), "cli-history-"));
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints stored text without its escape sequences, and --json stays exact JSON", async () => {
    vi.stubEnv("CHECKPOINT_SQLITE_PATH", join(dir, "checkpoints.sqlite"));
    vi.stubEnv("DATABASE_URL", "");
    const persistence = await createCheckpointer();
    try {
      const graph = new StateGraph(MessagesAnnotation)
        .addNode("store", () => ({ messages: [new AIMessage(HOSTILE), new ToolMessage({ content: HOSTILE, tool_call_id: "c1" })] }))
        .addEdge(START, "store")
        .addEdge("store", END)
        .compile({ checkpointer: persistence.checkpointer });
      await graph.invoke({ messages: [new HumanMessage(HOSTILE)] }, { configurable: { thread_id: "hostile" } });
    } finally {
      await persistence.close();
    }
    const run = async (json: boolean) => {
      let stdout = "";
      let stderr = "";
      const io = { stdout: { write: (s: string) => void (stdout += s) }, stderr: { write: (s: string) => void (stderr += s) }, colors: false, signal: new AbortController().signal };
      const code = await historyCommand("hostile", { json }, io);
      return { code, stdout, stderr };
    };
    const human = await run(false);
    expect(human.code).toBe(0);
    expect(human.stdout.split("\n").filter((l) => /^(human|ai|tool) /.test(l))).toEqual([
      "human  linkhello world\\x0dover",
      "ai     linkhello world\\x0dover",
      "tool   linkhello world\\x0dover",
    ]);
    expect(hasControl(human.stdout)).toBe(false);
    const json = await run(true);
    const messages = json.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; content?: string }).filter((m) => m.type === "message");
    // JSON escapes control characters itself, and a script reading it gets the text as stored.
    expect(messages.map((m) => m.content)).toEqual([HOSTILE, HOSTILE, HOSTILE]);
  });
});
