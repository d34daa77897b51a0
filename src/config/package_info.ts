/**
 * This package's own package.json, found by walking up from this module: the same code runs
 * from the sources, from the checkout's start cache and from an installed package's dist.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The name this package is published under (how its own package.json is recognised). */
export const PACKAGE_NAME = "ai-gateway-agents";

let version: string | undefined;

/** The installed version of this package ("0.0.0-unknown" if its package.json cannot be read). */
export function packageVersion(): string {
  if (version) return version;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
        if (pkg.name === PACKAGE_NAME && pkg.version) return (version = pkg.version);
      } catch {
        // An unreadable package.json on the way up is not ours.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return (version = "0.0.0-unknown");
    dir = parent;
  }
}
