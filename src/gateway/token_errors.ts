/**
 * Messages for the token endpoint's RFC 6749 §5.2 error codes (and RFC 8707's invalid_target):
 * what went wrong in words, and which setting to check. Rejected credentials (a wrong client id
 * or secret) are told apart from the other codes, which are about what was asked for, whatever
 * code the identity provider picked for them: see `rejectsCredentials`.
 */
import { quoteUpstream } from "./upstream_text.js";

/** Advice per error code, naming the variable to check. invalid_client's depends on the auth method, so the token source supplies it. */
const TOKEN_ERROR_ADVICE: Readonly<Record<string, string>> = {
  invalid_scope:
    "Check AI_GATEWAY_SCOPE: the identity provider does not know that scope or has not granted it to this client " +
    "(Microsoft Entra ID wants the resource's '/.default' scope for client credentials).",
  invalid_target:
    "Check AI_GATEWAY_RESOURCE and AI_GATEWAY_AUDIENCE: the identity provider does not know the resource asked for, or does not let this client use it.",
  unauthorized_client:
    "The OAuth2 client (AI_GATEWAY_CLIENT_ID) may not use the client-credentials grant: ask the identity provider's administrators to allow it for this client.",
  unsupported_grant_type:
    "The token endpoint does not support the client-credentials grant: check AI_GATEWAY_TOKEN_URL (or AI_GATEWAY_ISSUER).",
  invalid_request:
    "The token endpoint found the request malformed: check AI_GATEWAY_SCOPE, AI_GATEWAY_RESOURCE and AI_GATEWAY_AUDIENCE, and AI_GATEWAY_AUTH_METHOD.",
  invalid_grant: "Check the gateway's OAuth2 client settings with the identity provider's administrators.",
};

/**
 * Descriptions that mean "wrong client id or secret" in the words of common identity providers:
 * Keycloak ("Invalid client or Invalid client credentials"), Entra ID (AADSTS7000215 invalid
 * secret, AADSTS7000222 expired secret, AADSTS700016 unknown application), Okta ("The client
 * secret supplied for a confidential client is invalid", "Client authentication failed"), and
 * the generic "invalid client secret" / "bad client credentials".
 */
const WRONG_CREDENTIALS_TEXT =
  /\b(AADSTS7000215|AADSTS7000222|AADSTS700016|invalid client(?: secret| credentials)?\b|(?:invalid|bad|wrong) client (?:secret|credentials)|client secret (?:supplied|provided)[^.]*\binvalid|client authentication failed|client credentials are invalid)/i;

/**
 * Whether a token endpoint's error means the client's credentials were rejected. RFC 6749 §5.2
 * keeps 401 for invalid_client, yet identity providers answer a wrong secret with other codes:
 * Keycloak with `unauthorized_client`, Auth0 with `access_denied` ("Unauthorized"). So a 401, or
 * a description in the words above, counts as rejected credentials whatever the code says.
 */
export function rejectsCredentials(status: number, code: string, description: string | undefined): boolean {
  if (code === "invalid_client" || status === 401) return true;
  return description !== undefined && WRONG_CREDENTIALS_TEXT.test(description);
}

/**
 * The message of an RFC 6749 error from the token endpoint: the server's code and description
 * (scrubbed of secrets, shortened, support ids kept whole) and the advice. `credentialsRejected`
 * comes from `rejectsCredentials`; `invalidClientAdvice` is the advice for that case.
 */
export function tokenErrorMessage(
  status: number,
  code: string,
  description: string | undefined,
  credentialsRejected: boolean,
  invalidClientAdvice: string,
): string {
  const said = `${status} ${code}${description ? `: ${quoteUpstream(description, 300)}` : ""}`;
  if (credentialsRejected) {
    return `The token endpoint rejected the client credentials (${said}). ${invalidClientAdvice}`;
  }
  const advice = TOKEN_ERROR_ADVICE[code] ?? "Check the gateway's OAuth2 client settings.";
  return `The token endpoint refused to issue a token (${said}). ${advice}`;
}
