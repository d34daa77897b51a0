// Replaces dist/graphs/sqlite_saver.js (tsc's output) with a bundle of LangGraph's SQLite saver in
// which better-sqlite3 is libsql. @langchain/langgraph-checkpoint-sqlite imports better-sqlite3,
// which compiles from source at install; the project only ever hands the saver a libsql
// database, so bundling the saver lets the package drop both from an app's install.
// Every other import stays an import: @langchain/langgraph-checkpoint must be the app's own copy
// (the saver subclasses its BaseCheckpointSaver), and libsql loads a native binary.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const SAVER = "@langchain/langgraph-checkpoint-sqlite";
const saverDir = dirname(createRequire(import.meta.url).resolve(`${SAVER}/package.json`));
const { version, license } = JSON.parse(readFileSync(join(saverDir, "package.json"), "utf8"));
// The saver's MIT license asks for its notice in every copy: it heads the bundle.
const notice = readFileSync(join(saverDir, "LICENSE"), "utf8").trim();

await build({
  entryPoints: [join(root, "graphs", "sqlite_saver.ts")],
  outfile: join(root, "dist", "graphs", "sqlite_saver.js"),
  allowOverwrite: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // The class keeps its own name (constructor.name shows in logs and LangGraph's errors).
  keepNames: true,
  banner: { js: `/*!\n * Bundles ${SAVER} ${version} (${license}), with better-sqlite3 replaced by libsql.\n *\n${notice.split("\n").map((l) => ` *${l ? ` ${l}` : ""}`).join("\n")}\n */` },
  plugins: [
    {
      name: "bundle-only-the-saver",
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          if (args.path === "better-sqlite3") return { path: "libsql", external: true };
          if (args.path === SAVER || args.path.startsWith(`${SAVER}/`)) return undefined;
          return { path: args.path, external: true };
        });
      },
    },
  ],
  logLevel: "warning",
});
console.log(`dist/graphs/sqlite_saver.js: ${SAVER} ${version} bundled on libsql`);
