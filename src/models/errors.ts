/** Errors ChatAIGateway raises itself, before any request is sent. */
import { AIGatewayAgentsError } from "../errors.js";

/** Input the gateway cannot take (e.g. audio given as a URL); fix the input, a retry will not help. Code `invalid_model_input`. */
export class ChatAIGatewayInputError extends AIGatewayAgentsError {
  override readonly name = "ChatAIGatewayInputError";
  constructor(message: string) {
    super(message, { code: "invalid_model_input" });
  }
}
