#!/usr/bin/env node
/**
 * `npm run serve`: starts the HTTP API on HOST:PORT (default 127.0.0.1:8787). Once it listens
 * it prints one JSON line `{"url": "..."}` on stdout (logs go to stderr), so a supervisor or a
 * test can find the port when PORT=0. SIGINT/SIGTERM close it gracefully.
 *
 * Exit codes: 0 after a signal, 1 unexpected failure, 2 bad configuration or a corrupt store.
 */
import { setMaxListeners } from "node:events";
import { ConfigurationError, loadConfig, loadDotEnv } from "../config/index.js";
import { createLogger, setLogger } from "../logging/index.js";
import { runMain } from "../runtime/entry.js";
import { startServer } from "./app.js";

// LangGraph's runner adds an abort listener to the run's signal at every step and drops them
// with the run; a plan's many steps pass Node's warning threshold of 10 without leaking.
setMaxListeners(64);

async function main(): Promise<number> {
  let logger;
  try {
    loadDotEnv();
    const config = loadConfig();
    logger = createLogger({ level: config.log.level, format: config.log.format, name: "server" });
    setLogger(logger);
  } catch (err) {
    if (err instanceof ConfigurationError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let server;
  try {
    server = await startServer({ env: process.env, logger });
  } catch (err) {
    if (err instanceof ConfigurationError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  const running = server;
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ event: "server_stopping", signal }, `Received ${signal}; closing the HTTP API.`);
      running.close().then(resolve, (err: unknown) => {
        logger.error({ err }, "error while closing");
        resolve();
      });
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  return 0;
}

runMain(main);
