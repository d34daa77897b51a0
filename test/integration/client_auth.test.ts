/**
 * Client authentication beyond client secrets, offline against the emulator: private_key_jwt
 * (key pairs made here), client_secret_jwt, and mTLS with a CA and certificates made here
 * (tls_client_auth, and client certificates for the API). Wrong keys and missing certificates
 * fail once, with errors that name the variable to fix and hold no key material.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigurationError } from "../../src/config/index.js";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { AIGatewayAuthError, AIGatewayConfigError, ClientCredentialsTokenSource } from "../../src/gateway/index.js";
import { toGatewayError } from "../../src/gateway/network_errors.js";
import { createRuntime } from "../../src/runtime/index.js";
import { createTestCa, signingKeyPair, tempFiles, type IssuedCert, type TestCa } from "../helpers/certs.js";
import { clientFor, emulator, silentLogger } from "../helpers/gateway.js";

const files = tempFiles();
afterAll(() => files.cleanup());
const retry = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 10 };

describe("private_key_jwt", () => {
  const ec = signingKeyPair("ec");
  const rsa = signingKeyPair("rsa");
  const ed = signingKeyPair("ed25519");
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await emulator({ clientPublicKeys: [ec.publicKey.export({ format: "pem", type: "spki" }).toString(), { ...rsa.publicKey.export({ format: "jwk" }), kid: "rsa-1" }, ed.publicKey] });
  });
  afterAll(() => emu.close());

  const source = (keyFile: string, extra: Partial<ConstructorParameters<typeof ClientCredentialsTokenSource>[0]> = {}) =>
    new ClientCredentialsTokenSource({ tokenUrl: emu.tokenUrl, clientId: emu.clientId, authMethod: "private_key_jwt", clientKeyFile: keyFile, retry, ...extra });

  it.each([
    ["an EC key in PEM (ES256)", () => files.write("ec.pem", ec.privateKey.export({ format: "pem", type: "pkcs8" }).toString()), {}],
    ["an RSA key as a JWK with its kid (RS256)", () => files.write("rsa.jwk", JSON.stringify({ ...rsa.privateKey.export({ format: "jwk" }), kid: "rsa-1" })), {}],
    ["an RSA key in PKCS#1 PEM signed PS256", () => files.write("rsa1.pem", rsa.privateKey.export({ format: "pem", type: "pkcs1" }).toString()), { clientKeyAlg: "PS256" as const, clientKeyId: "rsa-1" }],
    ["an Ed25519 key (EdDSA)", () => files.write("ed.pem", ed.privateKey.export({ format: "pem", type: "pkcs8" }).toString()), {}],
  ])("gets a token with %s", async (_label, keyFile, extra) => {
    const before = emu.stats().authMethods.private_key_jwt ?? 0;
    const ts = source(keyFile(), extra);
    expect(await ts.getToken()).toMatch(/\S{16,}/);
    expect(emu.stats().authMethods.private_key_jwt).toBe(before + 1);
    // A second token needs a fresh assertion: the emulator refuses a replayed jti.
    expect(await ts.forceRefresh()).toMatch(/\S{16,}/);
  });

  it("is refused with a key the emulator does not know, once, as a typed auth error", async () => {
    const stranger = signingKeyPair("ec");
    const keyFile = files.write("stranger.pem", stranger.privateKey.export({ format: "pem", type: "pkcs8" }).toString());
    const before = emu.stats().tokenRequests;
    const error = await source(keyFile).getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayAuthError);
    expect((error as AIGatewayAuthError).code).toBe("invalid_client");
    expect((error as Error).message).toMatch(/AI_GATEWAY_CLIENT_KEY_FILE/);
    expect(emu.stats().tokenRequests - before).toBe(1);
  });

  it("refuses an assertion whose audience is not this token endpoint", async () => {
    const keyFile = files.write("ec-aud.pem", ec.privateKey.export({ format: "pem", type: "pkcs8" }).toString());
    const error = await source(keyFile, { clientAssertionAudience: "https://someone-else.example/token" }).getToken().catch((e: unknown) => e);
    expect((error as AIGatewayAuthError).code).toBe("invalid_client");
    expect((error as AIGatewayAuthError).description).toMatch(/aud/);
  });

  it("fails at construction, naming the variable and quoting no key material, for a bad key file or algorithm", () => {
    const garbage = "-----BEGIN PRIVATE KEY-----\nTOPSECRETKEYMATERIAL0123456789\n-----END PRIVATE KEY-----\n";
    const cases: [string, Partial<ConstructorParameters<typeof ClientCredentialsTokenSource>[0]>, string][] = [
      ["a missing file", { clientKeyFile: files.write("dir-only", "") + ".missing" }, "AI_GATEWAY_CLIENT_KEY_FILE"],
      ["a garbled PEM", { clientKeyFile: files.write("garbled.pem", garbage) }, "AI_GATEWAY_CLIENT_KEY_FILE"],
      ["a public key", { clientKeyFile: files.write("public.pem", ec.publicKey.export({ format: "pem", type: "spki" }).toString()) }, "AI_GATEWAY_CLIENT_KEY_FILE"],
      ["an alg that does not suit the key", { clientKeyFile: files.write("ec2.pem", ec.privateKey.export({ format: "pem", type: "pkcs8" }).toString()), clientKeyAlg: "RS256" }, "AI_GATEWAY_CLIENT_KEY_ALG"],
    ];
    for (const [label, extra, variable] of cases) {
      let error: unknown;
      try {
        source("", extra);
      } catch (err) {
        error = err;
      }
      expect(error, label).toBeInstanceOf(AIGatewayConfigError);
      expect((error as AIGatewayConfigError).variable, label).toBe(variable);
      expect(JSON.stringify(error) + String((error as Error).message)).not.toContain("TOPSECRETKEYMATERIAL");
    }
  });

  it("stops createRuntime at startup with a ConfigurationError naming the key file", async () => {
    const env = {
      AI_GATEWAY_BASE_URL: emu.baseUrl,
      AI_GATEWAY_CLIENT_ID: emu.clientId,
      AI_GATEWAY_AUTH_METHOD: "private_key_jwt",
      AI_GATEWAY_CLIENT_KEY_FILE: files.write("empty.pem", "not a key"),
    };
    const error = await createRuntime({ env, logger: silentLogger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems.map((p) => p.variable)).toEqual(["AI_GATEWAY_CLIENT_KEY_FILE"]);
  });

  it("works end to end through the environment (createRuntime, verify)", async () => {
    const env = {
      AI_GATEWAY_BASE_URL: emu.baseUrl,
      AI_GATEWAY_CLIENT_ID: emu.clientId,
      AI_GATEWAY_AUTH_METHOD: "private_key_jwt",
      AI_GATEWAY_CLIENT_KEY_FILE: files.write("env-ec.pem", ec.privateKey.export({ format: "pem", type: "pkcs8" }).toString()),
    };
    const runtime = await createRuntime({ env, logger: silentLogger });
    try {
      expect(runtime.simulated).toBe(false);
      const outcome = await runtime.registry.verify("gateway");
      expect(outcome.ok).toBe(true);
      expect(outcome.token?.authMethod).toBe("private_key_jwt");
      expect(JSON.stringify(outcome)).not.toMatch(/PRIVATE KEY/);
    } finally {
      await runtime.close();
    }
  });
});

describe("client_secret_jwt", () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await emulator({});
  });
  afterAll(() => emu.close());

  it("gets a token with an HS256 assertion made from the client secret", async () => {
    const client = clientFor(emu, { authMethod: "client_secret_jwt" });
    try {
      expect((await client.listModels()).length).toBeGreaterThan(5);
      expect(emu.stats().authMethods).toEqual({ client_secret_jwt: 1 });
    } finally {
      await client.close();
    }
  });

  it("is refused with the wrong secret, once", async () => {
    const before = emu.stats().tokenRequests;
    const ts = new ClientCredentialsTokenSource({ tokenUrl: emu.tokenUrl, clientId: emu.clientId, clientSecret: "not-the-secret", authMethod: "client_secret_jwt", retry });
    const error = await ts.getToken().catch((e: unknown) => e);
    expect((error as AIGatewayAuthError).code).toBe("invalid_client");
    expect(emu.stats().tokenRequests - before).toBe(1);
  });
});

describe("mTLS", () => {
  let ca: TestCa;
  let clientCert: IssuedCert;
  let emu: EmulatorHandle;
  let caFile: string;
  let certFile: string;
  let keyFile: string;
  beforeAll(async () => {
    ca = await createTestCa();
    const serverCert = await ca.issue({ commonName: "127.0.0.1", server: true, ips: ["127.0.0.1"] });
    clientCert = await ca.issue({ commonName: "emulator-client" });
    emu = await emulator({ tls: { ...serverCert, clientCa: ca.cert } });
    caFile = files.write("ca.pem", ca.cert);
    certFile = files.write("client.pem", clientCert.cert);
    keyFile = files.write("client.key", clientCert.key);
  });
  afterAll(() => emu.close());

  it("authenticates with tls_client_auth and sends the certificate to the API too", async () => {
    const client = clientFor(emu, { authMethod: "tls_client_auth", clientSecret: undefined, tlsCert: certFile, tlsKey: keyFile, tlsCa: caFile });
    try {
      const result = await client.verifyCredentials();
      expect(result).toMatchObject({ ok: true });
      expect(result.token?.authMethod).toBe("tls_client_auth");
      expect(emu.stats().authMethods.tls_client_auth).toBe(1);
      expect(emu.stats().modelRequests).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it("authenticates with self_signed_tls_client_auth the same way: client id in the body, certificate on the connection", async () => {
    const client = clientFor(emu, { authMethod: "self_signed_tls_client_auth", clientSecret: undefined, tlsCert: certFile, tlsKey: keyFile, tlsCa: caFile });
    const before = emu.stats().authMethods.tls_client_auth ?? 0;
    try {
      const result = await client.verifyCredentials();
      expect(result).toMatchObject({ ok: true });
      expect(result.token?.authMethod).toBe("self_signed_tls_client_auth");
      // The emulator identifies the client by the verified certificate plus the client_id form field.
      expect((emu.stats().authMethods.tls_client_auth ?? 0) - before).toBe(1);
    } finally {
      await client.close();
    }
  });

  it("without the client certificate fails the handshake with a clear error, not a retried network error", async () => {
    const before = emu.stats();
    const client = clientFor(emu, { tlsCa: caFile });
    try {
      const error = await client.listModels().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AIGatewayConfigError);
      expect((error as AIGatewayConfigError).code).toBe("tls_client_certificate_required");
      expect((error as Error).message).toMatch(/AI_GATEWAY_TLS_CERT/);
      const after = emu.stats();
      expect(after.tlsHandshakeFailures - before.tlsHandshakeFailures).toBe(1);
      expect(after.tokenRequests - before.tokenRequests).toBe(0);
    } finally {
      await client.close();
    }
  });

  it("maps the TLS alerts of a server that refuses a client certificate to a configuration error", () => {
    // Servers that refuse an untrusted certificate with an alert (OpenSSL-based ones such as
    // Envoy) surface it through the client's connector; the emulator, being Node, just closes.
    for (const code of ["ERR_SSL_TLSV1_ALERT_UNKNOWN_CA", "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED"]) {
      const error = toGatewayError(Object.assign(new Error("alert"), { code }), "gw.example", "the AI gateway");
      expect(error, code).toBeInstanceOf(AIGatewayConfigError);
      expect(error.code).toBe("tls_client_certificate_rejected");
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(/AI_GATEWAY_TLS_CERT/);
    }
  });

  it("refuses mismatched or unreadable TLS files at construction, naming the variable", () => {
    const other = signingKeyPair("ec").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const cases: [Record<string, string>, string][] = [
      [{ tlsCert: certFile, tlsKey: files.write("other.key", other) }, "AI_GATEWAY_TLS_KEY"],
      [{ tlsCert: certFile, tlsKey: `${keyFile}.missing` }, "AI_GATEWAY_TLS_KEY"],
      [{ tlsCa: files.write("bad-ca.pem", "not a certificate") }, "AI_GATEWAY_TLS_CA"],
      [{ tlsCert: certFile }, "AI_GATEWAY_TLS_KEY"],
    ];
    for (const [tlsFiles, variable] of cases) {
      let error: unknown;
      try {
        clientFor(emu, tlsFiles);
      } catch (err) {
        error = err;
      }
      expect(error, variable).toBeInstanceOf(AIGatewayConfigError);
      expect((error as AIGatewayConfigError).variable).toBe(variable);
      expect((error as Error).message).not.toContain("PRIVATE KEY");
    }
  });

  it("passes the TLS files through createRuntime's tls option", async () => {
    const env = { AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_AUTH_METHOD: "tls_client_auth", AI_GATEWAY_TLS_CERT: "/nonexistent/overridden.pem" };
    const runtime = await createRuntime({ env, logger: silentLogger, tls: { cert: certFile, key: keyFile, ca: caFile } });
    try {
      expect((await runtime.registry.verify("gateway")).ok).toBe(true);
    } finally {
      await runtime.close();
    }
  });
});
