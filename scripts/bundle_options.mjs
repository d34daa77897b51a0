// esbuild options of the bundled CLI, shared by `npm run build` (scripts/build_bin.mjs, for the
// package's `ai-gateway-agents` command) and `npm start` (scripts/run.mjs --bundle, in a checkout).
//
// The bundle is `<outdir>/<name>.js` plus `<outdir>/chunks/` for what it loads on demand (provider
// SDKs, MCP, tracing, PostgreSQL, the calculator's parser). LangChain, LangGraph and zod are
// bundled too: the command runs alone, shares no objects with an app, and one copy of each inside
// the bundle means every part of it (the provider packages, the MCP adapters, the checkpoint
// savers) sees the same classes. Loading them from hundreds of installed files was most of a
// start. Only native code stays an import of the installed packages: libsql (SQLite) and
// pg-native. LangGraph's SQLite saver imports better-sqlite3, but this project always hands it a
// libsql database, so the bundle gets libsql under that name and better-sqlite3 is never loaded.

/** @returns {import("esbuild").BuildOptions} */
export function cliBundleOptions({ entry, name, outdir }) {
  return {
    entryPoints: { [name]: entry },
    outdir,
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["libsql", "@libsql/*", "pg-native"],
    alias: { "better-sqlite3": "libsql" },
    // No comments or indentation (less to parse at each start); names stay readable in stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    // Bundled CommonJS dependencies call require() for Node's own modules and for libsql.
    banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
    logLevel: "warning",
  };
}
