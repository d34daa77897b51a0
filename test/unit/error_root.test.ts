/**
 * One error root: every error class the package exports (root and subpaths) or throws from its
 * own modules extends AIGatewayAgentsError, carries a snake_case code and serialises without a
 * secret; and no class outside src/errors.ts extends a built-in error directly.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { AIGatewayAgentsError, ConfigurationError } from "../../src/errors.js";
import { registerSecret } from "../../src/logging/index.js";
import * as gateway from "../../src/gateway/index.js";
import { ChatAIGateway, ChatAIGatewayInputError } from "../../src/models/index.js";
import { SsrfError } from "../../src/net/index.js";
import { AllProvidersFailedError, ProviderSkippedError } from "../../src/providers/index.js";
import { RunRefusedError } from "../../src/runs/index.js";
import { HttpError } from "../../src/server/index.js";
import { HeaderRuleError } from "../../src/config/index.js";
import { UsageQueryError } from "../../src/usage/index.js";
import { BudgetExceededError, createCheckpointer, OrchestratorError, OrchestratorInputError, RunSupersededError, ThreadBusyError } from "../../graphs/index.js";
import { ModelCallError } from "../../agents/middleware/model_calls.js";
import { StoreUnavailableError } from "../../graphs/sqlite_guard.js";
import { BodyTooLargeError } from "../../src/emulator/http_util.js";
import { EvalInputError } from "../../src/eval/tasks.js";
import { ConfigConflictError } from "../../src/server/config_store.js";
import { ToolMessage } from "@langchain/core/messages";
import { convertMessageToWireMessage } from "../../src/models/converters/messages.js";
import { convertToolToWireTool } from "../../src/models/converters/tools.js";
import { createMcpServer } from "../../src/mcp/server.js";
import { runFailure } from "../../src/server/routes/run_io.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** The package's public entry points: the root and every subpath module. */
const ENTRY_POINTS = [
  "src/index.ts",
  ...readdirSync(join(ROOT, "src"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `src/${d.name}/index.ts`)
    .filter((p) => readdirSync(join(ROOT, p, "..")).includes("index.ts")),
  "graphs/index.ts",
];

const REGISTERED = "registered-secret-9f8e7d6c5b";
registerSecret(REGISTERED);
const SECRETS = [REGISTERED, "sk-live-0123456789abcdefghij", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlMDEy", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"];
/** A message that quotes every kind of secret the scrubber knows. */
const LEAKY = `upstream said: key ${SECRETS[0]}, ${SECRETS[1]}, token ${SECRETS[2]}, Authorization: Basic ${SECRETS[3]}`;
/** A cause whose own message holds a secret: toJSON must not carry the cause chain. */
const CAUSE = new Error(`socket to https://user:${REGISTERED}@gw.example failed`);

const failure = { kind: "rate_limited" as const, message: LEAKY, status: 429, code: "rate_limited", provider: "gateway", requestId: "req-123" };
const budget = { scope: "tenant" as const, name: "acme", period: "daily" as const, spentUsd: 2, limitUsd: 1, resetsAt: Date.UTC(2026, 0, 2) };

/**
 * One instance of each error class, named as exported, built with secrets in every field that
 * takes text. A new error class must be added here (the export scan below fails until it is).
 */
const SAMPLES: Record<string, () => Error> = {
  AIGatewayAgentsError: () => new AIGatewayAgentsError(LEAKY, { code: "example", status: 500, requestId: "req-1", cause: CAUSE }),
  ConfigurationError: () => new ConfigurationError("invalid_option", LEAKY, { problems: [{ variable: "AI_GATEWAY_HEADERS", message: LEAKY }], cause: CAUSE }),
  AIGatewayError: () => new gateway.AIGatewayError(LEAKY, { code: "boom", cause: CAUSE }),
  AIGatewayAuthError: () => new gateway.AIGatewayAuthError(LEAKY, { code: "invalid_client", status: 401, description: LEAKY, requestId: "req-2" }),
  AIGatewayConfigError: () => new gateway.AIGatewayConfigError(LEAKY, { code: "insecure_url", variable: "AI_GATEWAY_BASE_URL" }),
  AIGatewayRateLimitError: () => new gateway.AIGatewayRateLimitError(LEAKY, { retryAfterMs: 5 }),
  AIGatewayQuotaError: () => new gateway.AIGatewayQuotaError(LEAKY, { status: 429, limit: "budget", upstreamCode: "budget_exceeded" }),
  AIGatewayHTTPError: () => new gateway.AIGatewayHTTPError(LEAKY, { status: 502 }),
  AIGatewayResponseError: () => new gateway.AIGatewayResponseError(LEAKY, { status: 200 }),
  AIGatewayTimeoutError: () => new gateway.AIGatewayTimeoutError(LEAKY, { phase: "headers", cause: CAUSE }),
  AIGatewayStreamError: () => new gateway.AIGatewayStreamError(LEAKY, { code: "stream_cut" }),
  AIGatewayNetworkError: () => new gateway.AIGatewayNetworkError(LEAKY, { code: "dns", host: "gw.example", cause: CAUSE }),
  AIGatewayAbortError: () => new gateway.AIGatewayAbortError(LEAKY),
  ChatAIGatewayInputError: () => new ChatAIGatewayInputError(LEAKY),
  SsrfError: () => new SsrfError(LEAKY, "unsafe_url", "connect"),
  AllProvidersFailedError: () => new AllProvidersFailedError("fast", [{ provider: "openai", model: "gpt-5.1", code: "auth", message: LEAKY }], CAUSE, [CAUSE]),
  ProviderSkippedError: () => new ProviderSkippedError("openai", CAUSE),
  RunRefusedError: () => new RunRefusedError("too_many_runs", LEAKY, 1),
  HttpError: () => new HttpError(400, "invalid_request", LEAKY, [{ path: "metadata", message: "is not an object" }]),
  HeaderRuleError: () => new HeaderRuleError(LEAKY, "x-api-key"),
  UsageQueryError: () => new UsageQueryError(LEAKY),
  BudgetExceededError: () => new BudgetExceededError(budget),
  OrchestratorError: () => new OrchestratorError(LEAKY, { ...failure, tier: "fast" }),
  OrchestratorInputError: () => new OrchestratorInputError(LEAKY),
  RunSupersededError: () => new RunSupersededError("rollback"),
  ThreadBusyError: () => new ThreadBusyError(LEAKY),
  // Thrown by the package but not exported: covered all the same.
  ModelCallError: () => new ModelCallError(failure),
  StoreUnavailableError: () => new StoreUnavailableError(LEAKY, CAUSE),
  BodyTooLargeError: () => new BodyTooLargeError(LEAKY),
  EvalInputError: () => new EvalInputError(LEAKY, 3),
  ConfigConflictError: () => new ConfigConflictError(3, 4),
};

/** Every exported class that builds Error objects, by its exported name, from every entry point. */
async function exportedErrorClasses(): Promise<Map<string, { cls: abstract new (...args: never[]) => Error; from: string[] }>> {
  const found = new Map<string, { cls: abstract new (...args: never[]) => Error; from: string[] }>();
  for (const entry of ENTRY_POINTS) {
    const mod = (await import(join(ROOT, entry))) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value !== "function" || !(value.prototype instanceof Error)) continue;
      const seen = found.get(name) ?? { cls: value as abstract new (...args: never[]) => Error, from: [] };
      seen.from.push(entry);
      found.set(name, seen);
    }
  }
  return found;
}

describe("the error root", () => {
  it("covers every error class the package exports, from the root and every subpath", async () => {
    const exported = await exportedErrorClasses();
    expect(exported.has("AIGatewayAgentsError")).toBe(true);
    expect(exported.has("ConfigurationError")).toBe(true);
    const unsampled = [...exported.keys()].filter((name) => !(name in SAMPLES));
    expect(unsampled, "exported error classes without a sample in SAMPLES").toEqual([]);
    for (const [name, { cls, from }] of exported) {
      const sample = SAMPLES[name]();
      expect(sample, `${name} (exported from ${from.join(", ")})`).toBeInstanceOf(cls);
      expect(sample, `${name} (exported from ${from.join(", ")})`).toBeInstanceOf(AIGatewayAgentsError);
    }
  });

  it.each(Object.keys(SAMPLES))("%s extends the root, has a snake_case code and serialises without secrets", (name) => {
    const err = SAMPLES[name]() as AIGatewayAgentsError;
    expect(err).toBeInstanceOf(AIGatewayAgentsError);
    expect(err.name).toBe(name === "AIGatewayAbortError" ? "AbortError" : name);
    expect(err.code).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
    const json = err.toJSON();
    expect(json).toMatchObject({ name: err.name, code: err.code, message: err.message });
    if (err.status !== undefined) expect(json.status).toBe(err.status);
    if (err.requestId !== undefined) expect(json.requestId).toBe(err.requestId);
    expect(json).not.toHaveProperty("cause");
    expect(json).not.toHaveProperty("stack");
    const text = [JSON.stringify(json), JSON.stringify(err), err.message, String(err.stack)].join("\n");
    for (const secret of SECRETS) expect(text, name).not.toContain(secret);
  });

  it("keeps the status and the upstream request id where the error has them", () => {
    expect(SAMPLES.AIGatewayAuthError().toString()).toContain("AIGatewayAuthError");
    expect((SAMPLES.AIGatewayAuthError() as AIGatewayAgentsError).toJSON()).toMatchObject({ status: 401, requestId: "req-2", code: "invalid_client" });
    expect((SAMPLES.OrchestratorError() as AIGatewayAgentsError).toJSON()).toMatchObject({ status: 429, requestId: "req-123", code: "rate_limited", tier: "fast" });
    expect((SAMPLES.RunRefusedError() as AIGatewayAgentsError).toJSON()).toMatchObject({ status: 503, code: "too_many_runs" });
    expect((SAMPLES.ConfigurationError() as AIGatewayAgentsError).toJSON()).not.toHaveProperty("status");
  });

  it("a run failure without a code of its own is run_failed, and the HTTP body's typed failure still names no code", () => {
    const err = new OrchestratorError("The fast agent failed: it took too many steps.", { kind: "step_limit", message: "too many steps", tier: "fast" });
    expect(err).toMatchObject({ code: "run_failed", failureCode: undefined, kind: "step_limit" });
    const body = runFailure(err, "req-9");
    expect(body).toMatchObject({ httpStatus: 502, code: "run_failed", failure: { kind: "step_limit", tier: "fast" } });
    expect(body.failure?.code).toBeUndefined();
    expect(runFailure(SAMPLES.OrchestratorError(), "req-9").failure).toMatchObject({ code: "rate_limited", requestId: "req-123" });
  });
});

describe("typed errors where bare ones used to reach users", () => {
  it("a bad option given in code is a ConfigurationError (invalid_option) naming the option", async () => {
    const invalidOption = expect.objectContaining({ name: "ConfigurationError", code: "invalid_option" });
    expect(() => new ChatAIGateway({} as never)).toThrow(invalidOption);
    expect(() => new ChatAIGateway({} as never)).toThrow(/needs a model id/);
    expect(() => createMcpServer({} as never)).toThrow(invalidOption);
    await expect(createCheckpointer({ sqlitePath: ":memory:", keepCheckpoints: -1 })).rejects.toThrow(invalidOption);
  });

  it("a PostgreSQL checkpoint store that cannot be opened is a StoreUnavailableError naming DATABASE_URL, without the password", async () => {
    // A loopback port nobody listens on: the connection is refused at once.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const err = await createCheckpointer({ databaseUrl: `postgres://app:${REGISTERED}@127.0.0.1:${port}/app` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err).toMatchObject({ code: "store_unavailable", message: expect.stringContaining("Check DATABASE_URL") });
    expect(JSON.stringify(err)).not.toContain(REGISTERED);
  });

  it("a message or tool the gateway cannot take is a ChatAIGatewayInputError", () => {
    expect(() => convertMessageToWireMessage(new ToolMessage({ content: "x", tool_call_id: "" }))).toThrow(ChatAIGatewayInputError);
    expect(() => convertToolToWireTool(42 as never)).toThrow(ChatAIGatewayInputError);
  });
});

/** Every TypeScript file of the package's own code. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith(".ts"))
    .map((d) => relative(ROOT, join(d.parentPath, d.name)));
}

describe("source scan", () => {
  it("no class outside src/errors.ts extends a built-in error", () => {
    const builtIn = /\bclass(?:\s+\w+)?\s+extends\s+(?:globalThis\.)?(?:Error|TypeError|RangeError|SyntaxError|ReferenceError|EvalError|URIError|AggregateError|DOMException)\b/;
    const files = ["src", "graphs", "agents"].flatMap(sourceFiles).filter((f) => f !== join("src", "errors.ts"));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.filter((f) => builtIn.test(readFileSync(join(ROOT, f), "utf8")));
    expect(offenders).toEqual([]);
  });

  it("src/errors.ts stays a leaf every layer may import: its one import is the scrubber, which imports nothing", () => {
    const imports = (file: string) => [...readFileSync(join(ROOT, file), "utf8").matchAll(/\bfrom\s+["'](\.[^"']+)["']/g)].map((m) => m[1]);
    expect(imports("src/errors.ts")).toEqual(["./logging/redact.js"]);
    expect(imports("src/logging/redact.ts")).toEqual([]);
  });
});
