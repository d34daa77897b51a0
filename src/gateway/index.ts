/** AI gateway client: OAuth2 client credentials, models, chat completions, SSE streaming, typed errors. No LangChain. */
export {
  AIGatewayClient,
  type AIGatewayClientOptions,
  type RequestOptions,
  type VerifyResult,
  type ChatCompletionResponse,
} from "./client.js";
export { ChatCompletionStream } from "./chat_stream.js";
export {
  ClientCredentialsTokenSource,
  StaticTokenProvider,
  DEFAULT_TOKEN_PATH,
  type TokenProvider,
  type TokenSourceOptions,
} from "./token_source.js";
export {
  AIGatewayError,
  AIGatewayAuthError,
  AIGatewayRateLimitError,
  AIGatewayHTTPError,
  AIGatewayTimeoutError,
  AIGatewayStreamError,
  AIGatewayNetworkError,
  AIGatewayAbortError,
  isRetryableGatewayError,
  type TimeoutPhase,
} from "./errors.js";
export { backoffDelay, parseRetryAfter, RETRYABLE_STATUSES, type RetryPolicy } from "./retry.js";
export { readChatCompletionChunks, ChatCompletionChunkDecoder, type StreamContext } from "./sse.js";
export * from "./wire.js";
