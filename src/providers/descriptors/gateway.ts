/**
 * The AI gateway as a provider. It is special: its configuration is the rich GatewayConfig
 * (OAuth2, mTLS, headers, timeouts), one client is shared by every tier, verify goes through that
 * client, and its HTTP settings (src/server/schemas.ts) carry OAuth2 fields. What fits the
 * common descriptor is here.
 */
import { DEFAULT_TIER_MODELS, isGatewayConfigured } from "../../config/index.js";
import { ChatAIGateway } from "../../models/index.js";
import { maskSecret } from "./define.js";
import type { GatewayDescriptor } from "./types.js";

/** The gateway provider. */
export const gateway: GatewayDescriptor = {
  kind: "gateway",
  name: "gateway",
  label: "The AI gateway",
  defaultModels: { ...DEFAULT_TIER_MODELS },
  // Our own client's errors are typed classes; classify.ts reads them directly.
  errorNames: {},
  // A gateway's models are priced by their id alone: it may route to any vendor.
  prices: {},
  settingsFromConfig: (app) => ({ enabled: app.gateway.enabled, gateway: app.gateway }),
  isConfigured: (s) => isGatewayConfigured({ ...s.gateway, enabled: true }),
  secretsOf: (s) => [s.gateway.clientSecret, s.gateway.apiKey].filter((v): v is string => !!v),
  mask: (s) => ({
    baseUrl: s.gateway.baseUrl,
    apiPath: s.gateway.apiPath,
    tokenUrl: s.gateway.tokenUrl,
    clientId: s.gateway.clientId,
    clientSecret: maskSecret(s.gateway.clientSecret),
    apiKey: maskSecret(s.gateway.apiKey),
  }),
  // ChatAIGateway is part of this package: nothing to load.
  loadSdk: async () => undefined,
  createModel: (_settings, ctx) => {
    if (!ctx.gatewayClient) throw new Error("The gateway provider needs a gateway client.");
    // Parameter rules per model family (temperature vs reasoning effort) live in ChatAIGateway.
    return new ChatAIGateway({
      model: ctx.model,
      client: ctx.gatewayClient,
      maxTokens: ctx.tier.maxTokens,
      temperature: ctx.tier.temperature,
      reasoningEffort: ctx.tier.reasoningEffort,
    });
  },
};
