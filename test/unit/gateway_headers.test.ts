/** Extra-header rules (AI_GATEWAY_HEADERS, AI_GATEWAY_METADATA_HEADERS, --header), their log view, and JSON answers as chunks. */
import { describe, expect, it } from "vitest";
import { ConfigurationError, loadConfig } from "../../src/config/index.js";
import { HeaderRuleError, metadataToHeaders, parseHeaderArgument, parseMetadataHeaderMap } from "../../src/config/headers.js";
import { convertCompletionToChunks } from "../../src/gateway/completion_chunks.js";
import type { ChatCompletion } from "../../src/gateway/index.js";
import { redactHeaderValues } from "../../src/logging/index.js";

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigurationError) return err;
    throw err;
  }
  throw new Error("expected a ConfigurationError");
};

describe("AI_GATEWAY_HEADERS", () => {
  it("resolves ${NAME} from the environment and lower-cases the names", () => {
    const cfg = loadConfig({ AI_GATEWAY_HEADERS: '{"Ocp-Apim-Subscription-Key":"${APIM_KEY}","cf-aig-authorization":"Bearer ${CF_TOKEN}","X-Team":"blue"}', APIM_KEY: "k-123", CF_TOKEN: "t-456" });
    expect(cfg.gateway.headers).toEqual({ "ocp-apim-subscription-key": "k-123", "cf-aig-authorization": "Bearer t-456", "x-team": "blue" });
    expect(loadConfig({}).gateway.headers).toBeUndefined();
  });

  it("a reference to an unset variable stops startup, naming the header and the variable", () => {
    const err = problemsOf({ AI_GATEWAY_HEADERS: '{"x-key":"${NOT_SET_ANYWHERE}"}' });
    expect(err.problems).toEqual([{ variable: "AI_GATEWAY_HEADERS", message: expect.stringMatching(/"x-key" refers to \$\{NOT_SET_ANYWHERE\}, which is not set/) }]);
  });

  it.each([
    ["a CR/LF smuggled in through a referenced variable", { AI_GATEWAY_HEADERS: '{"x-key":"${V}"}', V: "secret-value\r\nx-admin: 1" }, /control character/],
    ["Authorization", { AI_GATEWAY_HEADERS: '{"Authorization":"Bearer secret-value"}' }, /authorization header is set by the client itself/],
    ["Host", { AI_GATEWAY_HEADERS: '{"Host":"secret-value.example"}' }, /host header/],
    ["Content-Length", { AI_GATEWAY_HEADERS: '{"content-length":"1"}' }, /content-length header/],
    ["an invalid name", { AI_GATEWAY_HEADERS: '{"x key":"v"}' }, /not a valid HTTP header name/],
    ["a number value", { AI_GATEWAY_HEADERS: '{"x-n":1}' }, /must be a string/],
    ["an array", { AI_GATEWAY_HEADERS: '["x"]' }, /must be a JSON object/],
    ["text that is not JSON", { AI_GATEWAY_HEADERS: "x-key: secret-value" }, /must be a JSON object/],
    ["the same name twice", { AI_GATEWAY_HEADERS: '{"X-A":"1","x-a":"2"}' }, /given twice/],
  ])("%s is refused with a message naming AI_GATEWAY_HEADERS and never the value", (_name, env, pattern) => {
    const err = problemsOf(env as Record<string, string>);
    expect(err.problems.map((p) => p.variable)).toEqual(["AI_GATEWAY_HEADERS"]);
    expect(err.message).toMatch(pattern);
    expect(err.message).not.toContain("secret-value");
  });

  it("AI_GATEWAY_HEADERS_PUBLIC, AI_GATEWAY_STREAMING and AI_GATEWAY_FIRST_BYTE_TIMEOUT_MS", () => {
    const defaults = loadConfig({});
    expect(defaults.gateway).toMatchObject({ publicHeaders: [], streaming: true, timeouts: { firstByteMs: 10_000, headersMs: 60_000 } });
    const set = loadConfig({ AI_GATEWAY_HEADERS_PUBLIC: "X-Team, x-region", AI_GATEWAY_STREAMING: "false", AI_GATEWAY_FIRST_BYTE_TIMEOUT_MS: "2500" });
    expect(set.gateway).toMatchObject({ publicHeaders: ["x-team", "x-region"], streaming: false, timeouts: { firstByteMs: 2_500 } });
    expect(problemsOf({ AI_GATEWAY_HEADERS_PUBLIC: "x team" }).problems[0].variable).toBe("AI_GATEWAY_HEADERS_PUBLIC");
    expect(problemsOf({ AI_GATEWAY_FIRST_BYTE_TIMEOUT_MS: "0" }).problems[0].variable).toBe("AI_GATEWAY_FIRST_BYTE_TIMEOUT_MS");
  });
});

describe("AI_GATEWAY_METADATA_HEADERS and run metadata", () => {
  it("parses key=header pairs", () => {
    expect(loadConfig({ AI_GATEWAY_METADATA_HEADERS: "user=X-End-User, costCenter=x-cost-center" }).server.metadataHeaders).toEqual({ user: "x-end-user", costCenter: "x-cost-center" });
    expect(loadConfig({}).server.metadataHeaders).toEqual({});
  });

  it.each([
    ["user", /key=header-name/],
    ["user=authorization", /authorization header is set by the client itself/],
    ["user=x-a,user=x-b", /mapped twice/],
    ["user=x-a,team=x-a", /target of two keys/],
  ])("refuses %s", (text, pattern) => {
    const err = problemsOf({ AI_GATEWAY_METADATA_HEADERS: text });
    expect(err.problems[0].variable).toBe("AI_GATEWAY_METADATA_HEADERS");
    expect(err.message).toMatch(pattern);
  });

  it("maps known keys, refuses unknown ones naming the known keys, and checks the values", () => {
    const mapping = parseMetadataHeaderMap("user=x-end-user,costCenter=x-cost-center");
    expect(metadataToHeaders({ user: "alice", costCenter: "cc-1" }, mapping)).toEqual({ "x-end-user": "alice", "x-cost-center": "cc-1" });
    expect(() => metadataToHeaders({ team: "blue" }, mapping)).toThrow(/metadata\.team is not mapped to a header; AI_GATEWAY_METADATA_HEADERS maps user, costCenter/);
    expect(() => metadataToHeaders({ user: "x" }, {})).toThrow(/AI_GATEWAY_METADATA_HEADERS is not set/);
    expect(() => metadataToHeaders({ user: "a\nb" }, mapping)).toThrow(HeaderRuleError);
    expect(() => metadataToHeaders({ user: "x".repeat(1_025) }, mapping)).toThrow(/longer than 1024/);
    // Keys that only exist on Object.prototype are not mappings.
    expect(() => metadataToHeaders({ toString: "x" }, mapping)).toThrow(/metadata\.toString is not mapped/);
  });

  it("--header name=value", () => {
    expect(parseHeaderArgument("X-End-User=alice=admin")).toEqual(["x-end-user", "alice=admin"]);
    expect(() => parseHeaderArgument("x-end-user")).toThrow(/name=value/);
    expect(() => parseHeaderArgument("=alice")).toThrow(/name=value/);
    expect(() => parseHeaderArgument("host=evil.example")).toThrow(/host header/);
  });
});

describe("redactHeaderValues", () => {
  it("shows content-type, accept and public names; hides every other value, and never a secret-named one", () => {
    const shown = redactHeaderValues(
      { "content-type": "application/json", Accept: "text/event-stream", authorization: "Bearer abc", "x-team": "blue", "x-end-user": "alice", "x-api-key": "k" },
      new Set(["x-team", "x-api-key"]),
    );
    expect(shown).toEqual({ "content-type": "application/json", Accept: "text/event-stream", authorization: "[REDACTED]", "x-team": "blue", "x-end-user": "[REDACTED]", "x-api-key": "[REDACTED]" });
  });
});

describe("convertCompletionToChunks", () => {
  const completion = (over: Partial<ChatCompletion> = {}): ChatCompletion =>
    ({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1,
      model: "gpt-4.1",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello.", refusal: null }, finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      ...over,
    }) as ChatCompletion;

  it("one chunk with the text and finish reason, then one usage chunk", () => {
    const chunks = convertCompletionToChunks(completion({ system_fingerprint: "fp_1" }));
    expect(chunks).toEqual([
      { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4.1", system_fingerprint: "fp_1", choices: [{ index: 0, delta: { role: "assistant", content: "Hello." }, finish_reason: "stop", logprobs: null }] },
      { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4.1", system_fingerprint: "fp_1", choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
    ]);
    expect(convertCompletionToChunks(completion({ usage: undefined }))).toHaveLength(1);
  });

  it("tool calls (with or without `type`) get their index; refusals and every choice are kept", () => {
    const [chunk] = convertCompletionToChunks(
      completion({
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: null,
              refusal: null,
              tool_calls: [
                { id: "c1", type: "function", function: { name: "calculator", arguments: '{"expression":"1+1"}' } },
                { id: "c2", function: { name: "datetime", arguments: "{}" } } as never,
              ],
            },
            finish_reason: "tool_calls",
            logprobs: null,
          },
          { index: 1, message: { role: "assistant", content: null, refusal: "I can't help with that." }, finish_reason: "stop", logprobs: null },
        ],
      }),
    );
    expect(chunk.choices[0].delta.tool_calls).toEqual([
      { index: 0, id: "c1", type: "function", function: { name: "calculator", arguments: '{"expression":"1+1"}' } },
      { index: 1, id: "c2", type: "function", function: { name: "datetime", arguments: "{}" } },
    ]);
    expect(chunk.choices[0].finish_reason).toBe("tool_calls");
    expect(chunk.choices[1]).toMatchObject({ index: 1, delta: { refusal: "I can't help with that." }, finish_reason: "stop" });
  });
});

describe("credentials under test (POST /api/providers/verify)", () => {
  it("never carry the configured gateway's static headers to another base URL", async () => {
    const { verifySettings } = await import("../../src/server/provider_changes.js");
    const { settingsFromConfig } = await import("../../src/providers/settings.js");
    const current = settingsFromConfig(
      loadConfig({ AI_GATEWAY_BASE_URL: "https://gw.example", AI_GATEWAY_API_KEY: "configured-key-0123", AI_GATEWAY_HEADERS: '{"Ocp-Apim-Subscription-Key":"sub-key-0123"}' }),
    ).gateway;
    const elsewhere = verifySettings("gateway", current, { baseUrl: "https://other.example", apiKey: "candidate-key-0123" });
    expect(elsewhere.settings.gateway.headers).toBeUndefined();
    const same = verifySettings("gateway", current, { apiKey: "candidate-key-0123" });
    expect(same.settings.gateway.headers).toEqual({ "ocp-apim-subscription-key": "sub-key-0123" });
  });
});
