/**
 * LangChain audio blocks -> chat completions' `input_audio` part. That part takes base64 data
 * in wav or mp3 only, never a URL, so anything else is refused with a ChatAIGatewayInputError
 * that says what to send instead (rather than a TypeError from deep inside Buffer).
 */
import { ChatAIGatewayInputError } from "../errors.js";

/** The `input_audio` wire part. */
export interface WireAudioPart {
  type: "input_audio";
  input_audio: { data: string; format: "wav" | "mp3" };
}

const FORMATS: Record<string, "wav" | "mp3"> = {
  "audio/wav": "wav",
  "audio/wave": "wav",
  "audio/x-wav": "wav",
  "audio/vnd.wave": "wav",
  "audio/mp3": "mp3",
  "audio/mpeg": "mp3",
  "audio/mpeg3": "mp3",
  "audio/x-mp3": "mp3",
};

const HOW = 'give it as base64 data with its format, e.g. { type: "audio", data: "<base64>", mimeType: "audio/wav" } (wav or mp3)';

/** Wire format of a MIME type; no MIME type means wav (the common recording format). */
function audioFormat(mime: string | undefined): "wav" | "mp3" {
  if (mime === undefined) return "wav";
  const format = FORMATS[mime.split(";")[0].trim().toLowerCase()];
  // Labelling ogg or flac as wav would only earn an opaque 400 from the gateway.
  if (!format) throw new ChatAIGatewayInputError(`ChatAIGateway: audio of type "${mime}" cannot be sent; chat completions take wav or mp3 only.`);
  return format;
}

/** Base64 text of block data (a base64 string or bytes). */
function base64Of(data: unknown): string {
  if (typeof data === "string") return data;
  if (data instanceof Uint8Array) return Buffer.from(data).toString("base64");
  if (data instanceof ArrayBuffer) return Buffer.from(new Uint8Array(data)).toString("base64");
  throw new ChatAIGatewayInputError(`ChatAIGateway: audio data must be a base64 string or bytes; ${HOW}.`);
}

/** `data:audio/...;base64,...` -> its MIME type and data; anything else -> undefined. */
function parseBase64DataUrl(url: string): { mime: string | undefined; data: string } | undefined {
  const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url);
  if (!match || !match[2].split(";").includes("base64")) return undefined;
  return { mime: match[1] || undefined, data: match[3] };
}

const nonEmpty = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

/**
 * An audio block -> `input_audio` part. Takes OpenAI's own `input_audio` part, v1 blocks
 * (`{type:"audio", data, mimeType}` / `{type:"audio", url}`) and the older data blocks
 * (`source_type: "base64" | "url"`, `mime_type`); a URL works only as a base64 `data:` URL.
 */
export function convertAudioBlockToAudioPart(block: Record<string, unknown>): WireAudioPart {
  if (block.type === "input_audio") return block as unknown as WireAudioPart;
  const mime = nonEmpty(block.mimeType) ?? nonEmpty(block.mime_type);
  const url = nonEmpty(block.url);
  if (url !== undefined) {
    const parsed = url.startsWith("data:") ? parseBase64DataUrl(url) : undefined;
    // The URL itself is left out of the message: signed URLs carry credentials.
    if (!parsed) throw new ChatAIGatewayInputError(`ChatAIGateway: audio must be given as base64 data, not a URL (chat completions' input_audio takes no URLs); ${HOW}.`);
    return { type: "input_audio", input_audio: { data: parsed.data, format: audioFormat(parsed.mime ?? mime) } };
  }
  if (block.data === undefined || block.data === null || block.data === "") {
    const fileId = nonEmpty(block.fileId) ?? nonEmpty(block.file_id) ?? (block.source_type === "id" ? nonEmpty(block.id) : undefined);
    const what = fileId ? "a file id" : "no data";
    throw new ChatAIGatewayInputError(`ChatAIGateway: an audio block with ${what} cannot be sent; ${HOW}.`);
  }
  return { type: "input_audio", input_audio: { data: base64Of(block.data), format: audioFormat(mime) } };
}
