/**
 * The one plain-http rule (src/net/plain_http.ts) and its agreement with the SSRF guard on what
 * loopback is: every credential-carrying URL is judged by the same function.
 */
import { describe, expect, it } from "vitest";
import { checkUrlSyntax, isLoopbackHost, mayCarryCredentials, plainHttpProblem } from "../../src/net/index.js";
import { mcpServerSchema } from "../../src/policy/mcp_config.js";

describe("plainHttpProblem", () => {
  it.each([
    ["https://gateway.example.com/v1", undefined],
    ["https://10.0.0.5/", undefined],
    ["http://127.0.0.1:8080/", undefined],
    ["http://127.9.9.9/", undefined],
    ["http://localhost:1/", undefined],
    ["http://api.localhost/", undefined],
    ["http://[::1]:9/", undefined],
    ["http://gateway.invalid/", "plain_http"],
    ["http://10.0.0.5/", "plain_http"],
    ["http://localhost.example.com/", "plain_http"],
    ["http://[::ffff:127.0.0.1]/", "plain_http"],
    ["http://[::ffff:7f00:1]/", "plain_http"],
    ["ftp://example.com/", "unsupported_scheme"],
    ["not a url", "unsupported_scheme"],
  ])("%s -> %s", (url, expected) => {
    expect(plainHttpProblem(url)).toBe(expected);
  });

  it("lets the explicit insecure flag allow plain http anywhere, but never another scheme", () => {
    expect(plainHttpProblem("http://gateway.invalid/", true)).toBeUndefined();
    expect(plainHttpProblem("ftp://gateway.invalid/", true)).toBe("unsupported_scheme");
    expect(mayCarryCredentials("http://gateway.invalid/")).toBe(false);
    expect(mayCarryCredentials("http://gateway.invalid/", true)).toBe(true);
  });

  it("judges [::ffff:127.0.0.1] as the SSRF guard does: not loopback", () => {
    const url = new URL("http://[::ffff:127.0.0.1]:8080/v1");
    expect(isLoopbackHost(url.hostname)).toBe(false);
    expect(plainHttpProblem(url)).toBe("plain_http");
    // The SSRF guard, even with its loopback development flag on, refuses the same address.
    expect(() => checkUrlSyntax(url.href, { allowInsecureLoopback: true })).toThrow(/IPv4-mapped/);
    // And MCP server URLs follow the same rule.
    const parsed = mcpServerSchema.safeParse({ transport: "http", url: url.href });
    expect(parsed.success).toBe(false);
    expect(mcpServerSchema.safeParse({ transport: "http", url: "http://127.0.0.1:9/mcp" }).success).toBe(true);
  });

  it("applies to an MCP server's own token endpoint as well as its URL", () => {
    const server = (tokenUrl: string) =>
      mcpServerSchema.safeParse({ transport: "http", url: "https://mcp.example.com/mcp", auth: { tokenUrl, clientId: "c", clientSecret: "s" } });
    expect(server("https://idp.example.com/token").success).toBe(true);
    expect(server("http://127.0.0.1:9/token").success).toBe(true);
    expect(server("http://idp.example.com/token").success).toBe(false);
  });
});
