/** LangChain chat model over the AI gateway, with its pure converters and model-family rules. */
export { ChatAIGateway } from "./chat_models/chat_ai_gateway.js";
export type {
  ChatAIGatewayInput,
  ChatAIGatewayCallOptions,
  ChatAIGatewayConnectionFields,
  ReasoningEffort,
  ResponseFormat,
} from "./chat_models/types.js";
export { closeSharedGatewayClients, resolveGatewayConfig } from "./chat_models/client_registry.js";
export { RUN_HEADERS_KEY, runHeadersOf, withRunHeaders } from "./chat_models/run_headers.js";
export { buildRequestParams, buildLsParams, type RequestParams, type ModelSettings, type DroppedParam } from "./chat_models/params.js";
export { resolveStructuredOutputMethod, type StructuredOutputSchema } from "./chat_models/structured_output.js";
export {
  convertMessagesToWireMessages,
  convertMessageToWireMessage,
  convertAIMessageToWireMessage,
  convertContentToUserContent,
  convertContentToTextContent,
  convertContentBlockToWirePart,
  convertImageBlockToImagePart,
  convertToolCallToWireToolCall,
  type ConvertMessagesOptions,
  type WireUserContentPart,
  type WireTextPart,
} from "./converters/messages.js";
export { convertAudioBlockToAudioPart, type WireAudioPart } from "./converters/audio.js";
export { ChatAIGatewayInputError } from "./errors.js";
export {
  convertCompletionToAIMessage,
  convertCompletionToAIMessages,
  convertDeltaToAIMessageChunk,
  convertUsageToAIMessageChunk,
  createTextChunk,
  convertUsageToUsageMetadata,
  convertWireToolCallToToolCall,
  convertWireToolCallsToToolCalls,
  MODEL_PROVIDER,
  ToolCallIndexer,
  type AIGatewayResponseMetadata,
} from "./converters/completions.js";
export {
  convertToolToWireTool,
  convertToolsToWireTools,
  convertToolChoiceToWireToolChoice,
  isWireFunctionTool,
  type ToolChoiceInput,
  type WireFunctionTool,
} from "./converters/tools.js";
export {
  getModelFamily,
  computeModelFamily,
  isReasoningModel,
  stripModelPrefix,
  supportsJsonSchema,
  type ModelFamily,
  type StructuredOutputMethod,
} from "./model_family.js";
