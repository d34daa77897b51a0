/**
 * Finds the runnable code blocks of README.md and docs/*.md, for test/docs/doc_blocks.test.ts.
 *
 * Convention (HTML comments, so GitHub shows nothing):
 * - A fenced ```ts block is a complete ESM program that imports the package by its name
 *   (`ai-gateway-agents`, or a subpath of package.json's `exports`); it must exit 0 offline.
 * - A fenced ```sh block is a shell script run from the repository root; it must exit 0.
 * - `<!-- expect: TEXT -->` right after a block: its stdout must contain TEXT (several may follow).
 * - `<!-- doc-test: skip REASON -->` right before a block: it is not run, and the test lists it with
 *   its reason (for commands such as `npm ci` that CI runs anyway). A skip without a reason fails.
 * - `<!-- doc-test: background wait-for=/healthz -->` right before a ```sh block of one command that
 *   starts a server: the server must print its `{"url": ...}` line, answer 200 on that path, and
 *   exit 0 on SIGTERM.
 * Other languages (yaml, json, dotenv, plain output) are shown, never run.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

/** One runnable block and what the text around it asks of it. */
export interface DocBlock {
  /** Where it is, as `docs/embedding.md:42` (the fence's line), for messages. */
  where: string;
  lang: "ts" | "sh";
  code: string;
  /** Texts its stdout must contain. */
  expect: string[];
  /** Set when the block is not run: why. */
  skip?: string;
  /** Set for a server command: the path that must answer 200 before it is stopped. */
  background?: { waitFor: string };
}

const DIRECTIVE = /^<!--\s*doc-test:\s*(\S+)\s*(.*?)\s*-->$/;
const EXPECT = /^<!--\s*expect:\s*(.*?)\s*-->$/;

/** Every ```ts and ```sh block of one markdown text; a malformed directive throws, naming its line. */
export function parseBlocks(markdown: string, file: string): DocBlock[] {
  const lines = markdown.split("\n");
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith("```"));
    if (end < 0) throw new Error(`${file}:${i + 1}: code fence is never closed`);
    const lang = open[1];
    const start = i;
    i = end;
    if (lang !== "ts" && lang !== "sh") continue;
    const block: DocBlock = { where: `${file}:${start + 1}`, lang, code: lines.slice(start + 1, end).join("\n") + "\n", expect: [] };
    const before = previousNonBlank(lines, start);
    const directive = before === undefined ? null : DIRECTIVE.exec(before);
    if (directive) {
      const [, kind, rest] = directive;
      if (kind === "skip") {
        if (!rest) throw new Error(`${block.where}: a doc-test skip needs a reason after "skip"`);
        block.skip = rest;
      } else if (kind === "background" && lang === "sh") {
        const waitFor = /^wait-for=(\/\S*)$/.exec(rest)?.[1];
        if (!waitFor) throw new Error(`${block.where}: write "doc-test: background wait-for=/path"`);
        block.background = { waitFor };
      } else {
        throw new Error(`${block.where}: unknown doc-test directive "${kind}" (skip REASON, or background wait-for=/path on a sh block)`);
      }
    }
    for (let j = end + 1; j < lines.length; j++) {
      if (lines[j].trim() === "") continue;
      const expected = EXPECT.exec(lines[j].trim());
      if (!expected) break;
      block.expect.push(expected[1]);
    }
    blocks.push(block);
  }
  return blocks;
}

function previousNonBlank(lines: string[], index: number): string | undefined {
  for (let j = index - 1; j >= 0; j--) if (lines[j].trim() !== "") return lines[j].trim();
  return undefined;
}

/** README.md and every docs/*.md of the repository, as relative paths. */
export function docFiles(root: string): string[] {
  const docs = readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => join(root, "docs", f));
  return [join(root, "README.md"), ...docs].map((f) => relative(root, f));
}

/** Every block of README.md and docs/*.md. */
export function allBlocks(root: string): DocBlock[] {
  return docFiles(root).flatMap((f) => parseBlocks(readFileSync(join(root, f), "utf8"), f));
}

/**
 * tsconfig `paths` that send the package name and each subpath of package.json's `exports` to
 * the source file its built entry is compiled from, so a doc program runs against the checkout
 * with no build (and a subpath the package does not export fails, as it would for a user).
 */
export function packagePaths(pkg: { name: string; exports: Record<string, unknown> }, rootFromTsconfig: string): Record<string, string[]> {
  const paths: Record<string, string[]> = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const entry = typeof target === "string" ? target : (target as { import?: string }).import;
    if (!entry || !entry.startsWith("./dist/") || !entry.endsWith(".js")) continue;
    const source = entry.slice("./dist/".length).replace(/\.js$/, ".ts");
    paths[pkg.name + subpath.slice(1)] = [`${rootFromTsconfig}/${source}`];
  }
  return paths;
}

/** How a block's run ended. */
export interface BlockRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the run did not do what the block promised (timeout, no URL, health check failed). */
  problem?: string;
}

/**
 * Runs one block offline: a ts program with tsx (the package name mapped to the source by a
 * tsconfig written next to it in `workDir`, which must lie inside the repository so that bare
 * imports resolve from its node_modules), a sh script with bash from `root`. `env` is the whole
 * environment of the child.
 */
export async function runBlock(block: DocBlock, options: { root: string; workDir: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<BlockRun> {
  const { root, workDir, env, timeoutMs } = options;
  if (block.lang === "ts") {
    mkdirSync(workDir, { recursive: true });
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    const up = relative(workDir, root) || ".";
    const tsconfig = { extends: `${up}/tsconfig.json`, compilerOptions: { paths: packagePaths(pkg, up) }, include: ["*.ts"] };
    writeFileSync(join(workDir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
    writeFileSync(join(workDir, "block.ts"), block.code);
    return spawnRun(process.execPath, ["--import", "tsx", "block.ts"], { cwd: workDir, env: { ...env, TSX_TSCONFIG_PATH: join(workDir, "tsconfig.json") }, timeoutMs });
  }
  if (!block.background) return spawnRun("bash", ["-e", "-o", "pipefail", "-c", block.code], { cwd: root, env, timeoutMs });
  return runServer(block.code, block.background.waitFor, { cwd: root, env, timeoutMs });
}

function spawnRun(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<BlockRun> {
  return new Promise((resolve) => {
    // Its own process group, so a timeout also ends what npm or bash started.
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    let problem: string | undefined;
    const timer = setTimeout(() => {
      problem = `still running after ${options.timeoutMs} ms`;
      killGroup(child.pid, "SIGKILL");
    }, options.timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, problem });
    });
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  try {
    if (pid) process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Starts a server command, waits for its `{"url"}` line, checks `waitFor` answers 200, then stops it with SIGTERM. */
function runServer(code: string, waitFor: string, options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<BlockRun> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", code], { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    let problem: string | undefined;
    let checked = false;
    let stopping = false;
    const timer = setTimeout(() => {
      problem ??= `no {"url"} line and health answer within ${options.timeoutMs} ms`;
      killGroup(child.pid, "SIGKILL");
    }, options.timeoutMs);
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d) => {
      stdout += d;
      if (checked) return;
      const url = stdout
        .split("\n")
        .map((l) => /^\{"url":\s*"([^"]+)"/.exec(l.trim())?.[1])
        .find(Boolean);
      if (!url) return;
      checked = true;
      fetch(new URL(waitFor, url))
        .then((res) => {
          if (res.status !== 200) problem = `GET ${waitFor} answered ${res.status}`;
        })
        .catch((error: Error) => (problem = `GET ${waitFor} failed: ${error.message}`))
        // To the whole group, as systemd stops a service: a wrapper such as npm does not pass a
        // SIGTERM on, so the server must act on its own copy.
        .finally(() => {
          stopping = true;
          killGroup(child.pid, "SIGTERM");
        });
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      // A wrapper (npm, npx) ends by the SIGTERM we sent; the group closing in time is the stop.
      resolve({ code: stopping && signal === "SIGTERM" ? 0 : exitCode, stdout, stderr, problem });
    });
  });
}
