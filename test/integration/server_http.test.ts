import { join } from "node:path";
import { MemorySaver } from "@langchain/langgraph";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { emulator, silentLogger } from "../helpers/gateway.js";
import { captureLogger, tempDir } from "./server_helpers.js";

const tmp = tempDir();
let server: RunningServer;

beforeAll(async () => {
  // Nothing configured: the emulator-backed runtime, over a real socket on an ephemeral port.
  server = await startServer({
    env: { CONFIG_STORE_PATH: join(tmp.dir, "providers.json"), SERVER_BODY_LIMIT_BYTES: "1024" },
    port: 0,
    host: "127.0.0.1",
    logger: silentLogger,
    checkpointer: new MemorySaver(),
  });
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

const post = (url: string, body: unknown, base = server.url) =>
  request(`${base}${url}`, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });

/** Reads a whole SSE response with a real client and parses every event. */
async function readEvents(body: AsyncIterable<Buffer>): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const events: { event: string; data: Record<string, unknown> }[] = [];
  const parser = createParser({ onEvent: (e: EventSourceMessage) => events.push({ event: e.event ?? "message", data: JSON.parse(e.data) as Record<string, unknown> }) });
  const decoder = new TextDecoder();
  for await (const chunk of body) parser.feed(decoder.decode(chunk, { stream: true }));
  return events;
}

describe("over real HTTP", () => {
  it("serves liveness, JSON errors, 404 and 413 on a real socket", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await request(`${server.url}/healthz`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toEqual({ status: "ok" });
    const missing = await request(`${server.url}/nope`);
    expect(missing.statusCode).toBe(404);
    expect(((await missing.body.json()) as { error: { code: string } }).error.code).toBe("not_found");
    const big = await post("/api/runs", { task: "y".repeat(5_000) });
    expect(big.statusCode).toBe(413);
    expect(((await big.body.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    const bad = await post("/api/runs", "{nope");
    expect(bad.statusCode).toBe(400);
    expect(((await bad.body.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
  });

  it("streams the typed step events as SSE to the final event", async () => {
    const res = await post("/api/runs/stream", { task: "What is 12.5% of 3,480?" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
    const events = await readEvents(res.body);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe("run_started");
    expect(names.at(-1)).toBe("end");
    expect(names).not.toContain("error");
    const at = (n: string) => names.indexOf(n);
    expect(at("route_decided")).toBeGreaterThan(0);
    expect(at("tool_call")).toBeGreaterThan(at("route_decided"));
    expect(at("tool_result")).toBeGreaterThan(at("tool_call"));
    expect(at("final_answer")).toBeGreaterThan(at("tool_result"));
    expect(names).toContain("token");
    // Each event's data is the typed event itself.
    for (const e of events.filter((x) => !["run_started", "end"].includes(x.event))) expect(e.data.type).toBe(e.event);
    expect(events[at("tool_call")].data).toMatchObject({ name: "calculator" });
    expect(events[at("final_answer")].data).toMatchObject({ simulated: true });
    expect(String(events[at("final_answer")].data.answer)).toContain("435");
    expect(events[0].data.threadId).toBe(res.headers["x-thread-id"]);
    expect(events.at(-1)!.data).toMatchObject({ threadId: res.headers["x-thread-id"] });

    // The streamed run was stored under its thread.
    const thread = await request(`${server.url}/api/threads/${String(res.headers["x-thread-id"])}`);
    expect(thread.statusCode).toBe(200);
  });

  it("answers a bad stream request with JSON, not SSE", async () => {
    const res = await post("/api/runs/stream", { task: "" });
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toMatch(/application\/json/);
    expect(((await res.body.json()) as { error: { fields: { path: string }[] } }).error.fields[0].path).toBe("task");
  });
});

describe("streamed runs against a slow or failing gateway", () => {
  let emu: EmulatorHandle;
  let registry: ProviderRegistry;
  let slow: RunningServer;
  const captured = captureLogger("info");
  const d = tempDir();

  beforeAll(async () => {
    emu = await emulator({ latency: { perTokenMs: 40 } });
    registry = await ProviderRegistry.create({
      env: { AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret, AI_GATEWAY_MAX_RETRIES: "0" },
      logger: silentLogger,
    });
    slow = await startServer({
      env: { CONFIG_STORE_PATH: join(d.dir, "providers.json") },
      port: 0,
      host: "127.0.0.1",
      registry,
      logger: captured.logger,
      checkpointer: new MemorySaver(),
    });
  });
  afterAll(async () => {
    await slow.close();
    await registry.close();
    await emu.close();
    d.cleanup();
  });

  it("aborts the run when the client disconnects", async () => {
    const res = await post("/api/runs/stream", { task: "Write a long essay about message queues and their history", tier: "premium" }, slow.url);
    expect(res.statusCode).toBe(200);
    const decoder = new TextDecoder();
    let seen = "";
    for await (const chunk of res.body) {
      seen += decoder.decode(chunk as Buffer, { stream: true });
      if (seen.includes("event: token")) break;
    }
    // Leaving the loop destroys the body: the client is gone mid-answer.
    res.body.destroy();
    const deadline = Date.now() + 5_000;
    while (emu.stats().clientAbortedStreams === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(emu.stats().clientAbortedStreams).toBe(1);
    while (!captured.lines.join("").includes("streamed run aborted") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(captured.lines.join("")).toContain("streamed run aborted: the client disconnected");
  });

  it("ends with an error event, then end, when every tier fails (no upstream text)", async () => {
    for (let i = 0; i < 6; i++) emu.enqueueFault("500");
    const res = await post("/api/runs/stream", { task: "What is 2 + 2?" }, slow.url);
    const events = await readEvents(res.body);
    const names = events.map((e) => e.event);
    expect(names).toContain("escalation");
    expect(names.slice(-2)).toEqual(["error", "end"]);
    // The typed failure and the project's own message; the emulator's error body stays out.
    expect(events.at(-2)!.data).toMatchObject({ code: "run_failed", failure: { kind: "server_error", status: 500, provider: "gateway", tier: "premium" } });
    expect(JSON.stringify(events.at(-2)!.data)).not.toMatch(/simulated by the AI-gateway emulator|processing your request/i);
  });
});
