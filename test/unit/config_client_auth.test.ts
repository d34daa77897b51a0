/** Configuration of the client authentication methods, mTLS files, and how their errors read downstream. */
import { describe, expect, it } from "vitest";
import { ConfigurationError, isGatewayConfigured, loadConfig } from "../../src/config/index.js";
import { AIGatewayConfigError, gatewaySettingProblems } from "../../src/gateway/index.js";
import { describeModelFailure } from "../../src/providers/index.js";

const base = { AI_GATEWAY_BASE_URL: "https://gw.example.com", AI_GATEWAY_CLIENT_ID: "client" };
const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    return (err as ConfigurationError).problems.map((p) => p.variable);
  }
};

describe("AI_GATEWAY_AUTH_METHOD and its files", () => {
  it("asks for what each method needs, and nothing else", () => {
    expect(problems({ ...base })).toEqual(["AI_GATEWAY_CLIENT_SECRET"]);
    expect(problems({ ...base, AI_GATEWAY_AUTH_METHOD: "client_secret_jwt" })).toEqual(["AI_GATEWAY_CLIENT_SECRET"]);
    expect(problems({ ...base, AI_GATEWAY_AUTH_METHOD: "private_key_jwt" })).toEqual(["AI_GATEWAY_CLIENT_KEY_FILE"]);
    expect(problems({ ...base, AI_GATEWAY_AUTH_METHOD: "private_key_jwt", AI_GATEWAY_CLIENT_KEY_FILE: "/k.pem" })).toEqual([]);
    expect(problems({ ...base, AI_GATEWAY_AUTH_METHOD: "tls_client_auth" })).toEqual(["AI_GATEWAY_TLS_CERT"]);
    expect(problems({ ...base, AI_GATEWAY_AUTH_METHOD: "tls_client_auth", AI_GATEWAY_TLS_CERT: "/c.pem" })).toEqual(["AI_GATEWAY_TLS_KEY"]);
    expect(problems({ ...base, AI_GATEWAY_AUTH_METHOD: "tls_client_auth", AI_GATEWAY_TLS_CERT: "/c.pem", AI_GATEWAY_TLS_KEY: "/k.pem" })).toEqual([]);
    expect(problems({ ...base, AI_GATEWAY_AUTH_METHOD: "self_signed_tls_client_auth" })).toEqual(["AI_GATEWAY_TLS_CERT"]);
    expect(problems({ ...base, AI_GATEWAY_AUTH_METHOD: "self_signed_tls_client_auth", AI_GATEWAY_TLS_CERT: "/c.pem", AI_GATEWAY_TLS_KEY: "/k.pem" })).toEqual([]);
    expect(problems({ ...base, AI_GATEWAY_AUTH_METHOD: "kerberos" })).toEqual(["AI_GATEWAY_AUTH_METHOD"]);
    expect(problems({ ...base, AI_GATEWAY_CLIENT_SECRET: "s", AI_GATEWAY_CLIENT_KEY_ALG: "HS256" })).toEqual(["AI_GATEWAY_CLIENT_KEY_ALG"]);
  });

  it("counts a gateway with a key file or a client certificate as configured", () => {
    const pkjwt = loadConfig({ ...base, AI_GATEWAY_AUTH_METHOD: "private_key_jwt", AI_GATEWAY_CLIENT_KEY_FILE: "/k.pem" }).gateway;
    expect(pkjwt).toMatchObject({ authMethod: "private_key_jwt", clientKeyFile: "/k.pem" });
    expect(isGatewayConfigured(pkjwt)).toBe(true);
    const mtls = loadConfig({ ...base, AI_GATEWAY_AUTH_METHOD: "tls_client_auth", AI_GATEWAY_TLS_CERT: "/c.pem", AI_GATEWAY_TLS_KEY: "/k.pem", AI_GATEWAY_TLS_CA: "/ca.pem" }).gateway;
    expect(mtls).toMatchObject({ tlsCert: "/c.pem", tlsKey: "/k.pem", tlsCa: "/ca.pem" });
    expect(isGatewayConfigured(mtls)).toBe(true);
    const selfSigned = loadConfig({ ...base, AI_GATEWAY_AUTH_METHOD: "self_signed_tls_client_auth", AI_GATEWAY_TLS_CERT: "/c.pem", AI_GATEWAY_TLS_KEY: "/k.pem" }).gateway;
    expect(selfSigned).toMatchObject({ authMethod: "self_signed_tls_client_auth", tlsCert: "/c.pem" });
    expect(isGatewayConfigured(selfSigned)).toBe(true);
  });

  it("judges the files and the plain-http rule at startup, one problem per variable", () => {
    const cfg = loadConfig({
      AI_GATEWAY_BASE_URL: "http://gw.example.com",
      AI_GATEWAY_ISSUER: "http://idp.example.com/tenant",
      AI_GATEWAY_CLIENT_ID: "client",
      AI_GATEWAY_AUTH_METHOD: "private_key_jwt",
      AI_GATEWAY_CLIENT_KEY_FILE: "/nonexistent/key.pem",
      AI_GATEWAY_TLS_CA: "/nonexistent/ca.pem",
    }).gateway;
    const found = gatewaySettingProblems(cfg);
    expect(found.map((p) => p.variable)).toEqual(["AI_GATEWAY_BASE_URL", "AI_GATEWAY_ISSUER", "AI_GATEWAY_CLIENT_KEY_FILE", "AI_GATEWAY_TLS_CA"]);
    expect(found[0].message).toMatch(/AI_GATEWAY_ALLOW_INSECURE_HTTP/);
    expect(found[2].message).toMatch(/ENOENT/);
    expect(gatewaySettingProblems({ ...cfg, allowInsecureHttp: true }).map((p) => p.variable)).toEqual(["AI_GATEWAY_CLIENT_KEY_FILE", "AI_GATEWAY_TLS_CA"]);
  });
});

describe("configuration errors downstream", () => {
  it("are described as wrong settings with the advice for their code, and never escalate as network failures", () => {
    const failure = describeModelFailure(new AIGatewayConfigError("x", { code: "insecure_http", variable: "AI_GATEWAY_BASE_URL" }));
    expect(failure.kind).toBe("auth");
    expect(failure.message).toMatch(/connection settings are wrong/);
    expect(failure.message).toMatch(/AI_GATEWAY_ALLOW_INSECURE_HTTP/);
    const error = new AIGatewayConfigError("y", { code: "issuer_mismatch", variable: "AI_GATEWAY_ISSUER" });
    expect(error.toJSON()).toMatchObject({ name: "AIGatewayConfigError", code: "issuer_mismatch", variable: "AI_GATEWAY_ISSUER" });
    expect(error.retryable).toBe(false);
  });
});
