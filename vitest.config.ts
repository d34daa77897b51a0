import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests import the examples, which import the package by its name: resolve each exported
// subpath to the source its built file comes from (as tsconfig.json's `paths` do for tsc and tsx).
const pkg = JSON.parse(readFileSync(new URL("package.json", import.meta.url), "utf8")) as { name: string; exports: Record<string, string | { import?: string }> };
const packageAliases = Object.entries(pkg.exports).flatMap(([subpath, target]) => {
  const entry = typeof target === "string" ? target : target.import;
  if (!entry?.startsWith("./dist/") || !entry.endsWith(".js")) return [];
  const source = fileURLToPath(new URL(entry.slice("./dist/".length).replace(/\.js$/, ".ts"), import.meta.url));
  return [{ find: new RegExp(`^${(pkg.name + subpath.slice(1)).replace(/[/.-]/g, "\\$&")}$`), replacement: source }];
});

export default defineConfig({
  resolve: { alias: packageAliases },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start their own emulator on an ephemeral port, so files can run in parallel.
    pool: "forks",
  },
});
