import { describe, expect, it } from "vitest";
import { parseCliOptions } from "../../src/emulator/cli_options.js";
import { completionBody, completionChunks, fragments, withoutFinishReason } from "../../src/emulator/completion_format.js";
import { scriptProblem } from "../../src/emulator/control_plane.js";
import { FaultPlan, mulberry32 } from "../../src/emulator/faults.js";
import { simulateCompletion } from "../../src/emulator/simulated_model.js";
import { splitPoint } from "../../src/emulator/sse.js";
import { presentedCredentials, TokenStore } from "../../src/emulator/tokens.js";
import { DEFAULT_MODELS } from "../../src/emulator/types.js";
import { isReasoningModel, validateChatRequest } from "../../src/emulator/validation.js";

const models = new Set(DEFAULT_MODELS);
const messages = [{ role: "user", content: "hi" }];

describe("request validation", () => {
  it.each([
    ["gpt-5.1", true],
    ["gpt-5-mini", true],
    ["azure/gpt-5", true],
    ["gpt-5.1-chat-latest", false],
    ["o4-mini", true],
    ["o3", true],
    ["gpt-4.1", false],
    ["gpt-4o-mini", false],
  ])("isReasoningModel(%j) is %j", (model, expected) => {
    expect(isReasoningModel(model)).toBe(expected);
  });

  it.each([
    ["missing model", { messages }, 400, "missing_required_parameter", "model"],
    ["missing messages", { model: "gpt-4.1" }, 400, "missing_required_parameter", "messages"],
    ["unknown model", { model: "gpt-9", messages }, 404, "model_not_found", null],
    ["non-chat model", { model: "text-embedding-3-small", messages }, 404, null, "model"],
    ["max_tokens on gpt-5.1", { model: "gpt-5.1", messages, max_tokens: 10 }, 400, "unsupported_parameter", "max_tokens"],
    ["temperature on o4-mini", { model: "o4-mini", messages, temperature: 0.2 }, 400, "unsupported_value", "temperature"],
    ["json_object without the word json", { model: "gpt-4.1", messages, response_format: { type: "json_object" } }, 400, null, "messages"],
    ["unknown named tool", { model: "gpt-4.1", messages, tools: [], tool_choice: { type: "function", function: { name: "x" } } }, 400, "invalid_value", "tool_choice"],
  ])("%s", (_label, body, status, code, param) => {
    const result = validateChatRequest(body, models);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(status);
    expect(result.body.error.code).toBe(code);
    expect(result.body.error.param).toBe(param);
    expect(result.body.error.type).toBe("invalid_request_error");
  });

  it.each([
    { model: "gpt-5.1-chat-latest", messages, max_tokens: 10, temperature: 0.3 },
    { model: "gpt-5.1", messages, max_completion_tokens: 10, temperature: 1 },
    { model: "gpt-4.1", messages, max_tokens: 10, temperature: 0 },
    { model: "provider/gpt-4.1", messages },
  ])("accepts %j", (body) => {
    expect(validateChatRequest(body, models).ok).toBe(true);
  });
});

describe("fault plan", () => {
  it("mulberry32 replays the same sequence for a seed", () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const seqA = Array.from({ length: 5 }, a);
    expect(seqA).toEqual(Array.from({ length: 5 }, b));
    expect(seqA).not.toEqual(Array.from({ length: 5 }, c));
    for (const x of seqA) expect(x >= 0 && x < 1).toBe(true);
  });

  it("draws a reproducible mix of the configured kinds", () => {
    const draws = (seed: number) => {
      const plan = new FaultPlan({ faultRate: 0.5, faultSeed: seed, faultKinds: ["429", "500"] });
      return Array.from({ length: 40 }, () => plan.nextForChat(undefined)?.kind ?? "none");
    };
    const first = draws(3);
    expect(first).toEqual(draws(3));
    expect(new Set(first)).toEqual(new Set(["429", "500", "none"]));
  });

  it("prefers the header, then the FIFO queue; token faults go to token requests", () => {
    const plan = new FaultPlan();
    plan.enqueue("502");
    plan.enqueue("token-endpoint-down");
    plan.enqueue("429", { retryAfterMs: 5 });
    expect(plan.nextForChat("stall")?.kind).toBe("stall");
    expect(plan.nextForChat(undefined)?.kind).toBe("502");
    expect(plan.nextForChat(undefined)).toEqual({ kind: "429", retryAfterMs: 5 });
    expect(plan.nextForChat(undefined)).toBeUndefined();
    expect(plan.nextForToken(undefined)?.kind).toBe("token-endpoint-down");
    expect(plan.nextForToken(undefined)).toBeUndefined();
  });
});

describe("wire formatting", () => {
  const meta = { id: "chatcmpl-x", created: 1, model: "gpt-4.1" };

  it("streams one token per chunk and reassembles the content", () => {
    const result = simulateCompletion({ model: "gpt-4.1", messages: [{ role: "user", content: "héllo wörld ✓" }] });
    const plan = completionChunks(result, meta, true);
    expect(plan.role.choices[0].delta.role).toBe("assistant");
    const text = plan.deltas.map((c) => c.choices[0].delta.content ?? "").join("");
    expect(text).toBe(result.content);
    expect(plan.deltas).toHaveLength(result.usage.completion_tokens);
    expect(plan.deltas.at(-1)?.choices[0].finish_reason).toBe("stop");
    expect(plan.deltas.slice(0, -1).every((c) => c.choices[0].finish_reason === null)).toBe(true);
    expect(plan.usage?.choices).toEqual([]);
    expect(plan.usage?.usage).toEqual(result.usage);
    expect(withoutFinishReason(plan.deltas.at(-1)!).choices[0].finish_reason).toBeNull();
  });

  it("streams tool-call arguments in several fragments after an id/name fragment", () => {
    const args = JSON.stringify({ expression: "12.5 / 100 * 3480" });
    const result = { content: null, toolCalls: [{ id: "call_a", name: "calculator", arguments: args }], finishReason: "tool_calls" as const, usage: simulateCompletion({ model: "m", messages: [] }).usage };
    const plan = completionChunks(result, meta, false);
    const first = plan.deltas[0].choices[0].delta.tool_calls?.[0];
    expect(first).toEqual({ index: 0, id: "call_a", type: "function", function: { name: "calculator", arguments: "" } });
    const pieces = plan.deltas.slice(1).map((c) => c.choices[0].delta.tool_calls?.[0].function?.arguments ?? "");
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join("")).toBe(args);
    expect(plan.deltas.at(-1)?.choices[0].finish_reason).toBe("tool_calls");
    expect(plan.usage).toBeUndefined();
    expect(completionBody(result, meta).choices[0].message.tool_calls?.[0]).toEqual({ id: "call_a", type: "function", function: { name: "calculator", arguments: args } });
    expect(fragments("🎉🎉🎉", 2)).toEqual(["🎉🎉", "🎉"]);
  });

  it("splits an SSE event inside a multi-byte character", () => {
    const bytes = Buffer.from('data: {"content":"é"}\n\n');
    const cut = splitPoint(bytes);
    expect(bytes[cut - 1]).toBeGreaterThanOrEqual(0xc0);
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, cut))).toThrow();
    expect(splitPoint(Buffer.from("abcd"))).toBe(2);
  });
});

describe("token endpoint helpers", () => {
  it("decodes client_secret_basic with RFC 6749 form-encoding, and client_secret_post", () => {
    const basic = Buffer.from(`${encodeURIComponent("my client")}:${encodeURIComponent("s:e/c+r%t")}`).toString("base64");
    expect(presentedCredentials(`Basic ${basic}`, new URLSearchParams())).toEqual({ clientId: "my client", clientSecret: "s:e/c+r%t", method: "client_secret_basic" });
    expect(presentedCredentials(undefined, new URLSearchParams("client_id=a&client_secret=b"))).toEqual({ clientId: "a", clientSecret: "b", method: "client_secret_post" });
    expect(presentedCredentials(undefined, new URLSearchParams("client_id=a"))).toBeUndefined();
  });

  it("tracks issued tokens until revoked", () => {
    const store = new TokenStore();
    const token = store.issue(60);
    expect(store.check(token)).toBe("valid");
    expect(store.check("nope")).toBe("unknown");
    expect(store.check(store.issue(0))).toBe("expired");
    store.revokeAll();
    expect(store.check(token)).toBe("unknown");
  });
});

describe("control plane and CLI input", () => {
  it.each([
    [{ content: "x" }, undefined],
    [{ toolCalls: [{ name: "t", arguments: "{}" }] }, undefined],
    [{ content: 1 }, "'content' must be a string."],
    [{ toolCalls: [{ name: "t" }] }, "each tool call needs string 'name' and 'arguments'."],
    [{ usage: { prompt_tokens: 1 } }, "'usage' needs numeric prompt_tokens and completion_tokens."],
  ])("scriptProblem(%j)", (body, expected) => {
    expect(scriptProblem(body)).toBe(expected);
  });

  it("parses CLI flags into options", () => {
    const o = parseCliOptions(["--port", "0", "--ttft-ms", "5", "--per-token-ms", "1", "--fault-rate", "0.25", "--fault-seed", "9", "--token-ttl", "60", "--static-api-key", "k1", "--static-api-key", "k2"]);
    expect(o).toMatchObject({ host: "127.0.0.1", port: 0, latency: { ttftMs: 5, perTokenMs: 1 }, faultRate: 0.25, faultSeed: 9, tokenTtlSeconds: 60, staticApiKeys: ["k1", "k2"] });
    const errors: string[] = [];
    expect(() => parseCliOptions(["--fault-rate", "2"], (t) => errors.push(t))).toThrow();
    expect(errors.join("")).toContain("fault rate must be between 0 and 1");
  });
});
