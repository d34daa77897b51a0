/** Starts `src/server/main.ts` as a child process (real HTTP, offline) and waits for its `{url}` line. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { offlineEnv } from "./cli.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** A running server process. */
export interface ServerProcess {
  url: string;
  proc: ChildProcess;
  /** What it wrote to stderr so far (for failure messages). */
  stderr(): string;
}

/**
 * Starts a server on an ephemeral loopback port whose gateway is `emu`, with `env` over the
 * offline environment; `children` collects the process, so the test file can kill it.
 */
export function startServerProcess(emu: EmulatorHandle, env: Record<string, string>, children: ChildProcess[]): Promise<ServerProcess> {
  const full = offlineEnv({
    PORT: "0",
    HOST: "127.0.0.1",
    AI_GATEWAY_BASE_URL: emu.baseUrl,
    AI_GATEWAY_CLIENT_ID: emu.clientId,
    AI_GATEWAY_CLIENT_SECRET: emu.clientSecret,
    ALLOW_INSECURE_LOOPBACK_PROVIDERS: "true",
    LOG_LEVEL: "warn",
    ...env,
  });
  const proc = spawn(process.execPath, ["--import", "tsx", "src/server/main.ts"], { cwd: root, env: full, stdio: ["ignore", "pipe", "pipe"] });
  children.push(proc);
  let stdout = "";
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr += d));
  return new Promise<ServerProcess>((resolve, reject) => {
    proc.stdout!.on("data", (d) => {
      stdout += d;
      if (stdout.includes("\n")) resolve({ url: (JSON.parse(stdout.split("\n")[0]!) as { url: string }).url, proc, stderr: () => stderr });
    });
    proc.on("exit", (code) => reject(new Error(`server exited (${code}) before listening:\n${stderr}`)));
  });
}
