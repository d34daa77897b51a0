/**
 * Gateway clients for models that were not handed one. A client is built on the first call
 * (so constructing a model does no I/O and never fails on an empty environment) and shared by
 * every model built from the same settings: one token cache and one connection pool per
 * gateway identity instead of one per model.
 */
import { createHash } from "node:crypto";
import { AIGatewayClient } from "../../gateway/client.js";
import { gatewayConfig, loadConfig, type GatewayConfig } from "../../config/config.js";
import type { Logger } from "../../logging/logger.js";
import type { TokenFunction } from "../../gateway/token_callback.js";
import type { TokenProvider } from "../../gateway/token_source.js";
import { CONNECTION_KEYS, type ChatAIGatewayConnectionFields } from "./types.js";

/**
 * Gateway configuration for a model: the fields it was given, the environment for the rest.
 * An explicit credential of one kind wins over an environment credential of the other kind.
 * When the fields are complete the environment is not read, so an unrelated bad variable
 * cannot break a fully configured model.
 */
export function resolveGatewayConfig(
  fields: ChatAIGatewayConnectionFields,
  env: Record<string, string | undefined> = process.env,
  hasTokenProvider = false,
): GatewayConfig {
  const given: Partial<GatewayConfig> = {};
  for (const key of CONNECTION_KEYS) {
    const value = fields[key];
    if (value !== undefined && value !== "") (given as Record<string, unknown>)[key] = value;
  }
  const explicitOAuth = given.clientId !== undefined && given.clientSecret !== undefined;
  // A token provider stands in for every credential, so a base URL is all the fields must give.
  const complete = given.baseUrl !== undefined && (explicitOAuth || given.apiKey !== undefined || hasTokenProvider);
  const base = complete ? gatewayConfig() : loadConfig(env).gateway;
  const merged: GatewayConfig = { ...base, ...given };
  if (given.apiKey !== undefined && !explicitOAuth) {
    // The model asked for a static key: OAuth credentials from the environment must not win.
    merged.clientId = undefined;
    merged.clientSecret = undefined;
  }
  return merged;
}

const shared = new Map<string, AIGatewayClient>();

const providerIds = new WeakMap<object, number>();
let nextProviderId = 1;

/** A stable number per token provider object, so it can take part in the registry key. */
function providerId(provider: object): number {
  let id = providerIds.get(provider);
  if (id === undefined) providerIds.set(provider, (id = nextProviderId++));
  return id;
}

/** Registry key of a configuration; secrets enter only as a digest. */
function registryKey(cfg: GatewayConfig): string {
  const { clientSecret, apiKey, ...rest } = cfg;
  const digest = createHash("sha256")
    .update(`${clientSecret ?? ""}\u0000${apiKey ?? ""}`)
    .digest("base64url");
  return JSON.stringify(rest) + digest;
}

/**
 * The client for `fields`: a shared one for the same settings, or a new one. Throws the
 * client's own clear errors when no base URL or no credentials can be found.
 * A model with its own logger gets a client of its own, since the logger is not comparable.
 */
export function gatewayClientFor(fields: ChatAIGatewayConnectionFields, logger?: Logger, tokenProvider?: TokenFunction | TokenProvider): AIGatewayClient {
  const cfg = resolveGatewayConfig(fields, process.env, tokenProvider !== undefined);
  if (logger) return AIGatewayClient.fromConfig(cfg, { logger, tokenProvider });
  // Models sharing one token provider share one client, so the provider's results are cached once.
  const key = registryKey(cfg) + (tokenProvider ? `#tokenProvider${providerId(tokenProvider)}` : "");
  let client = shared.get(key);
  if (!client) {
    client = AIGatewayClient.fromConfig(cfg, { tokenProvider });
    shared.set(key, client);
  }
  return client;
}

/** Closes every client built for models without a client of their own (for clean shutdowns and tests). */
export async function closeSharedGatewayClients(): Promise<void> {
  const clients = [...shared.values()];
  shared.clear();
  await Promise.all(clients.map((c) => c.close()));
}
