/**
 * An emulator in its own process, so the load it serves does not share the event loop (and the
 * heap figure) of the client under test. Its counters are read over the control plane.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { EmulatorOptions, EmulatorStats } from "../../src/emulator/index.js";

/** A running child emulator. */
export interface EmulatorProcess {
  baseUrl: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  /** The emulator's counters (GET /_emulator/stats). */
  stats(): Promise<EmulatorStats>;
  /** Stops the process and waits for it to exit. */
  stop(): Promise<void>;
}

const entry = fileURLToPath(new URL("./emulator_child.ts", import.meta.url));
const root = fileURLToPath(new URL("../..", import.meta.url));

/** Starts an emulator with `options` in a child process; resolves once it listens. */
export async function startEmulatorProcess(options: EmulatorOptions): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", entry, JSON.stringify(options)], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  type Info = { baseUrl: string; apiUrl: string; clientId: string; clientSecret: string; controlToken: string };
  const info = await new Promise<Info>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the emulator process exited early with code ${code}`)));
    lines.once("line", (line) => resolve(JSON.parse(line) as Info));
  });
  return {
    ...info,
    stats: async () => {
      const res = await fetch(`${info.baseUrl}/_emulator/stats`, { headers: { "x-emulator-token": info.controlToken } });
      if (!res.ok) throw new Error(`emulator stats: HTTP ${res.status}`);
      return (await res.json()) as EmulatorStats;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        child.stdin.end();
      }
      await exited;
    },
  };
}
