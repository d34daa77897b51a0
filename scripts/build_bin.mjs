// Bundles the CLI and the MCP server into dist/bin/ for the package's `ai-gateway-agents` and
// `ai-gateway-agents-mcp` commands (see bundle_options.mjs for what is inside and why).
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { bundleOptions } from "./bundle_options.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}dist/bin`;
rmSync(outdir, { recursive: true, force: true });
await build(bundleOptions({ entries: { cli: `${root}src/cli/main.ts`, mcp: `${root}src/mcp/stdio.ts` }, outdir }));
console.log("dist/bin/cli.js, dist/bin/mcp.js: commands bundled");
