// esbuild options of the bundled commands, shared by `npm run build` (scripts/build_bin.mjs, for
// the package's `ai-gateway-agents` and `ai-gateway-agents-mcp` commands) and `npm start` and
// `npm run mcp` (scripts/run.mjs --bundle, in a checkout).
//
// The bundle is `<outdir>/<name>.js` per entry plus `<outdir>/chunks/` for what the entries share
// and what they load on demand (provider
// SDKs, MCP, tracing, PostgreSQL, the calculator's parser). LangChain, LangGraph and zod are
// bundled too: the command runs alone, shares no objects with an app, and one copy of each inside
// the bundle means every part of it (the provider packages, the MCP adapters, the checkpoint
// savers) sees the same classes. Loading them from hundreds of installed files was most of a
// start. Only native code stays an import of the installed packages: libsql (SQLite) and
// pg-native. LangGraph's SQLite saver imports better-sqlite3, but this project always hands it a
// libsql database, so the bundle gets libsql under that name and better-sqlite3 is never loaded.

/**
 * @param {{ entries: Record<string, string>, outdir: string }} options entries: output name -> source path
 * @returns {import("esbuild").BuildOptions}
 */
export function bundleOptions({ entries, outdir }) {
  return {
    entryPoints: entries,
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
