#!/usr/bin/env node
// `npm run studio`: serves the graphs of langgraph.json with the LangGraph dev server, for
// LangGraph Studio. Telemetry off, no browser; the port comes from STUDIO_PORT (default 2024).
// Extra arguments are passed on, e.g. `npm run studio -- --no-reload`.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const port = process.env.STUDIO_PORT?.trim() || "2024";
if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
  console.error(`STUDIO_PORT must be a port number between 1 and 65535 (got "${port}").`);
  process.exit(2);
}
const host = process.env.STUDIO_HOST?.trim() || "localhost";

// The CLI's package has no "exports", so its bin file can be resolved directly.
const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve("@langchain/langgraph-cli/package.json")), "dist/cli/cli.mjs");
if (!existsSync(cli)) {
  console.error("@langchain/langgraph-cli is not installed; run `npm install` first.");
  process.exit(1);
}

const args = [cli, "dev", "--port", port, "--host", host, "--no-browser", "--config", join(root, "langgraph.json"), ...process.argv.slice(2)];
const child = spawn(process.execPath, args, {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, LANGGRAPH_CLI_NO_ANALYTICS: "1", BROWSER: "none" },
});

// Forward Ctrl-C and kill signals so the server's workers stop with us.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
