/**
 * `npm run studio` (`langgraph dev` on the real langgraph.json) in a child process on a free
 * loopback port, and the official `@langchain/langgraph-sdk` client on it: how LangGraph Studio
 * and LangGraph's own clients reach the graph.
 *
 * Every project variable is blank in the child, so neither the environment nor a developer's
 * .env can point the graph at a real provider: it answers from the local emulator. `env` adds
 * what a test needs (a tiers file, the store the graph records usage in).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Client } from "@langchain/langgraph-sdk";
import { envSchema } from "../../src/config/index.js";
import { freePort } from "./postgres.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface LangGraphDev {
  readonly url: string;
  readonly client: Client;
  /** The orchestrator's assistant. */
  readonly assistantId: string;
  /** What the server printed so far (for failure messages). */
  output(): string;
  /** Stops the CLI and every process it started (the server and its workers). */
  stop(): Promise<void>;
}

function isolatedEnv(port: number, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(envSchema.shape)) env[name] = "";
  for (const name of ["LANGSMITH_API_KEY", "LANGCHAIN_API_KEY", "LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2"]) delete env[name];
  return { ...env, STUDIO_PORT: String(port), STUDIO_HOST: "127.0.0.1", LOG_LEVEL: "warn", NODE_ENV: "development", ...extra };
}

/** Starts `langgraph dev` and waits until it answers and lists the orchestrator. */
export async function startLangGraphDev(env: Record<string, string>, deadlineMs = 45_000): Promise<LangGraphDev> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(process.execPath, ["scripts/studio.mjs", "--no-reload"], { cwd: root, env: isolatedEnv(port, env), detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));

  const stop = async () => {
    if (!child.pid || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    killGroup("SIGTERM");
    const timer = setTimeout(() => killGroup("SIGKILL"), 3_000);
    await exited;
    clearTimeout(timer);
    killGroup("SIGKILL");
  };

  try {
    const deadline = Date.now() + deadlineMs;
    for (let ready = false; !ready; ) {
      if (child.exitCode !== null) throw new Error(`langgraph dev exited early (code ${child.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`langgraph dev did not answer GET /ok within ${deadlineMs} ms:\n${output.slice(-4000)}`);
      ready = await fetch(`${url}/ok`, { signal: AbortSignal.timeout(2_000) }).then(
        (res) => res.ok,
        () => false,
      );
      if (!ready) await new Promise((r) => setTimeout(r, 250));
    }
    const client = new Client({ apiUrl: url });
    const assistants = await client.assistants.search({ graphId: "orchestrator", limit: 10 });
    const assistantId = assistants.find((a) => a.graph_id === "orchestrator")?.assistant_id;
    if (!assistantId) throw new Error(`langgraph dev lists no orchestrator assistant:\n${output.slice(-2000)}`);
    return { url, client, assistantId, output: () => output, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
