/**
 * `npm run studio` end to end: starts the LangGraph dev server (scripts/studio.mjs) on a free
 * port against the real langgraph.json and drives the orchestrator through its HTTP API, the
 * way LangGraph Studio does. No provider is configured, so the graph uses the local emulator.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envSchema } from "../../src/config/index.js";
import { freePort } from "../helpers/postgres.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
let server: ChildProcess | undefined;
let baseUrl = "";
let output = "";

/** One server-sent event of a run stream. */
interface StreamEvent {
  event: string;
  data: unknown;
}

/**
 * Environment for the server: every project variable set to blank, so neither the caller's
 * environment nor a developer's .env (which the CLI loads, without overriding set variables)
 * can point the graph at a real gateway or provider.
 */
function isolatedEnv(port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(envSchema.shape)) env[name] = "";
  for (const name of ["LANGSMITH_API_KEY", "LANGCHAIN_API_KEY", "LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2"]) delete env[name];
  return { ...env, STUDIO_PORT: String(port), STUDIO_HOST: "127.0.0.1", LOG_LEVEL: "warn", NODE_ENV: "development" };
}

async function waitForServer(deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (server?.exitCode !== null) throw new Error(`langgraph dev exited early (code ${server?.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${baseUrl}/ok`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`langgraph dev did not answer GET /ok within ${deadlineMs} ms:\n${output.slice(-4000)}`);
}

async function api<T>(method: "GET" | "POST", path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Splits an SSE body into events; `data` is parsed as JSON. */
function parseSse(body: string): StreamEvent[] {
  return body
    .split(/\r?\n\r?\n/)
    .map((block) => {
      let event = "message";
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      return data.length > 0 ? { event, data: JSON.parse(data.join("\n")) as unknown } : undefined;
    })
    .filter((e): e is StreamEvent => e !== undefined);
}

/** Stops the CLI and every process it started (the server and its tsx watcher). */
async function stopServer(): Promise<void> {
  const child = server;
  if (!child?.pid || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  killGroup("SIGTERM");
  const timer = setTimeout(() => killGroup("SIGKILL"), 3_000);
  await exited;
  clearTimeout(timer);
  // Workers that ignored SIGTERM go with the group too.
  killGroup("SIGKILL");
}

beforeAll(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  // detached: a process group of its own, so the whole tree can be killed afterwards.
  server = spawn(process.execPath, ["scripts/studio.mjs", "--no-reload"], {
    cwd: root,
    env: isolatedEnv(port),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  server.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  await waitForServer(45_000);
}, 60_000);

afterAll(async () => {
  await stopServer();
}, 15_000);

describe("langgraph dev with langgraph.json", () => {
  let assistantId = "";

  it("lists the orchestrator assistant", async () => {
    const assistants = await api<{ assistant_id: string; graph_id: string; name: string }[]>("POST", "/assistants/search", {
      graph_id: "orchestrator",
      limit: 10,
    });
    const orchestrator = assistants.find((a) => a.graph_id === "orchestrator");
    expect(orchestrator, output.slice(-2000)).toBeDefined();
    assistantId = orchestrator!.assistant_id;
  });

  it("serves input and context schemas; the context carries tier and routingMode", async () => {
    // The first call may run the TypeScript schema extractor, which takes a while.
    const schemas = await api<{
      input_schema?: { properties?: Record<string, unknown> };
      context_schema?: { properties?: Record<string, { enum?: string[] }> };
    }>("GET", `/assistants/${assistantId}/schemas`, undefined, 60_000);
    // langgraph-api 1.5.1 reads schemas from zod at run time; with an Annotation state and a zod
    // context it finds only the context. A zod `input` schema on the StateGraph fixes that.
    expect(schemas.input_schema, "input_schema missing: give the orchestrator's StateGraph a zod `input` schema").toBeTruthy();
    expect(Object.keys(schemas.input_schema?.properties ?? {})).toContain("messages");
    expect(schemas.context_schema, "context_schema missing").toBeTruthy();
    const context = schemas.context_schema?.properties ?? {};
    expect(Object.keys(context)).toEqual(expect.arrayContaining(["tier", "routingMode"]));
    expect([...(context.tier?.enum ?? [])].sort()).toEqual(["fast", "premium", "standard"]);
  }, 70_000);

  it("streams a run to a final answer computed with the calculator", async () => {
    const thread = await api<{ thread_id: string }>("POST", "/threads", {});
    const res = await fetch(`${baseUrl}/threads/${thread.thread_id}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        assistant_id: assistantId,
        input: { messages: [{ role: "user", content: "What is 12.5% of 3,480?" }] },
        stream_mode: ["custom", "updates"],
      }),
      signal: AbortSignal.timeout(45_000),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const events = parseSse(await res.text()); // the body ends when the run ends

    const errors = events.filter((e) => e.event === "error");
    expect(errors, JSON.stringify(errors)).toEqual([]);
    expect(events.some((e) => e.event === "updates")).toBe(true);
    const custom = events.filter((e) => e.event === "custom").map((e) => e.data as Record<string, unknown>);
    const final = custom.find((d) => d.type === "final_answer");
    expect(final, JSON.stringify(custom).slice(0, 2000)).toBeDefined();
    expect(String(final!.answer)).toContain("435");
    // The emulator answered: the event must say the model is simulated.
    expect(final!.simulated).toBe(true);
  }, 60_000);
});
