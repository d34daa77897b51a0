/** URL and address policy shared by every layer (one implementation for the gateway, server, tools). */
export { forbiddenReason, isLoopbackHost } from "./address.js";
