import { describe, expect, it } from "vitest";
import { describeUnknownVariable, unknownVariables } from "../../src/config/unknown_variables.js";

describe("unknown variables under the project's prefixes", () => {
  it("names a typo with the variable it most likely meant", () => {
    expect(unknownVariables({ HTTP_GET_ENABLE: "true", AI_GATEWAY_SCOPES: "api://x/.default", RUN_CONCURENCY_MAX: "4" })).toEqual([
      { name: "AI_GATEWAY_SCOPES", suggestion: "AI_GATEWAY_SCOPE" },
      { name: "HTTP_GET_ENABLE", suggestion: "HTTP_GET_ENABLED" },
      { name: "RUN_CONCURENCY_MAX", suggestion: "RUN_CONCURRENCY_MAX" },
    ]);
    expect(describeUnknownVariable({ name: "HTTP_GET_ENABLE", suggestion: "HTTP_GET_ENABLED" })).toBe("HTTP_GET_ENABLE is set but no setting reads it; did you mean HTTP_GET_ENABLED? It is ignored.");
  });

  it("reports any unknown AI_GATEWAY_ variable, even with nothing close", () => {
    expect(unknownVariables({ AI_GATEWAY_REGION: "eu" })).toEqual([{ name: "AI_GATEWAY_REGION" }]);
    expect(describeUnknownVariable({ name: "AI_GATEWAY_REGION" })).toBe("AI_GATEWAY_REGION is set but no setting reads it. It is ignored.");
  });

  it("stays quiet about known variables and other programs' variables, near misses under shared prefixes aside", () => {
    const env = {
      AI_GATEWAY_SCOPE: "x",
      HTTP_GET_ENABLED: "true",
      RUN_CONCURRENCY_MAX: "4",
      OPENAI_ORG_ID: "org",
      OTEL_RESOURCE_ATTRIBUTES: "a=b",
      SERVER_NAME: "web",
      RUN_MODE: "batch",
      PATH: "/usr/bin",
      NODE_ENV: "test",
    };
    expect(unknownVariables(env)).toEqual([]);
  });
});
