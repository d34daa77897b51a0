/**
 * Child-process entry of an emulator for the reliability runs: takes `EmulatorOptions` as JSON
 * in argv[2], prints one JSON line (URLs and credentials) when ready, and exits when its parent
 * closes stdin or sends SIGTERM, so a crashed test never leaves it behind.
 */
import { startEmulator, type EmulatorOptions } from "../../src/emulator/index.js";

const options = JSON.parse(process.argv[2] ?? "{}") as EmulatorOptions;
const handle = await startEmulator({ ...options, host: "127.0.0.1", port: 0 });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void handle.close().then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.stdout.write(
  `${JSON.stringify({ baseUrl: handle.baseUrl, apiUrl: handle.apiUrl, tokenUrl: handle.tokenUrl, clientId: handle.clientId, clientSecret: handle.clientSecret, controlToken: handle.controlToken })}\n`,
);
