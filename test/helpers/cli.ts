/** Runs the real CLI (`npm start`) as a child process, offline, with a clean environment. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** What a CLI run printed and how it exited. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment minus anything that would configure a real provider or database. */
export function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(AI_GATEWAY_|OPENAI_|ANTHROPIC_|GOOGLE_|OLLAMA_|DATABASE_URL|CHECKPOINT_|TIERS_CONFIG|PROVIDER_ORDER|LOG_|OTEL_|LANGSMITH_|LANGCHAIN_)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

/** Runs `npm start --silent -- ...args` from the repository root; `stdin` is typed into the CLI's (piped, not a TTY) input. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000, stdin?: string): Promise<CliResult> {
  return runProcess("npm", ["start", "--silent", "--", ...args], { cwd: root, env, timeoutMs, stdin });
}

/** Runs `command` to its exit, collecting its output; killed and rejected after `timeoutMs`. */
export function runProcess(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number; stdin?: string }): Promise<CliResult> {
  const { cwd, env, timeoutMs = 60_000, stdin } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    if (stdin !== undefined) child.stdin!.end(stdin);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} timed out after ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
