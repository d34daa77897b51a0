#!/usr/bin/env node
/**
 * `npm run mcp`: the orchestrator as an MCP server on stdio, for desktop and IDE assistants.
 * stdout carries the protocol and nothing else: logs and the simulated-model notice go to
 * stderr. The runtime, checkpointer and graph are built as the CLI builds them, so a thread
 * started here continues from the CLI (same SQLite file or database) and the other way round.
 * It ends when stdin ends (the client went away), on SIGINT/SIGTERM, or when the transport closes.
 *
 * Exit codes: 0 after a clean shutdown, 1 unexpected failure, 2 bad configuration.
 */
import { setMaxListeners } from "node:events";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { createCheckpointer } from "../../graphs/persistence.js";
import { ConfigurationError, loadConfig, loadDotEnv } from "../config/index.js";
import { createLogger, getLogger, scrubText, setLogger } from "../logging/index.js";
import { createRuntime } from "../runtime/index.js";
import { runMain } from "../runtime/entry.js";
import { createMcpServer } from "./server.js";
import { limitLines, MAX_STDIO_MESSAGE_BYTES, oversizeReply } from "./stdio_lines.js";
import { createRunService } from "../runs/service.js";
import { runLimitsOf } from "../runs/limits.js";

// LangGraph's runner adds an abort listener to the run's signal at every step and drops them
// with the run; a plan's many steps pass Node's warning threshold of 10 without leaking.
setMaxListeners(64);

async function main(): Promise<number> {
  try {
    loadDotEnv();
    const config = loadConfig();
    // JSON lines on stderr (never a pretty printer on stdout); warnings only unless LOG_LEVEL says otherwise.
    setLogger(createLogger({ level: process.env.LOG_LEVEL ? config.log.level : "warn", destination: process.stderr, name: "mcp" }));
  } catch (err) {
    if (err instanceof ConfigurationError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let runtime;
  try {
    runtime = await createRuntime({ onSimulated: (notice) => process.stderr.write(`note: ${notice}\n`) });
  } catch (err) {
    if (err instanceof ConfigurationError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const rt = runtime;
  let persistence;
  try {
    persistence = await createCheckpointer();
  } catch (err) {
    await rt.close();
    throw err;
  }
  const store = persistence;
  const config = loadConfig();
  const graph = createOrchestrator({ registry: rt.registry, policy: rt.policy, simulated: rt.simulated, checkpointer: store.checkpointer, ledger: store.ledger });
  // The same policy as the HTTP server's: limits from RUN_* and THREAD_MAX_*, budgets and the ledger in the store.
  const runs = createRunService({
    graph,
    claims: store.claims,
    owners: store.owners,
    limits: runLimitsOf(config),
    multitaskStrategy: config.server.multitask.strategy,
  });
  const server = createMcpServer({ runs, caller: { client: "mcp:stdio" }, simulated: () => rt.simulated });

  await new Promise<void>((resolve) => {
    let closing = false;
    const shutdown = () => {
      if (closing) return;
      closing = true;
      // Closing the server aborts runs in flight before the stores they write to are closed.
      server
        .close()
        .catch(() => undefined)
        .then(() => store.close())
        .then(() => rt.close())
        .catch((err: unknown) => process.stderr.write(`error while closing: ${scrubText(err instanceof Error ? err.message : String(err))}\n`))
        .finally(() => {
          // On a signal the client may still hold stdin open, and a readable stdin keeps the
          // process alive: stop reading it so the process ends.
          process.stdin.destroy();
          resolve();
        });
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
    process.stdin.once("end", shutdown);
    process.stdin.once("close", shutdown);
    // A client that closed its end of stdout would make every write fail with EPIPE.
    process.stdout.once("error", shutdown);
    server.server.onclose = shutdown;
    // A message over the limit is answered with an error and skipped; the server stays up.
    const stdin = limitLines(process.stdin, MAX_STDIO_MESSAGE_BYTES, (bytes) => {
      getLogger().warn({ bytes, limit: MAX_STDIO_MESSAGE_BYTES }, `Refused an MCP message of ${bytes} bytes on stdin: the limit is ${MAX_STDIO_MESSAGE_BYTES} bytes.`);
      process.stdout.write(oversizeReply(bytes, MAX_STDIO_MESSAGE_BYTES));
    });
    server.connect(new StdioServerTransport(stdin, process.stdout)).catch((err: unknown) => {
      process.stderr.write(`could not start the MCP server: ${scrubText(err instanceof Error ? err.message : String(err))}\n`);
      shutdown();
    });
  });
  return 0;
}

runMain(main);
