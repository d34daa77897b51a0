/**
 * How the entry points (CLI, server, MCP server) end: the exit code their main resolves to, or,
 * for an error nothing handled, exit code 1 and one line on stderr with any secret scrubbed.
 */
import { scrubText } from "../logging/index.js";

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
