/** pino logger with secret redaction: JSON by default, pretty when stderr is a terminal. */
import { createRequire } from "node:module";
import { pino, type Logger, type LoggerOptions, type DestinationStream } from "pino";
import type PinoPretty from "pino-pretty";
import { redactValue, scrubText } from "./redact.js";

export type { Logger } from "pino";

/** Options for `createLogger`. */
export interface CreateLoggerOptions {
  level?: string;
  /** `pretty` for people, `json` for machines; default pretty only when stderr is a TTY. */
  format?: "json" | "pretty";
  /** Where lines go; default stderr, so stdout stays free for program output. */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** Logger name, printed on each line. */
  name?: string;
}

/** pino-pretty (a CommonJS package) is loaded only when a logger prints for people. */
const pretty = (options: PinoPretty.PrettyOptions) => (createRequire(import.meta.url)("pino-pretty") as typeof PinoPretty)(options);

/** Creates a logger whose every line passes through the redaction guards. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const format = options.format ?? (process.stderr.isTTY ? "pretty" : "json");
  const pinoOptions: LoggerOptions = {
    level: options.level ?? "info",
    name: options.name,
    // pino's own error serialiser would keep the cause chain, which can hold request objects.
    serializers: { err: (e: unknown) => redactValue(e), error: (e: unknown) => redactValue(e) },
    formatters: {
      log: (obj) => redactValue(obj) as Record<string, unknown>,
    },
    hooks: {
      // Last line of defence: the final serialised line is scrubbed of registered secrets.
      streamWrite: (line) => scrubText(line),
    },
  };
  const destination =
    options.destination ??
    (format === "pretty" ? pretty({ colorize: true, destination: 2, sync: true }) : pino.destination({ fd: 2, sync: true }));
  return pino(pinoOptions, destination as DestinationStream);
}

let shared: Logger | undefined;

/** The process-wide logger, created on first use from LOG_LEVEL/LOG_FORMAT. */
export function getLogger(): Logger {
  if (!shared) {
    const level = process.env.LOG_LEVEL ?? "info";
    const format = process.env.LOG_FORMAT === "json" || process.env.LOG_FORMAT === "pretty" ? process.env.LOG_FORMAT : undefined;
    shared = createLogger({ level, format });
  }
  return shared;
}

/** Replaces the process-wide logger (the CLI and server set it from validated config). */
export function setLogger(logger: Logger): void {
  shared = logger;
}
