import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { settingsFromConfig } from "../../src/providers/settings.js";
import { HttpError } from "../../src/server/errors.js";
import { applyOverrides, fromLegacy, planChange, publicVerifyError, verifySettings } from "../../src/server/provider_changes.js";

const env = settingsFromConfig(
  loadConfig({
    AI_GATEWAY_BASE_URL: "https://gw.example.com",
    AI_GATEWAY_CLIENT_ID: "env-client",
    AI_GATEWAY_CLIENT_SECRET: "env-secret-0123456789",
    AI_GATEWAY_TOKEN_URL: "https://idp.example.com/token",
    OPENAI_API_KEY: "sk-env-openai-0123456789",
  }),
);

const thrown = (fn: () => unknown): HttpError => {
  try {
    fn();
  } catch (err) {
    return err as HttpError;
  }
  throw new Error("did not throw");
};

describe("planChange: a held secret never goes to a new URL", () => {
  it("refuses a new gateway base URL without the secret", () => {
    const err = thrown(() => planChange("gateway", env.gateway, undefined, { baseUrl: "https://other.example.com" }, env.gateway));
    expect(err).toMatchObject({ statusCode: 400, code: "secret_required" });
    expect(err.message).toMatch(/never sent to a new URL/);
  });

  it("refuses a new token URL without the secret", () => {
    expect(thrown(() => planChange("gateway", env.gateway, undefined, { tokenUrl: "https://evil.example/token" }, env.gateway)).code).toBe("secret_required");
  });

  it("accepts a new base URL with the secret, and drops the old token URL and issuer", () => {
    const plan = planChange("gateway", env.gateway, undefined, { baseUrl: "https://other.example.com/", clientSecret: "new-secret-0123456789" }, env.gateway);
    expect(plan.settings.gateway).toMatchObject({
      baseUrl: "https://other.example.com",
      tokenUrl: undefined,
      clientId: "env-client",
      clientSecret: "new-secret-0123456789",
    });
    expect(plan.overrides).toMatchObject({ baseUrl: "https://other.example.com/", tokenUrl: null, issuer: null, apiKey: null });
    expect(plan.urls).toEqual([{ field: "settings.baseUrl", url: "https://other.example.com/" }]);
  });

  it("lets credentials change on the same URL, and switching to an API key clears OAuth2", () => {
    const plan = planChange("gateway", env.gateway, undefined, { apiKey: "gw-static-key-0123456789" }, env.gateway);
    expect(plan.settings.gateway).toMatchObject({ baseUrl: "https://gw.example.com", apiKey: "gw-static-key-0123456789", clientId: undefined, clientSecret: undefined });
    expect(plan.urls).toEqual([]);
  });

  it("refuses a vendor base URL change without the key, accepts it with one", () => {
    expect(thrown(() => planChange("openai", env.openai, undefined, { baseUrl: "https://proxy.example/v1" }, env.openai)).code).toBe("secret_required");
    const plan = planChange("openai", env.openai, undefined, { baseUrl: "https://proxy.example/v1", apiKey: "sk-new-0123456789" }, env.openai);
    expect(plan.settings).toEqual({ enabled: true, apiKey: "sk-new-0123456789", baseUrl: "https://proxy.example/v1" });
  });

  it("merges with what is stored and rejects an incomplete gateway", () => {
    const empty = settingsFromConfig(loadConfig({})).gateway;
    const err = thrown(() => planChange("gateway", empty, undefined, { clientId: "only-id" }, empty));
    expect(err.fields?.map((f) => f.path)).toContain("settings.clientSecret");
    const plan = planChange("openai", env.openai, { apiKey: "sk-stored-0123456789" }, { enabled: false }, env.openai);
    expect(plan.overrides).toEqual({ apiKey: "sk-stored-0123456789", enabled: false });
    expect(plan.settings).toMatchObject({ enabled: false, apiKey: "sk-stored-0123456789" });
  });
});

describe("applyOverrides", () => {
  it("applies null as 'cleared' and keeps the environment's other fields", () => {
    const s = applyOverrides("gateway", env.gateway, { tokenUrl: null, clientSecret: "stored-secret-0123456" });
    expect(s.gateway).toMatchObject({ baseUrl: "https://gw.example.com", tokenUrl: undefined, clientSecret: "stored-secret-0123456", clientId: "env-client" });
    expect(s.gateway.timeouts).toEqual(env.gateway.gateway.timeouts);
  });
});

describe("verifySettings and the legacy shape", () => {
  it("maps the legacy gateway body: api_key is the client id", () => {
    expect(fromLegacy({ provider: "gateway", api_key: "cid", client_secret: "sec", base_url: "https://x.example" })).toEqual({
      provider: "gateway",
      credentials: { clientId: "cid", clientSecret: "sec", baseUrl: "https://x.example", tokenUrl: undefined },
    });
  });

  it("a given base URL brings its own token URL; retries are off", () => {
    const { settings, urls } = verifySettings("gateway", env.gateway, { baseUrl: "https://new.example", clientId: "c", clientSecret: "s-0123456789" });
    expect(settings.gateway).toMatchObject({ baseUrl: "https://new.example", tokenUrl: undefined, issuer: undefined });
    expect(settings.gateway.retry.maxRetries).toBe(0);
    expect(urls).toEqual([{ field: "credentials.baseUrl", url: "https://new.example" }]);
  });
});

describe("publicVerifyError", () => {
  it("uses a fixed vocabulary and never passes an upstream message on", () => {
    expect(publicVerifyError({ code: "invalid_client" }, false)).toEqual({ code: "auth", message: "The provider rejected the credentials." });
    expect(publicVerifyError({ code: "http_302" }, false).code).toBe("redirect");
    expect(publicVerifyError({ code: "dns" }, false).code).toBe("dns");
    expect(publicVerifyError({ code: "whatever-upstream-said <script>" }, false).code).toBe("verification_failed");
    expect(publicVerifyError({ code: "network_error" }, true).code).toBe("unsafe_url");
  });

  it("keeps the gateway's own refusals apart: an APIM subscription key, a spent budget, a used-up quota", () => {
    for (const code of ["apim_subscription_key_missing", "apim_subscription_key_invalid", "gateway_budget_exceeded", "gateway_quota_exceeded"]) {
      const answer = publicVerifyError({ code }, false);
      expect(answer.code, code).toBe(code);
      expect(answer.message, code).not.toBe("The provider could not be verified.");
    }
    expect(publicVerifyError({ code: "apim_subscription_key_missing" }, false).message).toContain("AI_GATEWAY_HEADERS");
  });
});
