// Builds the run console for the package: bundles src/console/app.ts (with eventsource-parser)
// into dist/src/console/app.js and copies the page and its styles beside it.
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = `${root}dist/src/console`;
mkdirSync(out, { recursive: true });
await build({ entryPoints: [`${root}src/console/app.ts`], bundle: true, outfile: `${out}/app.js`, format: "iife", target: "es2022", minify: true, logLevel: "warning" });
for (const f of ["index.html", "console.css"]) copyFileSync(`${root}src/console/${f}`, `${out}/${f}`);
console.log("dist/src/console: console page built");
