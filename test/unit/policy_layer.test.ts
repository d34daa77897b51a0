/**
 * Policy sits in its own layer (DESIGN.md): the layers below it (providers and everything under
 * them, usage) never import src/policy, and src/policy never imports the runtime, the graphs,
 * the agents, the run service or a surface. Type-only imports count too.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

/** Every relative import of every .ts file under `dir`, as project paths: `src/providers/registry.ts -> src/policy/policy.js`. */
function importsUnder(dir: string): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const file = join(entry.parentPath, entry.name);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/\bfrom\s+["'](\.{1,2}\/[^"']+)["']|\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)) {
      out.push({ from: relative(ROOT, file), to: relative(ROOT, resolve(dirname(file), m[1] ?? m[2])) });
    }
  }
  return out;
}

const BELOW_POLICY = ["src/providers", "src/usage", "src/models", "src/gateway", "src/net", "src/config", "src/logging"];
const ABOVE_POLICY = ["src/runtime", "src/runs", "src/cli", "src/server", "src/mcp", "src/eval", "graphs", "agents"];
const within = (path: string, dirs: string[]) => dirs.some((d) => path === d || path.startsWith(`${d}/`));

describe("src/policy layer", () => {
  it("the import scan sees the imports it checks", () => {
    expect(importsUnder("src/policy")).toContainEqual({ from: "src/policy/tier_config.ts", to: "src/providers/tier_models.js" });
  });

  it("no layer below policy imports it", () => {
    const offending = BELOW_POLICY.flatMap(importsUnder).filter((i) => within(i.to, ["src/policy"]));
    expect(offending).toEqual([]);
  });

  it("policy imports nothing above it", () => {
    const offending = importsUnder("src/policy").filter((i) => within(i.to, ABOVE_POLICY));
    expect(offending).toEqual([]);
  });
});
