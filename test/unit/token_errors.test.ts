import { describe, expect, it } from "vitest";
import { rejectsCredentials, tokenErrorMessage } from "../../src/gateway/token_errors.js";
import { registerSecret } from "../../src/logging/redact.js";

describe("rejectsCredentials", () => {
  it.each<[string, number, string, string | undefined, boolean]>([
    ["RFC 6749 invalid_client", 400, "invalid_client", undefined, true],
    ["Keycloak's 401 unauthorized_client", 401, "unauthorized_client", "Invalid client or Invalid client credentials", true],
    ["Auth0's 401 access_denied", 401, "access_denied", "Unauthorized", true],
    ["Entra ID, unknown application (400)", 400, "unauthorized_client", "AADSTS700016: Application with identifier 'x' was not found in the directory 'y'.", true],
    ["Entra ID, expired secret", 400, "invalid_client", "AADSTS7000222: The provided client secret keys for app 'x' are expired.", true],
    ["a grant the client may not use", 400, "unauthorized_client", "The client is not authorized to request an access token using this method.", false],
    ["an unknown scope", 400, "invalid_scope", "AADSTS1002012: The provided value for scope x is not valid.", false],
    ["client_assertion wording is not a secret", 400, "invalid_request", "invalid client_assertion_type", false],
  ])("%s", (_name, status, code, description, expected) => {
    expect(rejectsCredentials(status, code, description)).toBe(expected);
  });
});

describe("tokenErrorMessage", () => {
  it("keeps support ids whole when the description is cut", () => {
    const description = `${"x".repeat(400)}\r\nTrace ID: 0a1b2c3d-4e5f\r\nCorrelation ID: 6a7b8c9d-0e1f\r\nTimestamp: 2024-11-13 12:00:00Z`;
    const message = tokenErrorMessage(401, "invalid_client", description, true, "Check AI_GATEWAY_CLIENT_SECRET.");
    expect(message).toContain(`${"x".repeat(300)}… Trace ID: 0a1b2c3d-4e5f, Correlation ID: 6a7b8c9d-0e1f, Timestamp: 2024-11-13 12:00:00Z). Check AI_GATEWAY_CLIENT_SECRET.`);
  });

  it("never repeats a client secret an identity provider echoes in its description", () => {
    registerSecret("idp-echoed-secret-91b2c7");
    const message = tokenErrorMessage(401, "invalid_client", "Invalid client secret 'idp-echoed-secret-91b2c7' provided.", true, "Check AI_GATEWAY_CLIENT_SECRET.");
    expect(message).toContain("Invalid client secret");
    expect(message).not.toContain("idp-echoed-secret-91b2c7");
  });
});
