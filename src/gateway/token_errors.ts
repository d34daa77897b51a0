/**
 * Messages for the token endpoint's RFC 6749 §5.2 error codes (and RFC 8707's invalid_target):
 * what went wrong in words, and which setting to check. Only invalid_client means the
 * credentials themselves were rejected; the other codes are about what was asked for.
 */
import { scrubText } from "../logging/redact.js";

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
 * The message of an RFC 6749 error from the token endpoint: the code, the server's description
 * (scrubbed of secrets, shortened) and the advice. `invalidClientAdvice` is used for invalid_client.
 */
export function tokenErrorMessage(code: string, description: string | undefined, invalidClientAdvice: string): string {
  const said = description ? ` (${scrubText(description).slice(0, 300)})` : "";
  if (code === "invalid_client") return `The token endpoint rejected the client credentials: ${code}${said}. ${invalidClientAdvice}`;
  const advice = TOKEN_ERROR_ADVICE[code] ?? "Check the gateway's OAuth2 client settings.";
  return `The token endpoint refused to issue a token: ${code}${said}. ${advice}`;
}
