/**
 * `scripts/run.mjs`, which `npm start` (and serve, mcp, emulator) go through: it runs compiled
 * JavaScript, builds again when a source file changes, is added or removed, and lets processes
 * that start together share one build. Checked on a scratch checkout so the real one is untouched.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProcess } from "../helpers/cli.js";
import { repoRoot } from "../helpers/package.js";

let root: string;
const env = { ...process.env, NO_COLOR: "1" };
const start = (...args: string[]) => runProcess(process.execPath, ["scripts/run.mjs", "src/main.ts", ...args], { cwd: root, env, timeoutMs: 60_000 });
const builds = () => readdirSync(join(root, "node_modules", ".cache", "ai-gateway-agents"));

/** Writes a source file with a modification time that differs from the last write. */
let tick = 0;
function write(file: string, text: string): void {
  writeFileSync(join(root, file), text);
  const t = new Date(Date.now() + ++tick * 1000);
  utimesSync(join(root, file), t, t);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "start-runner-"));
  mkdirSync(join(root, "scripts"));
  for (const script of ["run.mjs", "bundle_options.mjs"]) copyFileSync(join(repoRoot, "scripts", script), join(root, "scripts", script));
  mkdirSync(join(root, "node_modules"));
  // esbuild from the real checkout; the scratch cache goes in the scratch node_modules.
  symlinkSync(join(repoRoot, "node_modules", "esbuild"), join(root, "node_modules", "esbuild"));
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "scratch", type: "module" }));
  mkdirSync(join(root, "src"));
  write("src/part.ts", 'export const word: string = "one";\n');
  write("src/main.ts", 'import { word } from "./part.js";\nconsole.log(`${word} ${process.argv.slice(2).join(" ")}`);\n');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the start runner", () => {
  it("runs the entry compiled, passing the arguments through", async () => {
    const r = await start("a", "--flag");
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("one a --flag\n");
    expect(builds()).toHaveLength(1);
  });

  it("builds again when a source changes, and runs the new code", async () => {
    write("src/part.ts", 'export const word: string = "two";\n');
    expect((await start()).stdout).toBe("two \n");
    expect(builds()).toHaveLength(2);
  });

  it("follows an added file and fails clearly on a removed one", async () => {
    write("src/extra.ts", 'export const extra = "three";\n');
    write("src/main.ts", 'import { extra } from "./extra.js";\nconsole.log(extra);\n');
    expect((await start()).stdout).toBe("three\n");
    unlinkSync(join(root, "src", "extra.ts"));
    const gone = await start();
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/extra\.js/);
  });

  it("lets processes that start together share one fresh build", async () => {
    write("src/main.ts", 'console.log("together");\n');
    const before = builds().length;
    const runs = await Promise.all(Array.from({ length: 4 }, () => start()));
    for (const r of runs) expect(r).toMatchObject({ code: 0, stdout: "together\n" });
    expect(builds()).toHaveLength(before + 1);
    expect(builds().some((b) => b.includes(".tmp-"))).toBe(false);
  });

  it("with --bundle, carries the dependencies in the build, and builds again after an install changes one", async () => {
    const dep = (word: string) => {
      mkdirSync(join(root, "node_modules", "dep"), { recursive: true });
      writeFileSync(join(root, "node_modules", "dep", "package.json"), JSON.stringify({ name: "dep", type: "module", main: "index.js" }));
      writeFileSync(join(root, "node_modules", "dep", "index.js"), `export const word = ${JSON.stringify(word)};\n`);
      // What npm ci and npm install rewrite.
      write("node_modules/.package-lock.json", JSON.stringify({ name: "scratch", word }));
    };
    dep("bundled");
    write("src/main.ts", 'import { word } from "dep";\nconsole.log(`${word} ${process.argv.slice(2).join(" ")}`);\n');
    const bundle = (...args: string[]) => runProcess(process.execPath, ["scripts/run.mjs", "--bundle", "src/main.ts", ...args], { cwd: root, env, timeoutMs: 60_000 });
    expect(await bundle("x")).toMatchObject({ code: 0, stdout: "bundled x\n" });
    expect(builds().filter((b) => b.endsWith("-bundle-src_main_ts"))).toHaveLength(1);
    // The dependency's code is inside the build: the installed copy is not read at run time.
    rmSync(join(root, "node_modules", "dep"), { recursive: true });
    expect(await bundle()).toMatchObject({ code: 0, stdout: "bundled \n" });
    dep("reinstalled");
    expect(await bundle()).toMatchObject({ code: 0, stdout: "reinstalled \n" });
    expect(builds().filter((b) => b.endsWith("-bundle-src_main_ts"))).toHaveLength(2);
  });

  it("refuses an entry that is not a TypeScript source of the checkout", async () => {
    const r = await runProcess(process.execPath, ["scripts/run.mjs", "src/missing.ts"], { cwd: root, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage: node scripts\/run\.mjs \[--bundle\] <source entry \.ts>.*src\/missing\.ts/);
  });
});
