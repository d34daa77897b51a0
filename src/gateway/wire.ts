/**
 * Wire types of the gateway's OpenAI-compatible API. They come from the `openai`
 * package's declarations (types only: nothing from `openai` is loaded at run time).
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
  ChatCompletionMessageToolCall,
} from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import type { Model } from "openai/resources/models";

export type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
  ChatCompletionMessageToolCall,
  CompletionUsage,
  Model,
};

/** A chat completion request body; `stream` is set by the client method used, not by callers. */
export type ChatCompletionRequest = Omit<ChatCompletionCreateParams, "stream" | "stream_options">;

/** Body of `GET /v1/models`. */
export interface ModelList {
  object: "list";
  data: Model[];
}

/** OpenAI's error envelope, which the gateway also uses. */
export interface WireErrorBody {
  error: { message: string; type?: string; param?: string | null; code?: string | null };
}

/** Header carrying the gateway's request id on every response. */
export const REQUEST_ID_HEADER = "x-request-id";
/** Set to "simulated" on every answer of this project's gateway emulator, wherever it runs. */
export const SIMULATED_HEADER = "x-ai-gateway-emulator";
