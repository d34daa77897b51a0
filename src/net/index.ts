/** URL and address policy shared by every layer (one implementation for the gateway, server, tools). */
export { forbiddenReason, isLoopbackHost } from "./address.js";
export { mayCarryCredentials, plainHttpProblem, type PlainHttpProblem } from "./plain_http.js";
export {
  addressProblem,
  checkTargetUrl,
  checkUrlSyntax,
  createGuardedAgent,
  systemLookup,
  SsrfError,
  type GuardedAgentOptions,
  type LookupFn,
  type ResolvedAddress,
  type SsrfPolicy,
} from "./ssrf.js";
