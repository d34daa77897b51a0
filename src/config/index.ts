/** Configuration: one zod schema for the environment and the shaped config objects. */
export { envSchema, SECRET_ENV_VARS, PROVIDER_NAMES, TIER_NAMES, MULTITASK_STRATEGIES, type Env, type MultitaskStrategy } from "./schema.js";
export {
  loadConfig,
  loadDotEnv,
  gatewayConfig,
  isGatewayConfigured,
  ConfigError,
  DEFAULT_TIER_MODELS,
  type AppConfig,
  type ProvidersConfig,
  type ProviderName,
  type TierName,
  type GatewayConfig,
  type ClientAuthMethod,
} from "./config.js";
export { packageVersion, PACKAGE_NAME } from "./package_info.js";
