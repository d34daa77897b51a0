/**
 * Issuer discovery: RFC 8414 `oauth-authorization-server` metadata first, then OpenID Connect
 * `openid-configuration` (Entra ID, Auth0 and others publish only the latter). For an issuer
 * with a path the two documents sit in different places (oauth4webapi builds both URLs):
 *
 * - RFC 8414 §3.1: https://idp.example/.well-known/oauth-authorization-server/tenant
 * - OIDC Discovery §4: https://idp.example/tenant/.well-known/openid-configuration
 *
 * A 4xx (or a 200 that is not metadata) from the first moves on to the second. Only transport
 * failures, 5xx and 429 are retryable; everything else is an AIGatewayConfigError naming
 * AI_GATEWAY_ISSUER, thrown after one request per document.
 */
import * as oauth from "oauth4webapi";
import { scrubText } from "../logging/redact.js";
import { AIGatewayConfigError, AIGatewayHTTPError } from "./errors.js";
import { toGatewayError } from "./network_errors.js";

/** Which metadata document named the token endpoint. */
export type MetadataDocument = "oauth-authorization-server" | "openid-configuration";

/** The result of discovery. */
export interface DiscoveredIssuer {
  server: oauth.AuthorizationServer;
  document: MetadataDocument;
  /** URL of the document used. */
  url: string;
}

/** HTTP options for one discovery request to `url` (fetch, timeout, plain-http permission). */
export type DiscoveryHttpOptions = (url: URL) => oauth.DiscoveryRequestOptions;

const ATTEMPTS: readonly { document: MetadataDocument; algorithm: "oauth2" | "oidc" }[] = [
  { document: "oauth-authorization-server", algorithm: "oauth2" },
  { document: "openid-configuration", algorithm: "oidc" },
];

/** The well-known URL of `document` for `issuer`, as oauth4webapi requests it. */
export function wellKnownUrl(issuer: URL, document: MetadataDocument): string {
  const url = new URL(issuer.href);
  const path = url.pathname.replace(/\/$/, "");
  if (document === "openid-configuration") url.pathname = `${path}/.well-known/openid-configuration`;
  else url.pathname = `/.well-known/oauth-authorization-server${path === "" ? "" : path}`;
  return url.href;
}

/** Fetches the issuer's metadata; see the file comment for the order and the error classes. */
export async function discoverIssuer(issuer: URL, http: DiscoveryHttpOptions): Promise<DiscoveredIssuer> {
  const misses: string[] = [];
  let invalid: AIGatewayConfigError | undefined;
  for (const attempt of ATTEMPTS) {
    const url = wellKnownUrl(issuer, attempt.document);
    let res: Response;
    try {
      res = await oauth.discoveryRequest(issuer, { ...http(issuer), algorithm: attempt.algorithm });
    } catch (err) {
      throw toGatewayError(err, issuer.host, "the OAuth2 issuer");
    }
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      await res.body?.cancel();
      throw new AIGatewayHTTPError(`The OAuth2 issuer at '${issuer.host}' answered ${res.status} to a metadata request; it may be down. Try again later.`, {
        status: res.status,
        code: "issuer_unavailable",
        retryable: true,
      });
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      misses.push(`${url} answered ${res.status}`);
      continue;
    }
    try {
      return { server: await oauth.processDiscoveryResponse(issuer, res), document: attempt.document, url };
    } catch (err) {
      invalid ??= metadataError(err, issuer, url);
      if (invalid.code === "issuer_mismatch") throw invalid;
    }
  }
  if (invalid) throw invalid;
  throw new AIGatewayConfigError(
    `Found no OAuth2 metadata for the issuer '${issuer.href}': ${misses.join("; ")}. ` +
      "Check AI_GATEWAY_ISSUER (the issuer identifier exactly, with its path), or set AI_GATEWAY_TOKEN_URL instead.",
    { code: "issuer_metadata_not_found", variable: "AI_GATEWAY_ISSUER" },
  );
}

function metadataError(err: unknown, issuer: URL, url: string): AIGatewayConfigError {
  if (err instanceof oauth.OperationProcessingError && err.code === oauth.JSON_ATTRIBUTE_COMPARISON) {
    const body = (err.cause as { body?: { issuer?: unknown } } | undefined)?.body;
    const named = typeof body?.issuer === "string" ? scrubText(body.issuer).slice(0, 200) : "another issuer";
    return new AIGatewayConfigError(
      `The metadata at ${url} belongs to the issuer '${named}', not to AI_GATEWAY_ISSUER '${issuer.href}'. ` +
        "Set AI_GATEWAY_ISSUER to exactly the issuer the metadata names (a trailing slash counts).",
      { code: "issuer_mismatch", variable: "AI_GATEWAY_ISSUER" },
    );
  }
  return new AIGatewayConfigError(
    `The document at ${url} is not valid OAuth2 metadata (${describeOAuthError(err)}). Check AI_GATEWAY_ISSUER, or set AI_GATEWAY_TOKEN_URL instead.`,
    { code: "issuer_metadata_invalid", variable: "AI_GATEWAY_ISSUER" },
  );
}

/** A short, secret-free reason from an oauth4webapi error: its code, or its own fixed message. */
export function describeOAuthError(err: unknown): string {
  if (err instanceof oauth.OperationProcessingError || err instanceof oauth.UnsupportedOperationError) {
    return scrubText(err.message).slice(0, 160);
  }
  return "unexpected response";
}
