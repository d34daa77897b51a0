import { describe, expect, it } from "vitest";
import { readErrorBody } from "../../src/gateway/status_errors.js";

describe("readErrorBody", () => {
  it.each<[string, string, { message?: string; code?: string }]>([
    ["OpenAI's envelope", '{"error":{"message":"No such model","type":"invalid_request_error","code":"model_not_found"}}', { message: "No such model", code: "model_not_found" }],
    ["OpenAI's envelope with a null code", '{"error":{"message":"Bad","type":"invalid_request_error","code":null}}', { message: "Bad", code: "invalid_request_error" }],
    ["RFC 6749", '{"error":"invalid_client","error_description":"Unknown client"}', { message: "Unknown client", code: "invalid_client" }],
    ["a sentence in a string error", '{"error":"model \\"x\\" not found, try pulling it first"}', { message: 'model "x" not found, try pulling it first' }],
    ["LiteLLM: a code that is only the status gives way to the type", '{"error":{"message":"Budget has been exceeded!","type":"budget_exceeded","param":null,"code":"400"}}', { message: "Budget has been exceeded!", code: "budget_exceeded" }],
    ["APIM", '{ "statusCode": 401, "message": "Access denied" }', { message: "Access denied" }],
    ["Google, in an array", '[{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}]', { message: "Quota exceeded", code: "RESOURCE_EXHAUSTED" }],
    ["HTML", "<html><body>502</body></html>", {}],
    ["empty", "", {}],
    ["a JSON string", '"oops"', {}],
  ])("%s", (_name, body, expected) => {
    expect(readErrorBody(body)).toEqual(expected);
  });
});
