/**
 * The HTTP API (`src/server/main.ts`) as a child process, for tests that kill it, restart it on
 * the same files, or read what it printed: everything on stdout and stderr is kept.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { offlineEnv } from "../helpers/cli.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** A server process started by `spawnServer`. */
export interface ServerProcess {
  proc: ChildProcess;
  /** Base URL from the server's `{"url": ...}` line; rejects when it exits before listening. */
  url: Promise<string>;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Sends `signal` (default SIGTERM) unless the process already ended, and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `node --import tsx <entry>` (default the server) from the repository root with a clean,
 * offline environment plus `env` (PORT=0, HOST=127.0.0.1, JSON logs unless overridden).
 */
export function spawnServer(env: Record<string, string>, entry = "src/server/main.ts", args: string[] = []): ServerProcess {
  const full = offlineEnv({ PORT: "0", HOST: "127.0.0.1", LOG_FORMAT: "json", LOG_LEVEL: "info", ...env });
  if (!("API_KEY" in env)) delete full.API_KEY;
  if (!("ADMIN_API_KEY" in env)) delete full.ADMIN_API_KEY;
  const proc = spawn(process.execPath, ["--import", "tsx", entry, ...args], { cwd: root, env: full, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  proc.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const onData = () => {
      const newline = stdout.indexOf("\n");
      if (newline < 0) return;
      proc.stdout!.off("data", onData);
      try {
        resolve((JSON.parse(stdout.slice(0, newline)) as { url: string }).url);
      } catch {
        reject(new Error(`unexpected first stdout line: ${stdout.slice(0, newline)}`));
      }
    };
    proc.stdout!.on("data", onData);
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${stderr}`)));
  });
  // A caller that only waits for the exit must not see an unhandled rejection.
  url.catch(() => undefined);
  return {
    proc,
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    stop: async (signal: NodeJS.Signals = "SIGTERM") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** One server-sent event. */
export interface SseEvent {
  event: string;
  data: unknown;
}

/**
 * Parses complete SSE frames out of `buffer`; returns them and the unparsed rest. Comment
 * lines (heartbeats) are skipped.
 */
export function takeSseEvents(buffer: string): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  let rest = buffer;
  for (let end = rest.indexOf("\n\n"); end >= 0; end = rest.indexOf("\n\n")) {
    const frame = rest.slice(0, end);
    rest = rest.slice(end + 2);
    let event = "message";
    const data: string[] = [];
    for (const line of frame.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    if (data.length > 0) events.push({ event, data: JSON.parse(data.join("\n")) as unknown });
  }
  return { events, rest };
}
