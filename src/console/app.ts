/**
 * The run console's script: runs tasks over `POST /api/runs/stream`, renders the step events
 * exactly as the API streams them, answers approvals through the resume endpoint, and lists
 * the recent threads. Server data is only ever set as text, never as markup. The API key, when
 * the server asks for one, lives in a variable of this page and goes only into the
 * `x-api-key` header.
 */
import { createParser } from "eventsource-parser";
import type { ApprovalRequiredEvent, PlanCreatedEvent, StepEvent, SubtaskFinishedEvent, SubtaskStartedEvent, UsageEvent } from "../../graphs/orchestrator/events.js";

let apiKey = "";
let threadId: string | undefined;
let busy = false;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
};
const usd = (n: number) => `$${n < 0.01 ? n.toFixed(6) : n.toFixed(4)}`;
const agentLabel = (e: { agent: string; tier: string }) => (e.agent === `${e.tier}_agent` ? `${e.tier} agent` : `${e.agent} agent (${e.tier})`);
const short = (v: unknown, max = 300) => {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

/** A request to this server, with the key when one was given. */
async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (apiKey) headers.set("x-api-key", apiKey);
  if (init.body) headers.set("content-type", "application/json");
  const res = await fetch(path, { ...init, headers });
  if (res.status === 401) askForKey("This server needs its API key.");
  return res;
}

function askForKey(message: string): void {
  $("key-form").hidden = false;
  $("key-status").textContent = message;
  $<HTMLButtonElement>("run").disabled = true;
}

/** One line in the step list. */
function step(kind: string, text: string, className?: string): HTMLLIElement {
  const li = el("li", undefined, className);
  li.append(el("span", kind, "kind"), document.createTextNode(text));
  $("steps").append(li);
  return li;
}

/** The answer being streamed; a discarded attempt's text is struck through and kept apart. */
let draft: HTMLSpanElement | undefined;
function answerText(text: string): void {
  if (!draft) {
    draft = el("span");
    $("answer").append(draft);
  }
  draft.textContent += text;
}

const planRows = new Map<string, HTMLLIElement>();
function renderPlan(e: PlanCreatedEvent): void {
  const list = $("plan-tree");
  list.replaceChildren();
  planRows.clear();
  list.hidden = false;
  for (const s of e.subtasks) {
    const li = el("li");
    li.dataset.state = "waiting";
    li.append(el("span", "○ waiting", "state"), document.createTextNode(` ${s.id}: ${s.task}`));
    planRows.set(s.id, li);
    list.append(li);
  }
  step("plan", `${e.subtasks.length} subtask${e.subtasks.length === 1 ? "" : "s"}, up to ${e.maxParallel} at once (planner on ${e.tier})${e.note ? ` · ${e.note}` : ""}`);
}

function updatePlan(e: SubtaskStartedEvent | SubtaskFinishedEvent): void {
  const row = planRows.get(e.subtaskId);
  const state = row?.querySelector(".state");
  if (!row || !state) return;
  if (e.type === "subtask_started") {
    row.dataset.state = "running";
    state.textContent = `▶ running · ${agentLabel(e)}`;
  } else {
    row.dataset.state = e.ok ? "done" : "failed";
    state.className = `state ${e.ok ? "state-done" : "state-failed"}`;
    state.textContent = e.ok ? `✓ done · ${e.tier} · ${usd(e.usage.costUsd)}` : `✗ FAILED · ${e.error ?? e.kind ?? ""}`;
  }
}

function renderUsage(e: UsageEvent): void {
  const table = $<HTMLTableElement>("usage");
  table.hidden = false;
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const [tier, u] of Object.entries(e.perTier)) {
    if (!u) continue;
    const tr = el("tr");
    tr.append(el("td", tier), el("td", String(u.input)), el("td", String(u.output)), el("td", u.unknown.length ? `${usd(u.costUsd)} (usage not reported by ${u.unknown.join(", ")})` : usd(u.costUsd)));
    body.append(tr);
  }
  const foot = table.tFoot!;
  foot.replaceChildren();
  const total = el("tr");
  const premium = e.premiumOnlyCostUsd === null ? "premium alone: no known price" : `premium alone ${usd(e.premiumOnlyCostUsd)}`;
  const saved = e.savingUsd === null ? "" : ` · saved ${usd(e.savingUsd)}`;
  const unpriced = e.unpriced.length ? ` · no known price for ${e.unpriced.join(", ")}` : "";
  total.append(el("th", "total"), el("td", String(e.total.input)), el("td", String(e.total.output)), el("td", `${usd(e.costUsd)} · ${premium}${saved}${unpriced}`));
  const thread = el("tr");
  thread.append(el("th", "thread so far"), el("td", String(e.thread.total.input)), el("td", String(e.thread.total.output)), el("td", usd(e.thread.costUsd)));
  foot.append(total, thread);
}

/** Shows a waiting tool call with a button per allowed decision. */
function renderApproval(e: ApprovalRequiredEvent): void {
  const box = el("div", undefined, "request");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", `Approval for ${e.tool}`);
  box.append(el("p", `The ${agentLabel(e)} wants to run ${e.tool}${e.subtaskId ? ` (subtask ${e.subtaskId})` : ""}.`));
  const argsId = `args-${e.callId}`;
  const argsLabel = el("label", "Arguments (JSON; change them and press Edit to run with new ones)");
  argsLabel.htmlFor = argsId;
  const args = el("textarea");
  args.id = argsId;
  args.rows = 3;
  args.value = JSON.stringify(e.args, null, 2);
  args.readOnly = !e.allowedDecisions.includes("edit");
  const reasonId = `reason-${e.callId}`;
  const reasonLabel = el("label", "Reason, for a rejection (the model is told)");
  reasonLabel.htmlFor = reasonId;
  const reason = el("input");
  reason.id = reasonId;
  box.append(argsLabel, args);
  if (e.allowedDecisions.includes("reject")) box.append(reasonLabel, reason);
  const buttons = el("div", undefined, "actions");
  for (const decision of e.allowedDecisions) {
    const b = el("button", decision[0].toUpperCase() + decision.slice(1));
    b.type = "button";
    b.addEventListener("click", () => {
      let body: Record<string, unknown> = { decision };
      if (decision === "edit") {
        try {
          body = { decision, args: JSON.parse(args.value) as unknown };
        } catch {
          box.append(el("p", "The arguments must be valid JSON.", "error"));
          return;
        }
      }
      if (decision === "reject" && reason.value.trim()) body.reason = reason.value.trim();
      $("approvals").replaceChildren();
      void stream(`/api/threads/${encodeURIComponent(e.threadId)}/resume/stream`, body);
    });
    buttons.append(b);
  }
  box.append(buttons);
  $("approvals").append(box);
}

/** Renders one step event (the same ones `streamSteps` yields). */
function render(e: StepEvent | { type: "run_started"; threadId: string; simulated: boolean } | { type: "error"; message: string } | { type: "end" }): void {
  const inSubtask = "subtaskId" in e && typeof e.subtaskId === "string" ? `[${e.subtaskId}] ` : "";
  switch (e.type) {
    case "run_started":
      threadId = e.threadId;
      $("thread-label").textContent = `thread ${e.threadId}`;
      if (e.simulated) $("banner").hidden = false;
      break;
    case "route_decided":
      step("route", `${e.tier}${e.agent === `${e.tier}_agent` ? "" : ` · ${e.agent}`} via ${e.source} (${e.reason}) · model ${e.model}`);
      break;
    case "agent_started":
      step("agent", `${inSubtask}${agentLabel(e)} started · ${e.model} · ${e.maxSteps > 0 ? `up to ${e.maxSteps} steps` : "no step limit"} · tools: ${e.tools.join(", ") || "none"}`);
      break;
    case "tool_call":
      step("tool", `${inSubtask}${e.name}(${short(e.args)})${e.source !== "builtin" ? ` · ${e.source}` : ""}`);
      break;
    case "tool_result":
      step("→", `${inSubtask}${short(e.content)}`, e.isError ? "error" : undefined);
      break;
    case "token":
      if (!e.subtaskId) answerText(e.text);
      break;
    case "attempt_discarded":
      if (!inSubtask && draft) {
        draft.className = "discarded";
        draft.prepend(el("span", "discarded: ", "label"));
        draft = undefined;
      }
      step("discarded", `${inSubtask}the ${e.tier} attempt's text (${e.provider}): ${e.reason}`);
      break;
    case "escalation":
      step("escalate", `${inSubtask}${e.from} → ${e.to}: ${e.reason}`);
      break;
    case "approval_required":
      step("approval", `${inSubtask}${e.tool}(${short(e.args)}) waits for a decision: ${e.allowedDecisions.join(", ")}`);
      renderApproval(e);
      break;
    case "interrupted":
      step("paused", `${inSubtask}the ${agentLabel(e)} waits for input`);
      break;
    case "plan_created":
      renderPlan(e);
      break;
    case "subtask_started":
    case "subtask_finished":
      updatePlan(e);
      break;
    case "final_answer":
      if (!draft || !draft.textContent) answerText(e.answer);
      step("answer", `${e.agent === "synthesizer" ? "combined by the synthesizer" : `answered by ${e.provider}/${e.model}`} on the ${e.tier} tier${e.simulated ? " [SIMULATED model]" : ""}`);
      break;
    case "usage":
      renderUsage(e);
      break;
    case "error":
      step("error", e.message, "error");
      break;
    case "end":
      break;
  }
}

/** POSTs `body` to an SSE endpoint and renders its events until the stream ends. */
async function stream(path: string, body: Record<string, unknown>): Promise<void> {
  busy = true;
  $<HTMLButtonElement>("run").disabled = true;
  draft = undefined;
  try {
    const res = await api(path, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok || !res.body) {
      const problem = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
      step("error", problem.error?.message ?? `The server answered ${res.status}.`, "error");
      return;
    }
    // The event name is the type: run_started, end and error carry no `type` field of their own.
    const parser = createParser({ onEvent: (m) => render({ ...(JSON.parse(m.data) as object), type: m.event ?? "message" } as StepEvent) });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  } catch (err) {
    step("error", `The connection failed: ${err instanceof Error ? err.message : String(err)}`, "error");
  } finally {
    busy = false;
    $<HTMLButtonElement>("run").disabled = $("key-form").hidden === false && !apiKey;
    void refreshThreads();
    if (threadId) void showHistory(threadId);
  }
}

async function refreshThreads(): Promise<void> {
  const res = await api("/api/threads?limit=20");
  if (!res.ok) return;
  const { threads } = (await res.json()) as { threads: { threadId: string; title: string; updatedAt: string }[] };
  const list = $("thread-list");
  list.replaceChildren();
  for (const t of threads) {
    const li = el("li");
    const b = el("button", `${t.title || "(no text)"} · ${new Date(t.updatedAt).toLocaleString()}`);
    b.type = "button";
    b.addEventListener("click", () => {
      threadId = t.threadId;
      $("thread-label").textContent = `thread ${t.threadId}`;
      void showHistory(t.threadId);
    });
    li.append(b);
    list.append(li);
  }
}

async function showHistory(id: string): Promise<void> {
  const res = await api(`/api/threads/${encodeURIComponent(id)}`);
  const list = $("history");
  list.replaceChildren();
  if (!res.ok) return;
  const thread = (await res.json()) as { messages: { role: string; content: string; toolCalls?: { name: string }[] }[]; pendingApprovals: ApprovalRequiredEvent[] };
  for (const m of thread.messages) list.append(el("li", `${m.role}: ${m.content || (m.toolCalls ? `[calls ${m.toolCalls.map((c) => c.name).join(", ")}]` : "")}`));
  // A thread that waits (say, after a reload) can be decided from here too.
  if (!busy && thread.pendingApprovals.length > 0 && $("approvals").childElementCount === 0) {
    for (const p of thread.pendingApprovals) renderApproval({ ...p, threadId: id } as ApprovalRequiredEvent);
  }
}

function startRun(event: SubmitEvent): void {
  event.preventDefault();
  if (busy) return;
  const task = $<HTMLTextAreaElement>("task").value.trim();
  if (!task) return;
  $("steps").replaceChildren();
  $("answer").replaceChildren();
  $("approvals").replaceChildren();
  $("plan-tree").hidden = true;
  $("usage").hidden = true;
  const tier = $<HTMLSelectElement>("tier").value;
  const agent = $<HTMLInputElement>("agent").value.trim();
  const plan = $<HTMLInputElement>("plan-route").checked;
  void stream("/api/runs/stream", { task, ...(threadId ? { threadId } : {}), ...(tier ? { tier } : {}), ...(agent ? { agent } : {}), ...(plan ? { plan } : {}) });
}

async function start(): Promise<void> {
  $("task-form").addEventListener("submit", startRun);
  $("new-thread").addEventListener("click", () => {
    threadId = undefined;
    $("thread-label").textContent = "new thread";
    $("history").replaceChildren();
  });
  $("refresh").addEventListener("click", () => void refreshThreads());
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    apiKey = $<HTMLInputElement>("api-key").value;
    $<HTMLInputElement>("api-key").value = "";
    void api("/api/threads?limit=1").then((res) => {
      if (res.ok) {
        $("key-form").hidden = true;
        $<HTMLButtonElement>("run").disabled = false;
        void refreshThreads();
      } else {
        apiKey = "";
        askForKey("That key was refused.");
      }
    });
  });
  const ready = await fetch("/readyz").then((r) => r.json() as Promise<{ simulated?: boolean }>, () => ({ simulated: false }));
  if (ready.simulated) $("banner").hidden = false;
  await refreshThreads();
}

void start();
