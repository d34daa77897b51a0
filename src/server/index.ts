/** HTTP API (Fastify): build or start the server, plus the SSRF guard and key comparison it uses. */
export { buildServer, startServer, type ServerOptions, type RunningServer } from "./app.js";
export { ConfigStore, type StoredProviders } from "./config_store.js";
export { HttpError, type ErrorBody, type FieldProblem } from "./errors.js";
export { safeEqual } from "./auth.js";
export {
  checkTargetUrl,
  checkUrlSyntax,
  createGuardedAgent,
  forbiddenReason,
  SsrfError,
  systemLookup,
  type LookupFn,
  type ResolvedAddress,
  type SsrfPolicy,
} from "../net/index.js";
