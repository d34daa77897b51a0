/**
 * Issuer discovery (RFC 8414 first, then OpenID Connect) against loopback issuers, and the
 * protocol errors it can meet: each is one typed, non-retried AIGatewayConfigError naming the
 * variable to fix, never a retried network error.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { AIGatewayConfigError, AIGatewayNetworkError, ClientCredentialsTokenSource, wellKnownUrl } from "../../src/gateway/index.js";
import { clientFor, emulator } from "../helpers/gateway.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function emu(options: Parameters<typeof emulator>[0]): Promise<EmulatorHandle> {
  const e = await emulator(options);
  closers.push(() => e.close());
  return e;
}

/** A loopback server answering every request with `handler`, counting requests by path. */
async function loopback(handler: (req: IncomingMessage, res: ServerResponse, base: string) => void): Promise<{ base: string; hits: string[] }> {
  const hits: string[] = [];
  let base = "";
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    handler(req, res, base);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  return { base, hits };
}

const retry = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 10 };

describe("issuer discovery", () => {
  it("computes both well-known URLs for issuers with and without a path", () => {
    const plain = new URL("https://idp.example/");
    const tenant = new URL("https://idp.example/tenant-a/v2.0");
    expect(wellKnownUrl(plain, "oauth-authorization-server")).toBe("https://idp.example/.well-known/oauth-authorization-server");
    expect(wellKnownUrl(plain, "openid-configuration")).toBe("https://idp.example/.well-known/openid-configuration");
    expect(wellKnownUrl(tenant, "oauth-authorization-server")).toBe("https://idp.example/.well-known/oauth-authorization-server/tenant-a/v2.0");
    expect(wellKnownUrl(tenant, "openid-configuration")).toBe("https://idp.example/tenant-a/v2.0/.well-known/openid-configuration");
  });

  it.each([
    ["without a path", ""],
    ["with a path", "/tenant-a/v2.0"],
  ])("works through AI_GATEWAY_ISSUER for an issuer that serves only openid-configuration, %s", async (_label, path) => {
    const e = await emu({ issuerMetadata: { documents: ["openid-configuration"], path } });
    const client = clientFor(e, { issuer: e.issuer });
    closers.push(() => client.close());
    const result = await client.verifyCredentials();
    expect(result.ok).toBe(true);
    expect(result.token?.discovery).toEqual({ document: "openid-configuration", url: `${e.issuer}/.well-known/openid-configuration` });
    expect(result.token?.tokenEndpoint).toBe(e.tokenUrl);
    // RFC 8414 was asked first (and answered 404), then the OpenID document, once each.
    expect(e.stats().metadataRequests).toEqual({
      [`/.well-known/oauth-authorization-server${path}`]: 1,
      [`${path}/.well-known/openid-configuration`]: 1,
    });
  });

  it("prefers RFC 8414 metadata when the issuer serves both documents", async () => {
    const e = await emu({ issuerMetadata: { path: "/realm" } });
    const ts = new ClientCredentialsTokenSource({ issuer: e.issuer, clientId: e.clientId, clientSecret: e.clientSecret });
    expect(await ts.getToken()).toMatch(/\S{16,}/);
    expect(ts.info().discovery?.document).toBe("oauth-authorization-server");
    expect(Object.keys(e.stats().metadataRequests)).toEqual(["/.well-known/oauth-authorization-server/realm"]);
  });

  it("turns metadata 404s into one clear, non-retried error: one request per document, no token request", async () => {
    const issuer = await loopback((_req, res) => {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not here");
    });
    const ts = new ClientCredentialsTokenSource({ issuer: `${issuer.base}/tenant`, clientId: "c", clientSecret: "s", retry });
    const error = await ts.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayConfigError);
    expect(error).not.toBeInstanceOf(AIGatewayNetworkError);
    expect((error as AIGatewayConfigError).code).toBe("issuer_metadata_not_found");
    expect((error as AIGatewayConfigError).variable).toBe("AI_GATEWAY_ISSUER");
    expect((error as AIGatewayConfigError).retryable).toBe(false);
    expect((error as Error).message).toMatch(/AI_GATEWAY_ISSUER/);
    expect(issuer.hits).toEqual(["GET /.well-known/oauth-authorization-server/tenant", "GET /tenant/.well-known/openid-configuration"]);
    expect(ts.tokenRequests).toBe(0);
  });

  it("through the client, a missing-metadata error is not retried by the API layer either", async () => {
    const issuer = await loopback((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    const e = await emu({});
    const client = clientFor(e, { issuer: issuer.base, tokenUrl: undefined });
    closers.push(() => client.close());
    const error = await client.listModels().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AIGatewayConfigError);
    expect(issuer.hits).toHaveLength(2);
    expect(e.stats().modelRequests).toBe(0);
  });

  it("names an issuer mismatch as such, once, naming the variable", async () => {
    const issuer = await loopback((_req, res, base) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ issuer: `${base}/someone-else`, token_endpoint: `${base}/token` }));
    });
    const ts = new ClientCredentialsTokenSource({ issuer: issuer.base, clientId: "c", clientSecret: "s", retry });
    const error = (await ts.getToken().catch((e: unknown) => e)) as AIGatewayConfigError;
    expect(error).toBeInstanceOf(AIGatewayConfigError);
    expect(error.code).toBe("issuer_mismatch");
    expect(error.message).toContain(`${issuer.base}/someone-else`);
    expect(error.message).toMatch(/AI_GATEWAY_ISSUER/);
    expect(issuer.hits).toHaveLength(1);
  });

  it("refuses metadata that names a plain-http token endpoint on another host, naming AI_GATEWAY_ALLOW_INSECURE_HTTP", async () => {
    const issuer = await loopback((_req, res, base) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ issuer: base, token_endpoint: "http://idp.invalid/token" }));
    });
    const ts = new ClientCredentialsTokenSource({ issuer: issuer.base, clientId: "c", clientSecret: "s", retry });
    const error = (await ts.getToken().catch((e: unknown) => e)) as AIGatewayConfigError;
    expect(error).toBeInstanceOf(AIGatewayConfigError);
    expect(error.code).toBe("insecure_http");
    expect(error.message).toMatch(/AI_GATEWAY_ALLOW_INSECURE_HTTP/);
    expect(ts.tokenRequests).toBe(0);
  });

  it("classes a token endpoint that answers something other than OAuth2 as a configuration error, not retried", async () => {
    const endpoint = await loopback((_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<html>nope</html>");
    });
    const ts = new ClientCredentialsTokenSource({ tokenUrl: `${endpoint.base}/token`, clientId: "c", clientSecret: "s", retry });
    const error = (await ts.getToken().catch((e: unknown) => e)) as AIGatewayConfigError;
    expect(error).toBeInstanceOf(AIGatewayConfigError);
    expect(error.code).toBe("invalid_token_response");
    expect(error.message).toMatch(/AI_GATEWAY_TOKEN_URL/);
    expect(endpoint.hits).toHaveLength(1);
  });

  it("still retries an issuer that is down (5xx) before giving up", async () => {
    const issuer = await loopback((_req, res) => {
      res.writeHead(503);
      res.end();
    });
    const ts = new ClientCredentialsTokenSource({ issuer: issuer.base, clientId: "c", clientSecret: "s", retry });
    const error = (await ts.getToken().catch((e: unknown) => e)) as { code: string; retryable: boolean };
    expect(error.code).toBe("issuer_unavailable");
    expect(error.retryable).toBe(true);
    expect(issuer.hits).toHaveLength(3);
  });
});
