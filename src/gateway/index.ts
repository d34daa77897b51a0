/** AI gateway client: OAuth2 client credentials, models, chat completions, SSE streaming, typed errors. No LangChain. */
export {
  AIGatewayClient,
  type AIGatewayClientOptions,
  type RequestOptions,
  type VerifyResult,
  type VerifyTokenDetails,
  type ChatCompletionResponse,
} from "./client.js";
export { ChatCompletionStream } from "./chat_stream.js";
export {
  ClientCredentialsTokenSource,
  StaticTokenProvider,
  DEFAULT_TOKEN_PATH,
  type TokenProvider,
  type TokenSourceInfo,
  type TokenSourceOptions,
} from "./token_source.js";
export { FunctionTokenProvider, type FunctionTokenProviderOptions, type TokenFunction, type TokenFunctionResult } from "./token_callback.js";
export { wellKnownUrl, type MetadataDocument } from "./token_discovery.js";
export { readJwtClaims, type AccessTokenClaims } from "./jwt_claims.js";
export { assertGatewaySettings, gatewaySettingProblems, type SettingProblem } from "./settings_check.js";
export {
  AIGatewayError,
  AIGatewayAuthError,
  AIGatewayConfigError,
  AIGatewayRateLimitError,
  AIGatewayQuotaError,
  AIGatewayHTTPError,
  AIGatewayResponseError,
  AIGatewayTimeoutError,
  AIGatewayStreamError,
  AIGatewayNetworkError,
  AIGatewayAbortError,
  isRetryableGatewayError,
  type TimeoutPhase,
  type GatewayLimit,
} from "./errors.js";
export { backoffDelay, parseRetryAfter, RETRYABLE_STATUSES, type RetryPolicy } from "./retry.js";
export { readChatCompletionChunks, ChatCompletionChunkDecoder, type StreamContext } from "./sse.js";
export * from "./wire.js";
