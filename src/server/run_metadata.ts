/**
 * A run's `metadata` (HTTP API) as gateway headers, through AI_GATEWAY_METADATA_HEADERS
 * (`user=x-end-user,costCenter=x-cost-center`). A key the mapping does not name is refused with
 * 400 rather than dropped: a misspelt chargeback field should be noticed, not go unbilled.
 */
import { HeaderRuleError, metadataToHeaders } from "../config/index.js";
import { HttpError } from "./errors.js";

/**
 * The gateway headers of a run with `metadata`, or an HttpError 400 naming the key at fault.
 * Who the run is for goes along for chargeback when the mapping names `tenant` or `user`: the
 * tenant is the API key's (a client cannot send one), the user is the run body's `user`.
 */
export function runHeadersFromMetadata(
  metadata: Record<string, string> | undefined,
  mapping: Readonly<Record<string, string>>,
  principal: { tenant?: string; user?: string } = {},
): Record<string, string> | undefined {
  if (metadata?.tenant !== undefined && mapping.tenant !== undefined) {
    throw new HttpError(400, "invalid_request", "Invalid request: metadata.tenant cannot be sent; the tenant comes from the API key (API_TENANT_KEYS).", [
      { path: "metadata.tenant", message: "comes from the API key" },
    ]);
  }
  const given = { ...metadata };
  if (principal.user !== undefined && mapping.user !== undefined) given.user = principal.user;
  if (principal.tenant !== undefined && mapping.tenant !== undefined) given.tenant = principal.tenant;
  if (Object.keys(given).length === 0) return undefined;
  try {
    return metadataToHeaders(given, mapping);
  } catch (err) {
    if (!(err instanceof HeaderRuleError)) throw err;
    const path = `metadata.${(err.key ?? "").slice(0, 64)}`;
    throw new HttpError(400, "invalid_request", `Invalid request: ${err.message}`, [{ path, message: err.message }]);
  }
}
