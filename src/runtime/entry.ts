/**
 * How the entry points (CLI, server, MCP server) end: the exit code their main resolves to, or,
 * for an error nothing handled, exit code 1 and one line on stderr with any secret scrubbed.
 */
import { ConfigurationError, loadConfig, loadDotEnv } from "../config/index.js";
import { createLogger, scrubText, setLogger } from "../logging/index.js";

/**
 * A command-line entry's first step: reads `.env` and the configuration, and logs to stderr at
 * warn unless LOG_LEVEL says otherwise (so the command's own output stays readable). A bad
 * configuration is written to stderr, naming every bad variable, and gives false.
 */
export function startCommandLine(): boolean {
  try {
    loadDotEnv();
    const config = loadConfig();
    setLogger(createLogger({ level: process.env.LOG_LEVEL ? config.log.level : "warn", format: config.log.format }));
    return true;
  } catch (err) {
    if (!(err instanceof ConfigurationError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return false;
  }
}

/** Runs an entry point's `main` and sets the process's exit code from it. */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`Unexpected error: ${scrubText(err instanceof Error ? err.message : String(err))}\n`);
      process.exitCode = 1;
    },
  );
}

/**
 * How a person runs the CLI here, for hints such as "resume with ...": `npm start --` in this
 * project's checkout (npm names the package whose script runs), else the installed command.
 */
export function cliInvocation(env: Record<string, string | undefined> = process.env): string {
  return env.npm_package_name === "ai-gateway-agents" ? "npm start --" : "ai-gateway-agents";
}
