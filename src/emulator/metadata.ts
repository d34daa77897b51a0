/**
 * The emulator's issuer metadata: RFC 8414 `oauth-authorization-server` and OpenID
 * `openid-configuration` documents, at the well-known paths each spec gives for an issuer with
 * a path (RFC 8414 §3.1 inserts the well-known segment before the path; OpenID Discovery §4
 * appends it after).
 */
import type { ServerResponse } from "node:http";
import { sendJson } from "./http_util.js";
import type { EmulatorHandle } from "./types.js";

/** A metadata document the emulator can serve. */
export type EmulatorMetadataDocument = "oauth-authorization-server" | "openid-configuration";

/** Which document `path` asks for, given the issuer's path (e.g. "" or "/tenant/v2.0"); undefined if none. */
export function metadataDocumentFor(path: string, issuerPath: string): EmulatorMetadataDocument | undefined {
  if (path === `/.well-known/oauth-authorization-server${issuerPath}`) return "oauth-authorization-server";
  if (path === `${issuerPath}/.well-known/openid-configuration`) return "openid-configuration";
  return undefined;
}

/** Answers with the metadata of the emulator's issuer. */
export function serveMetadata(res: ServerResponse, handle: Pick<EmulatorHandle, "issuer" | "tokenUrl">, document: EmulatorMetadataDocument, mtls: boolean): void {
  const body: Record<string, unknown> = {
    issuer: handle.issuer,
    token_endpoint: handle.tokenUrl,
    grant_types_supported: ["client_credentials"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", ...(mtls ? ["tls_client_auth"] : [])],
    token_endpoint_auth_signing_alg_values_supported: ["RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA", "HS256"],
  };
  if (mtls) body.mtls_endpoint_aliases = { token_endpoint: handle.tokenUrl };
  if (document === "openid-configuration") Object.assign(body, { response_types_supported: ["token"], subject_types_supported: ["public"] });
  sendJson(res, 200, body, { "cache-control": "no-store" });
}
