// Bundles the CLI into dist/bin/ for the package's `ai-gateway-agents` command (see
// bundle_options.mjs for what is inside and why).
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { cliBundleOptions } from "./bundle_options.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}dist/bin`;
rmSync(outdir, { recursive: true, force: true });
await build(cliBundleOptions({ entry: `${root}src/cli/main.ts`, name: "cli", outdir }));
console.log("dist/bin/cli.js: command bundled");
