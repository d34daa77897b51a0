/**
 * The gateway layer's modules import each other without a circle (type-only imports included):
 * the stream only parses and never reaches back into the client that owns the retry loop.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const GATEWAY_DIR = join(import.meta.dirname, "../../src/gateway");

/** Sibling modules each file of `dir` imports, by file name (`./x.js` -> `x.ts`). */
function siblingImports(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".ts"))) {
    const text = readFileSync(join(dir, name), "utf8");
    const deps = [...text.matchAll(/\bfrom\s+["']\.\/([\w.-]+)\.js["']/g)].map((m) => `${m[1]}.ts`);
    graph.set(name, deps);
  }
  return graph;
}

/** Every import circle in `graph`, each as the path that closes it. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    stack.push(node);
    for (const dep of graph.get(node) ?? []) {
      if (!graph.has(dep)) continue;
      if (state.get(dep) === "open") cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe("src/gateway import graph", () => {
  it("the cycle finder reports a circle it is given", () => {
    const graph = new Map([
      ["client.ts", ["chat_stream.ts", "errors.ts"]],
      ["chat_stream.ts", ["client.ts"]],
      ["errors.ts", []],
    ]);
    expect(findCycles(graph)).toEqual([["client.ts", "chat_stream.ts", "client.ts"]]);
  });

  it("has no import circle", () => {
    const graph = siblingImports(GATEWAY_DIR);
    expect(graph.get("client.ts")).toContain("chat_stream.ts");
    expect(findCycles(graph)).toEqual([]);
  });

  it("the stream does not import the client or the retry loop", () => {
    const deps = siblingImports(GATEWAY_DIR).get("chat_stream.ts") ?? [];
    expect(deps).not.toContain("client.ts");
    expect(deps).not.toContain("retry_loop.ts");
    expect(deps).not.toContain("retry.ts");
  });
});
