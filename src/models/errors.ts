/** Errors ChatAIGateway raises itself, before any request is sent. */

/** Input the gateway cannot take (e.g. audio given as a URL); fix the input, a retry will not help. */
export class ChatAIGatewayInputError extends Error {
  override readonly name = "ChatAIGatewayInputError";
}
