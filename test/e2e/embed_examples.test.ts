/**
 * The embedding examples of docs/embedding.md, as a reader runs them: the Express and Fastify apps
 * listen on a free port and serve a run over HTTP; the Next.js route handler is called with a
 * `Request`. Each answers offline on the emulator, and a second tenant cannot read or continue
 * the first one's thread.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../examples/express/app.js";
import { buildApp } from "../../examples/fastify/app.js";
import { POST } from "../../examples/nextjs/app/api/run/route.js";
import { closeOrchestrator } from "../../examples/nextjs/lib/orchestrator.js";

const data = mkdtempSync(join(tmpdir(), "embed-examples-"));
const saved = { ...process.env };

beforeAll(() => {
  // Offline (the emulator answers) and a store of this file's own.
  for (const key of Object.keys(process.env)) if (/^(AI_GATEWAY_|OPENAI_|ANTHROPIC_|GOOGLE_|OLLAMA_|DATABASE_URL|TIERS_CONFIG|OTEL_|LANGSMITH_)/.test(key)) delete process.env[key];
  process.env.CHECKPOINT_SQLITE_PATH = join(data, "checkpoints.sqlite");
  process.env.LOG_LEVEL = "silent";
});

afterAll(() => {
  process.env = saved;
  rmSync(data, { recursive: true, force: true });
});

interface RunBody {
  threadId: string;
  answer: string;
  simulated: boolean;
  steps: { type: string; name?: string }[];
}

/** What every example must do, given a way to send (method, path, body, tenant) to it. */
function servesRunsPerTenant(send: (method: "GET" | "POST", path: string, tenant: string, body?: unknown) => Promise<Response>) {
  it("answers a task with its answer and steps, and keeps the thread for its tenant", async () => {
    const res = await send("POST", "/runs", "acme", { task: "What is 12.5% of 3,480?" });
    expect(res.status).toBe(200);
    const run = (await res.json()) as RunBody;
    expect(run.answer).toContain("435");
    expect(run.simulated).toBe(true);
    expect(run.steps.map((s) => s.type)).toEqual(expect.arrayContaining(["route_decided", "tool_call", "final_answer", "usage"]));
    expect(run.steps.find((s) => s.type === "tool_call")?.name).toBe("calculator");

    const thread = await send("GET", `/threads/${run.threadId}`, "acme");
    expect(thread.status).toBe(200);
    const { messages } = (await thread.json()) as { messages: { role: string; text: string }[] };
    expect(messages[0]).toEqual({ role: "human", text: "What is 12.5% of 3,480?" });

    // Another tenant gets the answer of a thread that does not exist, for reading and continuing.
    const read = await send("GET", `/threads/${run.threadId}`, "globex");
    expect(read.status).toBe(404);
    expect(await read.json()).toMatchObject({ code: "thread_not_found" });
    const cont = await send("POST", "/runs", "globex", { task: "And 10% of that?", threadId: run.threadId });
    expect(cont.status).toBe(404);
    expect(await cont.json()).toMatchObject({ code: "thread_not_found" });
  });

  it("refuses a run without a task with 400", async () => {
    const res = await send("POST", "/runs", "acme", {});
    expect(res.status).toBe(400);
  });
}

/** A sender for an app listening at `base`. */
const overHttp = (base: () => string) => (method: "GET" | "POST", path: string, tenant: string, body?: unknown) =>
  fetch(`${base()}${path}`, { method, headers: { "x-tenant": tenant, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });

describe("examples/express", () => {
  let url = "";
  let stop: () => Promise<void>;
  beforeAll(async () => {
    const { app, close } = await createApp();
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    stop = async () => {
      await new Promise((resolve) => server.close(resolve));
      await close();
    };
  });
  afterAll(() => stop?.());
  servesRunsPerTenant(overHttp(() => url));
});

describe("examples/fastify", () => {
  let url = "";
  let stop: () => Promise<void>;
  beforeAll(async () => {
    const app = await buildApp();
    url = await app.listen({ port: 0, host: "127.0.0.1" });
    stop = () => app.close();
  });
  afterAll(() => stop?.());
  servesRunsPerTenant(overHttp(() => url));
});

describe("examples/nextjs route handler", () => {
  afterAll(() => closeOrchestrator());
  // The handler serves POST /api/run only; reading a thread is not part of it, so continuing one stands in.
  it("answers a task, and another tenant cannot continue its thread", async () => {
    const post = (tenant: string, body: unknown) =>
      POST(new Request("http://localhost/api/run", { method: "POST", headers: { "content-type": "application/json", "x-tenant": tenant }, body: JSON.stringify(body) }));
    const res = await post("acme", { task: "What is 12.5% of 3,480?" });
    expect(res.status).toBe(200);
    const run = (await res.json()) as RunBody;
    expect(run.answer).toContain("435");
    expect(run.simulated).toBe(true);
    expect(run.steps.some((s) => s.type === "tool_call" && s.name === "calculator")).toBe(true);

    const again = await post("acme", { task: "And 10% of that?", threadId: run.threadId });
    expect(again.status).toBe(200);
    const other = await post("globex", { task: "And 10% of that?", threadId: run.threadId });
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ code: "thread_not_found" });
    expect((await post("acme", { task: "  " })).status).toBe(400);
  });
});
