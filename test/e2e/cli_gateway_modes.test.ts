/**
 * The CLI against gateways that do not stream: one that answers JSON to streaming requests, and
 * AI_GATEWAY_STREAMING=false, which asks for JSON on every call. Both complete a run; `--header`
 * reaches the gateway on every call of it. The emulators run in this process, so the headers
 * that arrived can be read back.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { offlineEnv, runCli } from "../helpers/cli.js";
import { emulator } from "../helpers/gateway.js";

const dir = mkdtempSync(join(tmpdir(), "cli-modes-"));
let noSse: EmulatorHandle;
let plain: EmulatorHandle;
beforeAll(async () => {
  [noSse, plain] = await Promise.all([emulator({ sse: false }), emulator()]);
});
afterAll(async () => {
  await Promise.all([noSse?.close(), plain?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const envFor = (emu: EmulatorHandle, extra: Record<string, string> = {}) =>
  offlineEnv({
    CHECKPOINT_SQLITE_PATH: join(dir, `${Math.random().toString(36).slice(2)}.sqlite`),
    AI_GATEWAY_BASE_URL: emu.baseUrl,
    AI_GATEWAY_CLIENT_ID: emu.clientId,
    AI_GATEWAY_CLIENT_SECRET: emu.clientSecret,
    ...extra,
  });

type JsonEvent = { type: string; [k: string]: unknown };
const eventsOf = (stdout: string) => stdout.trim().split("\n").map((line) => JSON.parse(line) as JsonEvent);
const chatCalls = (emu: EmulatorHandle) => emu.requests().filter((r) => r.path === "/v1/chat/completions");

describe("npm start against a gateway without SSE", () => {
  it("a gateway that answers JSON to streaming requests completes a run, with --header on every call", async () => {
    const { code, stdout, stderr } = await runCli(["--json", "-H", "x-end-user=alice", "--header", "X-Cost-Center=cc-42", "What is 12.5% of 3,480?"], envFor(noSse));
    expect(stderr).not.toMatch(/not valid server-sent events/);
    expect(code).toBe(0);
    const events = eventsOf(stdout);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["route_decided", "agent_started", "tool_call", "tool_result", "token", "final_answer", "usage", "run_finished"]));
    expect(String(events.find((e) => e.type === "final_answer")?.answer)).toContain("435");
    const calls = chatCalls(noSse);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    // The CLI asked for streams; the gateway answered JSON each time.
    expect(calls.every((c) => c.headers.accept === "text/event-stream")).toBe(true);
    expect(calls.every((c) => c.headers["x-end-user"] === "alice" && c.headers["x-cost-center"] === "cc-42")).toBe(true);
  }, 90_000);

  it("AI_GATEWAY_STREAMING=false runs end to end on plain JSON requests; tokens come as one chunk", async () => {
    const { code, stdout } = await runCli(["--json", "What is 12.5% of 3,480?"], envFor(plain, { AI_GATEWAY_STREAMING: "false" }));
    expect(code).toBe(0);
    const events = eventsOf(stdout);
    const final = events.find((e) => e.type === "final_answer");
    expect(String(final?.answer)).toContain("435");
    const tokens = events.filter((e) => e.type === "token");
    expect(tokens).toHaveLength(1);
    expect(tokens[0].text).toBe(final?.answer);
    const calls = chatCalls(plain);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.every((c) => c.headers.accept === "application/json")).toBe(true);
  }, 90_000);

  it("a bad --header is a usage error (exit 2) and nothing is sent", async () => {
    const before = plain.stats().chatRequests;
    const { code, stderr } = await runCli(["-H", "host=evil.example", "hi"], envFor(plain));
    expect(code).toBe(2);
    expect(stderr).toMatch(/host header is set by the client itself/);
    expect(plain.stats().chatRequests).toBe(before);
  }, 90_000);
});
