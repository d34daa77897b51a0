/**
 * The package as an app gets it: `npm run build`, `npm pack`, and the tarball unpacked as
 * `node_modules/ai-gateway-agents` of a scratch app. The scratch app sits inside this checkout's
 * node_modules/.cache, so its imports of dependencies resolve to the checkout's installed
 * copies: nothing is downloaded, and the unpacked files alone must be enough.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The fields of package.json that the checks read. */
export interface Manifest {
  name: string;
  version: string;
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  files: string[];
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

export interface LocalPackage {
  /** The scratch app (its package.json says `"type": "module"`). */
  app: string;
  /** The unpacked package: `<app>/node_modules/ai-gateway-agents`. */
  dir: string;
  /** The tarball `npm pack` wrote (inside `app`). */
  tarball: string;
  /** Paths in the tarball, relative to the package root. */
  files: string[];
  manifest: Manifest;
  remove(): void;
}

/** Builds, packs and unpacks the package; takes 10–30 s. */
export async function packLocally(): Promise<LocalPackage> {
  await run("npm", ["run", "build", "--silent"], { cwd: repoRoot });
  const cacheDir = join(repoRoot, "node_modules", ".cache");
  mkdirSync(cacheDir, { recursive: true });
  const app = mkdtempSync(join(cacheDir, "package-check-"));
  // --ignore-scripts: the build above is the prepack step; running it twice only costs time.
  const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", app], { cwd: repoRoot });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  mkdirSync(join(app, "node_modules"));
  await run("tar", ["xzf", join(app, packed.filename), "-C", join(app, "node_modules")]);
  const dir = join(app, "node_modules", "ai-gateway-agents");
  renameSync(join(app, "node_modules", "package"), dir);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "package-check-app", version: "1.0.0", private: true, type: "module" }));
  return {
    app,
    dir,
    tarball: join(app, packed.filename),
    files: packed.files.map((f) => f.path),
    manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest,
    remove: () => rmSync(app, { recursive: true, force: true }),
  };
}
