/**
 * Only public LangChain and LangGraph APIs outside the fence: a private member used anywhere else
 * in src/, graphs/ or agents/ would tie the package to the exact versions it was written against
 * again, with nothing to say so when an app brings another. The fence (agents/langchain_private.ts)
 * and its test (langchain_private.test.ts) are where such a use goes, if it must.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FENCE = "agents/langchain_private.ts";

/** Known private members and internal layouts, each with what it is. */
const PRIVATE: readonly { pattern: RegExp; what: string }[] = [
  { pattern: /\b_validateInput\b|\b_validateContext\b/, what: "CompiledStateGraph's protected validation hooks" },
  { pattern: /\._emit\b|\bStreamMessagesHandler\b/, what: "LangGraph's messages stream handler internals" },
  { pattern: /__pregel_|\bCONFIG_KEY_[A-Z_]+/, what: "LangGraph's internal configurable keys" },
  { pattern: /\??\.hook\b/, what: "the hook inside a LangChain middleware" },
  { pattern: /["'](?:@langchain\/[\w-]+|langchain)\/dist\//, what: "a deep import of a package's build files" },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourceFiles(path);
    return /\.(?:[cm]?ts|tsx|[cm]?js)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The code of a file without its comments (which may name a member to say why it is not used), line numbers kept. */
const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, "")).replace(/(^|[^:"'`])\/\/.*$/gm, "$1");

describe("private LangChain and LangGraph members", () => {
  const files = ["src", "graphs", "agents"].flatMap(sourceFiles);

  it("scans the project's code", () => {
    expect(files).toContain(FENCE);
    expect(files).toContain(join("graphs", "orchestrator", "graph.ts"));
    expect(files.length).toBeGreaterThan(100);
  });

  it("are used in the fence only", () => {
    const found: string[] = [];
    for (const file of files) {
      if (relative(ROOT, join(ROOT, file)) === FENCE) continue;
      withoutComments(readFileSync(join(ROOT, file), "utf8"))
        .split("\n")
        .forEach((line, i) => {
          for (const { pattern, what } of PRIVATE) if (pattern.test(line)) found.push(`${file}:${i + 1}: ${what}: ${line.trim().slice(0, 120)}`);
        });
    }
    expect(found, `move these into ${FENCE} (with a check in test/unit/langchain_private.test.ts), or use a public API`).toEqual([]);
  });

  it("the fence itself is what the patterns catch", () => {
    const fence = withoutComments(readFileSync(join(ROOT, FENCE), "utf8"));
    for (const member of ["_validateInput", "._emit", "__pregel_", ".hook"]) {
      expect(PRIVATE.some(({ pattern }) => fence.split("\n").some((line) => line.includes(member) && pattern.test(line))), member).toBe(true);
    }
  });
});
