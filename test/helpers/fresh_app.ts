/**
 * A fresh app that installs the packed package with npm, as a user does, but offline: its
 * package-lock.json is cut from this checkout's lockfile (the package's own dependencies and its
 * peers, at the versions the checkout pins), so `npm install --offline` takes every tarball from
 * the local npm cache by its integrity and never asks a registry.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, type Manifest } from "./package.js";

/** One entry of a lockfile's `packages`. */
interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

/** Where Node would find `name` required from the package installed at `from` ("" is the root). */
function locate(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf("/node_modules/");
    dir = cut < 0 ? "" : dir.slice(0, cut);
  }
}

/**
 * Writes `<app>/package.json` (type module, depending on the package at `source` and on its peers
 * at the checkout's versions) and the matching `<app>/package-lock.json`. `source` is what the
 * app's package.json names: `file:<tarball>`, or a git URL with a commit.
 */
export function writeFreshApp(app: string, source: string, manifest: Manifest): void {
  const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const packages = lock.packages;
  // The peers the app brings, pinned as this checkout's devDependencies pin them.
  const peers = Object.fromEntries(Object.keys(manifest.peerDependencies).map((name) => [name, manifest.devDependencies[name] ?? packages[`node_modules/${name}`]?.version ?? ""]));
  const dependencies = { [manifest.name]: source, ...peers };

  // Everything the package and the peers need, found the way Node resolves it in the checkout.
  const kept = new Set<string>();
  const visit = (from: string, entry: LockEntry) => {
    const optionalPeers = new Set(Object.entries(entry.peerDependenciesMeta ?? {}).filter(([, m]) => m.optional).map(([n]) => n));
    const needs = [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {}), ...Object.keys(entry.peerDependencies ?? {}).filter((n) => !optionalPeers.has(n))];
    for (const name of needs) {
      const at = locate(packages, from, name);
      if (at === undefined) {
        if (entry.optionalDependencies?.[name] !== undefined) continue; // another platform's binary
        throw new Error(`${from || "the package"} needs ${name}, which the checkout's package-lock.json does not have: run npm install in the checkout.`);
      }
      if (kept.has(at)) continue;
      kept.add(at);
      visit(at, packages[at]!);
    }
  };
  visit("", { dependencies: { ...manifest.dependencies, ...peers } });

  const appPackages: Record<string, LockEntry> = {
    "": { name: "fresh-app", version: "1.0.0", dependencies },
    [`node_modules/${manifest.name}`]: {
      version: manifest.version,
      resolved: source,
      dependencies: manifest.dependencies,
      peerDependencies: manifest.peerDependencies,
      bin: manifest.bin,
    },
  };
  for (const path of [...kept].sort()) {
    // In the app these are its own dependencies' dependencies, not development tools.
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = packages[path]!;
    appPackages[path] = entry;
  }
  writeFileSync(join(app, "package.json"), `${JSON.stringify({ name: "fresh-app", version: "1.0.0", private: true, type: "module", dependencies }, null, 2)}\n`);
  writeFileSync(join(app, "package-lock.json"), `${JSON.stringify({ name: "fresh-app", version: "1.0.0", lockfileVersion: 3, requires: true, packages: appPackages }, null, 2)}\n`);
}
