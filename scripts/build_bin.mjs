// Bundles the CLI into dist/bin/cli.js for the package's `ai-gateway-agents` command: one file
// for this project's own modules and a few small self-contained dependencies, so a start reads
// and links far fewer files. Everything shared with an app (LangChain, LangGraph, zod) and
// everything with native parts or loaded on demand stays an import of the installed package.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8"));
/** Small, self-contained, and not handed to any other package: safe to carry inside the bundle. */
const INLINED = new Set(["undici", "cockatiel", "oauth4webapi", "commander", "eventsource-parser", "ipaddr.js", "langchain", "pino"]);
const external = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)].filter((d) => !INLINED.has(d)).flatMap((d) => [d, `${d}/*`]);
await build({
  entryPoints: [`${root}src/cli/main.ts`],
  outfile: `${root}dist/bin/cli.js`,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external,
  // No comments or indentation (less to parse at each start); names stay readable in stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  // The inlined CommonJS dependencies call require() for Node's own modules.
  banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  logLevel: "warning",
});
console.log("dist/bin/cli.js: command bundled");
