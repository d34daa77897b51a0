import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SYSTEM_PROMPTS, defaultSystemPrompt } from "../../agents/prompts.js";
import { createToolbox, selectTools, toolboxOptionsFromConfig, toolMatches, TOOL_NAMES } from "../../agents/tools/index.js";
import { loadConfig } from "../../src/config/index.js";

describe("createToolbox", () => {
  it("leaves http_get out by default", () => {
    expect(Object.keys(createToolbox({}))).toEqual(["calculator", "current_datetime"]);
    expect(Object.keys(createToolbox(toolboxOptionsFromConfig(loadConfig({}))))).toEqual(["calculator", "current_datetime"]);
  });

  it("includes http_get when HTTP_GET_ENABLED=true, with the configured hosts", () => {
    const config = loadConfig({ HTTP_GET_ENABLED: "true", HTTP_GET_ALLOWED_HOSTS: "api.example.com, *.Example.org", HTTP_GET_MAX_BYTES: "2048" });
    expect(config.tools.httpGet).toEqual({
      enabled: true,
      allowedHosts: ["api.example.com", "*.example.org"],
      allowHttpLoopback: false,
      maxBytes: 2048,
      timeoutMs: 5000,
    });
    const toolbox = createToolbox(toolboxOptionsFromConfig(config));
    expect(Object.keys(toolbox)).toEqual([...TOOL_NAMES]);
    expect(toolbox.http_get?.description).toContain("api.example.com, *.example.org");
  });

  it.each([
    [{ HTTP_GET_ALLOWED_HOSTS: "https://api.example.com" }, "HTTP_GET_ALLOWED_HOSTS"],
    [{ HTTP_GET_ENABLED: "maybe" }, "HTTP_GET_ENABLED"],
    [{ HTTP_GET_MAX_BYTES: "0" }, "HTTP_GET_MAX_BYTES"],
    [{ HTTP_GET_TIMEOUT_MS: "soon" }, "HTTP_GET_TIMEOUT_MS"],
  ])("rejects a bad %j at startup, naming the variable", (env, variable) => {
    expect(() => loadConfig(env)).toThrow(variable);
  });

  it("builds tools that answer through the LangChain tool interface", async () => {
    const toolbox = createToolbox({ clock: () => new Date("2030-01-01T00:00:00Z") });
    expect(await toolbox.calculator?.invoke({ expression: "12.5% of 3,480" })).toBe("435");
    expect(String(await toolbox.current_datetime?.invoke({}))).toContain("utc: 2030-01-01T00:00:00.000Z");
  });
});

describe("selectTools", () => {
  const toolbox = createToolbox({ httpGet: { enabled: true, allowedHosts: ["api.example.com"] } });
  const names = (allowed?: string[]) => selectTools(toolbox, allowed).map((t) => t.name);

  it.each([
    [undefined, ["calculator", "current_datetime", "http_get"]],
    [["*"], ["calculator", "current_datetime", "http_get"]],
    [["calculator"], ["calculator"]],
    [["http_get", "calculator"], ["calculator", "http_get"]],
    [["no_such_tool"], []],
    [[], []],
  ])("%j -> %j", (allowed, expected) => {
    expect(names(allowed)).toEqual(expected);
  });

  it("skips a tier's http_get when the tool is disabled", () => {
    expect(selectTools(createToolbox({}), ["calculator", "http_get"]).map((t) => t.name)).toEqual(["calculator"]);
  });
});

describe("an MCP allowlist entry", () => {
  // MCP tools as the toolbox names them for models: `<server>__<tool>`. The near misses share a
  // prefix with the allowed tool, or its server's name with another server.
  const names = ["github__get_issue", "github__get_issue_comments", "github__delete_repo", "githubx__get_issue", "git__hub__get_issue", "calculator"];
  const toolbox = Object.fromEntries(names.map((name) => [name, tool(async () => "ok", { name, description: name, schema: z.object({}) })]));
  const allowed = (entries: string[]) => selectTools(toolbox, entries).map((t) => t.name);

  it("<server>.<tool> allows that one tool of that server and nothing that merely starts like it", () => {
    expect(allowed(["github.get_issue"])).toEqual(["github__get_issue"]);
    for (const other of names.filter((n) => n !== "github__get_issue")) expect(toolMatches("github.get_issue", other), other).toBe(false);
  });

  it("<server>.* allows every tool of that server only", () => {
    expect(allowed(["github.*"])).toEqual(["github__get_issue", "github__get_issue_comments", "github__delete_repo"]);
    expect(allowed(["git.*"])).toEqual(["git__hub__get_issue"]);
  });

  it("a built-in name allows only the built-in tool", () => {
    expect(allowed(["calculator"])).toEqual(["calculator"]);
    expect(allowed(["get_issue", "github"])).toEqual([]);
  });
});

describe("system prompts", () => {
  it.each(["fast", "standard", "premium"] as const)("%s tells the agent to use the tools and be concise", (tier) => {
    const prompt = defaultSystemPrompt(tier);
    expect(prompt).toBe(SYSTEM_PROMPTS[tier]);
    expect(prompt).toContain("calculator");
    expect(prompt).toContain("current_datetime");
    expect(prompt).toMatch(/concise|one or two sentences/i);
  });

  it("differs per tier", () => {
    expect(new Set(Object.values(SYSTEM_PROMPTS)).size).toBe(3);
  });
});
