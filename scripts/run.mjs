#!/usr/bin/env node
// Runs one entry point of this checkout (`node scripts/run.mjs src/cli/main.ts args...`) as
// compiled JavaScript, so that `npm start`, `npm run serve`, `npm run mcp` and `npm run emulator`
// skip transpiling TypeScript at every start.
//
// The sources (src, graphs, agents) are transpiled file by file with esbuild into
// node_modules/.cache/ai-gateway-agents/<key>/, where the key hashes every source file's path,
// size and modification time. Editing, adding or removing a file changes the key, so the next
// start builds again (about a second) and never runs stale code. A build is written to a
// private directory and renamed into place, so processes that start together never see half
// a build. Types are not checked here: that is `npm run typecheck`.
//
// The entry runs in this process, not a child, and the npm scripts start this file with `exec`
// (npm runs a script through sh, which would not pass on the SIGTERM npm forwards): a signal to
// npm reaches the entry's own handlers, so `npm run serve` closes when a supervisor stops npm.
//
// With --bundle (`node scripts/run.mjs --bundle src/cli/main.ts`, which `npm start` and `npm run
// mcp` use) the entry and its dependencies are bundled into one file plus on-demand chunks
// instead, exactly as `npm run build` bundles the package's commands (scripts/bundle_options.mjs),
// in node_modules/.cache/ai-gateway-agents/<key>-bundle-<entry>/. Its key also hashes
// package-lock.json and node_modules/.package-lock.json, so an install that changes a dependency
// rebuilds it too.
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const SOURCE_DIRS = ["src", "graphs", "agents"];
/** The console page is a browser bundle built by its own route; it is copied, not transpiled. */
const COPIED = join("src", "console");
const cache = join(root, "node_modules", ".cache", "ai-gateway-agents");

function sources() {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path !== COPIED) walk(path);
      } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") && !entry.name.endsWith(".d.ts")) files.push(path);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(root, dir))) walk(dir);
  return files.sort();
}

/** Installed-dependency manifests: a bundle carries the dependencies' code, so they are part of its key. */
const LOCKS = ["package-lock.json", join("node_modules", ".package-lock.json")];

function keyOf(files, extra = []) {
  const hash = createHash("sha256");
  const copied = existsSync(join(root, COPIED)) ? readdirSync(join(root, COPIED)).map((f) => join(COPIED, f)) : [];
  for (const file of [...files, ...copied, ...extra]) {
    const s = statSync(join(root, file), { throwIfNoEntry: false });
    hash.update(`${file}\0${s?.size ?? "-"}\0${s?.mtimeMs ?? "-"}\n`);
  }
  return hash.digest("hex").slice(0, 16);
}

/** Transpiles every source file, or with `bundleEntry` bundles that entry; returns the build's directory. */
async function ensureBuilt(bundleEntry) {
  const files = sources();
  const dir = join(cache, bundleEntry ? `${keyOf(files, LOCKS)}-bundle-${bundleEntry.replace(/[^A-Za-z0-9]+/g, "_")}` : keyOf(files));
  if (existsSync(dir)) return dir;
  const { build, stop } = await import("esbuild");
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  if (bundleEntry) {
    const { bundleOptions } = await import("./bundle_options.mjs");
    await build(bundleOptions({ entries: { main: join(root, bundleEntry) }, outdir: tmp }));
  } else {
    await build({
      entryPoints: files.map((f) => join(root, f)),
      outdir: tmp,
      outbase: root,
      format: "esm",
      platform: "node",
      target: "node20",
      bundle: false,
      sourcemap: "linked",
      logLevel: "warning",
    });
    if (existsSync(join(root, COPIED))) cpSync(join(root, COPIED), join(tmp, COPIED), { recursive: true });
  }
  // esbuild's service is a child process that would otherwise live as long as the entry does,
  // and outlive it briefly when a supervisor stops it.
  await stop();
  // Under node_modules Node stops looking for the checkout's package.json, so say ESM here.
  writeFileSync(join(tmp, "package.json"), '{ "type": "module" }\n');
  try {
    renameSync(tmp, dir);
  } catch (err) {
    // Another process finished the same build first: use its copy.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw err;
  }
  return dir;
}

/**
 * Each start marks its build as used; builds unused for a day go. A process still running on
 * an older build keeps its files, since it may load some of them later.
 */
function prune(current) {
  const now = new Date();
  utimesSync(current, now, now);
  for (const name of readdirSync(cache)) {
    const path = join(cache, name);
    const used = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? now.getTime();
    if (path !== current && now.getTime() - used > 24 * 3600_000) rmSync(path, { recursive: true, force: true });
  }
}

const bundled = process.argv[2] === "--bundle";
const [entry, ...args] = process.argv.slice(bundled ? 3 : 2);
if (!entry || !entry.endsWith(".ts") || !existsSync(join(root, entry))) {
  process.stderr.write(`usage: node scripts/run.mjs [--bundle] <source entry .ts> [args...] (got ${entry ?? "nothing"})\n`);
  process.exit(2);
}
mkdirSync(cache, { recursive: true });
const dir = await ensureBuilt(bundled ? entry : undefined);
prune(dir);
const built = bundled ? join(dir, "main.js") : join(dir, relative(root, resolve(root, entry)).replace(/\.ts$/, ".js"));
process.argv = [process.argv[0], built, ...args];
await import(pathToFileURL(built).href);
