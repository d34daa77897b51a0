import { APIConnectionError, APIError, APIUserAbortError } from "openai";
import { describe, expect, it } from "vitest";
import {
  AIGatewayAbortError,
  AIGatewayAuthError,
  AIGatewayHTTPError,
  AIGatewayNetworkError,
  AIGatewayRateLimitError,
  AIGatewayResponseError,
  AIGatewayStreamError,
  AIGatewayTimeoutError,
} from "../../src/gateway/index.js";
import { classifyFailure, failureCode, type FailureKind } from "../../src/providers/index.js";

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const withStatus = (message: string, status: number, name = "Error") => Object.assign(new Error(message), { status, name });

describe("classifyFailure", () => {
  it.each<[string, unknown, FailureKind, string]>([
    ["gateway DNS failure", new AIGatewayNetworkError("no dns", { code: "dns" }), "outage", "dns"],
    ["gateway connection refused", new AIGatewayNetworkError("refused", { code: "connection_refused" }), "outage", "connection_refused"],
    ["gateway timeout", new AIGatewayTimeoutError("slow", { phase: "headers" }), "outage", "timeout"],
    ["gateway stream cut", new AIGatewayStreamError("cut", { code: "stream_truncated" }), "outage", "stream_truncated"],
    ["gateway 503 after retries", new AIGatewayHTTPError("503", { status: 503, retryable: true }), "outage", "http_503"],
    ["gateway 429 after retries", new AIGatewayRateLimitError("429", {}), "outage", "rate_limited"],
    ["gateway 401", new AIGatewayAuthError("401", { status: 401, code: "invalid_token" }), "outage", "invalid_token"],
    ["gateway token endpoint rejects the client", new AIGatewayAuthError("bad client", { status: 400, code: "invalid_client" }), "outage", "invalid_client"],
    ["gateway missing credentials", new AIGatewayAuthError("none", { code: "missing_credentials" }), "outage", "missing_credentials"],
    ["gateway 400", new AIGatewayHTTPError("400", { status: 400 }), "caller", "http_400"],
    ["gateway 200 with a body that is not JSON", new AIGatewayResponseError("html", { status: 200 }), "outage", "invalid_response"],
    ["gateway 404 (model not served here)", new AIGatewayHTTPError("404", { status: 404 }), "unavailable", "http_404"],
    ["gateway abort", new AIGatewayAbortError(), "caller", "aborted"],
    ["openai 500", new APIError(500, undefined, "boom", new Headers()), "outage", "http_500"],
    ["openai 400", new APIError(400, undefined, "bad", new Headers()), "caller", "http_400"],
    ["openai connection error (cause ECONNREFUSED)", new APIConnectionError({ cause: withCode("connect ECONNREFUSED", "ECONNREFUSED") }), "outage", "ECONNREFUSED"],
    ["openai user abort", new APIUserAbortError(), "caller", "APIUserAbortError"],
    ["LangChain-wrapped timeout", Object.assign(new Error("Request timed out."), { name: "TimeoutError" }), "outage", "TimeoutError"],
    ["anthropic 529 overloaded", withStatus("overloaded", 529, "InternalServerError"), "outage", "http_529"],
    ["ollama ResponseError", Object.assign(new Error("model not found"), { status_code: 404 }), "unavailable", "http_404"],
    ["Gemini fetch failure rewrapped as text", new Error("[GoogleGenerativeAI Error]: Error fetching from http://x: fetch failed"), "outage", "error"],
    ["undici DNS error in a cause chain", new TypeError("fetch failed", { cause: withCode("getaddrinfo ENOTFOUND api", "ENOTFOUND") }), "outage", "ENOTFOUND"],
    ["plain abort", Object.assign(new Error("aborted"), { name: "AbortError" }), "caller", "AbortError"],
    ["a parse error", Object.assign(new Error("bad json"), { name: "OutputParserException" }), "caller", "OutputParserException"],
    ["a bug", new TypeError("x is not a function"), "caller", "TypeError"],
  ])("%s -> %s", (_name, err, kind, code) => {
    expect(classifyFailure(err)).toBe(kind);
    expect(failureCode(err)).toBe(code);
  });

  it("treats anything as the caller's once the caller's signal fired", () => {
    const controller = new AbortController();
    controller.abort();
    expect(classifyFailure(new AIGatewayNetworkError("x", { code: "dns" }), controller.signal)).toBe("caller");
  });
});
