import { describe, expect, it } from "vitest";
import { ConfigurationError, loadConfig } from "../../src/config/index.js";

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const cfg = loadConfig({});
    expect(cfg.gateway.models).toEqual({ default: "gpt-5.1", fast: undefined, standard: undefined, premium: undefined });
    expect(cfg.gateway.apiPath).toBe("/v1");
    expect(cfg.gateway.authMethod).toBe("client_secret_basic");
    expect(cfg.gateway.retry.maxRetries).toBe(2);
    expect(cfg.gateway.token).toEqual({ refreshMarginS: 60, defaultTtlS: 300 });
    expect(cfg.log.level).toBe("info");
  });

  it("normalises the base URL and API path", () => {
    const cfg = loadConfig({ AI_GATEWAY_BASE_URL: "https://gw.example.com/", AI_GATEWAY_API_PATH: "api/openai/v1/" });
    expect(cfg.gateway.baseUrl).toBe("https://gw.example.com");
    expect(cfg.gateway.apiPath).toBe("/api/openai/v1");
  });

  it("names every bad variable in one error and never echoes values", () => {
    const secret = "s3cr3t-value-that-must-not-leak";
    let error: unknown;
    try {
      loadConfig({
        AI_GATEWAY_BASE_URL: "not a url",
        AI_GATEWAY_AUTH_METHOD: secret,
        AI_GATEWAY_MAX_RETRIES: "-1",
        AI_GATEWAY_ENABLED: "maybe",
        AI_GATEWAY_CLIENT_SECRET: secret,
        LOG_LEVEL: "loud",
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).code).toBe("invalid_environment");
    const message = (error as ConfigurationError).message;
    for (const name of ["AI_GATEWAY_BASE_URL", "AI_GATEWAY_AUTH_METHOD", "AI_GATEWAY_MAX_RETRIES", "AI_GATEWAY_ENABLED", "LOG_LEVEL"]) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain(secret);
    expect((error as ConfigurationError).problems.length).toBe(5);
  });

  it("requires the secret with the client id, and a base URL with credentials", () => {
    expect(() => loadConfig({ AI_GATEWAY_CLIENT_ID: "id", AI_GATEWAY_BASE_URL: "https://gw.example.com" })).toThrow(
      /AI_GATEWAY_CLIENT_SECRET: is required/,
    );
    expect(() => loadConfig({ AI_GATEWAY_API_KEY: "k-123456" })).toThrow(/AI_GATEWAY_BASE_URL: is required/);
  });

  it("rejects an API path that steps outside the base URL", () => {
    expect(() => loadConfig({ AI_GATEWAY_API_PATH: "/v1/../admin" })).toThrow(/AI_GATEWAY_API_PATH: must not contain \. or \.\. segments/);
  });

  it("parses booleans and numbers", () => {
    const cfg = loadConfig({ AI_GATEWAY_ENABLED: "false", AI_GATEWAY_IDLE_TIMEOUT_MS: "1500" });
    expect(cfg.gateway.enabled).toBe(false);
    expect(cfg.gateway.timeouts.idleMs).toBe(1500);
  });
});

describe("API_TENANT_KEYS", () => {
  it("maps tenants to keys, trimming spaces", () => {
    const keys = loadConfig({ API_TENANT_KEYS: " acme = aaaaaaaaaaaaaaaa1 ,beta=bbbbbbbbbbbbbbbb2" }).server.tenantKeys;
    expect(keys).toEqual({ acme: "aaaaaaaaaaaaaaaa1", beta: "bbbbbbbbbbbbbbbb2" });
    expect(loadConfig({}).server.tenantKeys).toEqual({});
  });

  it("refuses short keys, bad names, repeated keys and empty lists, naming the entry but never the key", () => {
    const cases: [string, RegExp][] = [
      ["acme=short", /API_TENANT_KEYS.*entry 1 \(tenant acme\) needs a key of at least 16 characters/],
      ["ac me=aaaaaaaaaaaaaaaa1", /API_TENANT_KEYS.*entry 1 must be tenant=key/],
      ["=aaaaaaaaaaaaaaaa1", /entry 1 must be tenant=key/],
      ["a=aaaaaaaaaaaaaaaa1,b=aaaaaaaaaaaaaaaa1", /entry 2 \(tenant b\) repeats another tenant's key/],
      [",", /API_TENANT_KEYS.*must list at least one tenant=key/],
    ];
    for (const [value, message] of cases) {
      let error: unknown;
      try {
        loadConfig({ API_TENANT_KEYS: value });
      } catch (err) {
        error = err;
      }
      expect(error, value).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message, value).toMatch(message);
      expect((error as Error).message).not.toContain("aaaaaaaaaaaaaaaa1");
    }
  });
});
