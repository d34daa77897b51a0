/**
 * Runs every ```ts and ```sh block of README.md and docs/*.md (the convention is in
 * ./doc_blocks.ts), offline, so a documented program or command that stops working fails here.
 * Blocks run three at a time; each gets a fresh data directory.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offlineEnv } from "../helpers/cli.js";
import { allBlocks, packagePaths, parseBlocks, runBlock, type BlockRun, type DocBlock } from "./doc_blocks.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
// Inside the repository, so a program's bare imports (zod, @langchain/core) resolve from its node_modules.
const workRoot = join(root, "test", "docs", ".run", String(process.pid));
const dataRoot = mkdtempSync(join(tmpdir(), "doc-blocks-"));
const BLOCK_TIMEOUT_MS = 45_000;
// Blocks spend much of their time starting processes and waiting on them, so three at a time keep two cores busy.
const POOL = 3;

const blocks = allBlocks(root);
const runnable = blocks.filter((b) => !b.skip);
const runs = new Map<DocBlock, BlockRun>();

function envFor(index: number): NodeJS.ProcessEnv {
  const data = join(dataRoot, String(index));
  // No credentials (the emulator answers), and state in a directory of its own, never the checkout's .data.
  return offlineEnv({ CHECKPOINT_SQLITE_PATH: join(data, "checkpoints.sqlite"), CONFIG_STORE_PATH: join(data, "providers.json"), PORT: "0", LOG_LEVEL: "warn" });
}

beforeAll(async () => {
  let next = 0;
  const worker = async () => {
    while (next < runnable.length) {
      const index = next++;
      const block = runnable[index];
      runs.set(block, await runBlock(block, { root, workDir: join(workRoot, String(index)), env: envFor(index), timeoutMs: BLOCK_TIMEOUT_MS }));
    }
  };
  await Promise.all(Array.from({ length: POOL }, worker));
}, 120_000);

afterAll(() => {
  rmSync(workRoot, { recursive: true, force: true });
  rmSync(dataRoot, { recursive: true, force: true });
});

describe("documentation blocks", () => {
  it("finds the README's quickstart and programs in docs/", () => {
    expect(blocks.some((b) => b.where.startsWith("README.md") && b.lang === "ts")).toBe(true);
    expect(blocks.some((b) => b.where.startsWith("docs/") && b.lang === "ts")).toBe(true);
  });

  for (const block of blocks) {
    if (block.skip) {
      // Listed in the report as skipped, with the reason the document gives.
      it.skip(`${block.where} (${block.lang}) not run: ${block.skip}`, () => {});
      continue;
    }
    it(`${block.where} (${block.lang}${block.background ? `, server checked at ${block.background.waitFor}` : ""}) runs offline`, () => {
      const run = runs.get(block);
      expect(run, "the block was not run").toBeDefined();
      const output = `\n--- stdout\n${run!.stdout.slice(-4000)}\n--- stderr\n${run!.stderr.slice(-4000)}`;
      expect(run!.problem, output).toBeUndefined();
      expect(run!.code, output).toBe(0);
      for (const text of block.expect) expect(run!.stdout, `expected "${text}" on stdout${output}`).toContain(text);
    });
  }
});

describe("the block conventions", () => {
  it("reads expectations after a block and directives before it", () => {
    const md = ["<!-- doc-test: skip CI runs it -->", "```sh", "npm ci", "```", "", "```ts", "console.log(1)", "```", "<!-- expect: 1 -->", "<!-- expect: one -->", "```yaml", "a: 1", "```"].join("\n");
    const [skipped, program, ...rest] = parseBlocks(md, "x.md");
    expect(skipped).toMatchObject({ where: "x.md:2", lang: "sh", skip: "CI runs it", expect: [] });
    expect(program).toMatchObject({ where: "x.md:6", lang: "ts", code: "console.log(1)\n", expect: ["1", "one"] });
    expect(rest).toEqual([]);
  });

  it("refuses a skip without a reason, an unknown directive and a bad wait-for", () => {
    expect(() => parseBlocks("<!-- doc-test: skip -->\n```sh\nls\n```", "x.md")).toThrow("x.md:2: a doc-test skip needs a reason");
    expect(() => parseBlocks("<!-- doc-test: later -->\n```sh\nls\n```", "x.md")).toThrow('unknown doc-test directive "later"');
    expect(() => parseBlocks("<!-- doc-test: background /healthz -->\n```sh\nnpm run serve\n```", "x.md")).toThrow("wait-for=/path");
  });

  it("maps the package name and each exported subpath to its source file", () => {
    const paths = packagePaths(
      { name: "ai-gateway-agents", exports: { ".": { import: "./dist/src/index.js" }, "./orchestrator": { import: "./dist/graphs/index.js" }, "./package.json": "./package.json" } },
      "../..",
    );
    expect(paths).toEqual({ "ai-gateway-agents": ["../../src/index.ts"], "ai-gateway-agents/orchestrator": ["../../graphs/index.ts"] });
  });

  it("tsconfig.json maps the same names, so tsc and tsx see the examples as the docs runner does", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    const { config } = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
    // A subpath added to package.json's exports needs its line in tsconfig.json's paths too.
    expect(config.compilerOptions.paths).toEqual(packagePaths(pkg, "."));
  });

  it("reports a failing sh block by its exit code", async () => {
    const run = await runBlock({ where: "x.md:1", lang: "sh", code: "echo before\nfalse\necho after\n", expect: [] }, { root, workDir: workRoot, env: envFor(-1), timeoutMs: 10_000 });
    expect(run).toMatchObject({ code: 1, stdout: "before\n" });
  });
});
