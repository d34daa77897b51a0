/** Logging with secret redaction. */
export { createLogger, getLogger, setLogger, type Logger, type CreateLoggerOptions } from "./logger.js";
export { registerSecret, registerShortLivedSecret, scrubText, scrubValues, redactValue, redactHeaderValues, isSecretKey, REDACTED } from "./redact.js";
