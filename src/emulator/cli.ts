/**
 * Command line entry of the emulator: `npm run emulator -- --port N ...`. Prints exactly one
 * JSON line (URLs and credentials) on stdout when ready, so a parent process can parse it;
 * everything else goes to stderr.
 */
import { parseCliOptions } from "./cli_options.js";
import { startEmulator } from "./server.js";
import type { EmulatorOptions } from "./types.js";

async function main(): Promise<void> {
  let options: EmulatorOptions;
  try {
    options = parseCliOptions(process.argv.slice(2));
  } catch (err) {
    // commander already printed its message (help or error) to stderr.
    const code = (err as { exitCode?: number }).exitCode;
    process.exit(typeof code === "number" ? code : 2);
  }
  const handle = await startEmulator(options);
  let stopping = false;
  // `on`, not `once`: wrappers (npx, tsx) may relay the same signal a second time, which must not kill us mid-close.
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void handle.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.stderr.write(`ai-gateway-emulator: SIMULATED AI gateway (no real model behind it) listening on ${handle.baseUrl}\n`);
  process.stdout.write(
    `${JSON.stringify({ baseUrl: handle.baseUrl, apiUrl: handle.apiUrl, tokenUrl: handle.tokenUrl, clientId: handle.clientId, clientSecret: handle.clientSecret, controlToken: handle.controlToken })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`ai-gateway-emulator: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
