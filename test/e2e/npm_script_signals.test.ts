/**
 * `npm run serve` (and the other long-running npm scripts) under a supervisor that stops it with
 * SIGTERM to npm, as systemd, Docker and CI runners do: the node process behind npm must get the
 * signal and end, and nothing may keep listening after npm has exited.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { offlineEnv } from "../helpers/cli.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "npm-signals-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const env = offlineEnv({
  PORT: "0",
  HOST: "127.0.0.1",
  CHECKPOINT_SQLITE_PATH: join(scratch, "checkpoints.sqlite"),
  CONFIG_STORE_PATH: join(scratch, "providers.json"),
  LOG_LEVEL: "warn",
});

/** Every process below `pid`, children first. */
function descendants(pid: number): number[] {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const below = (parent: number): number[] => rows.filter(([, ppid]) => ppid === parent).flatMap(([child]) => [child, ...below(child)]);
  return below(pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves with the first line the process writes on stdout. */
function firstLine(proc: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    proc.stderr!.on("data", (d) => (err += d));
    proc.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
    });
    proc.on("exit", (code) => reject(new Error(`npm exited (${code}) before printing a line\nstdout:\n${out}\nstderr:\n${err}`)));
  });
}

/** Whether a TCP connection to the URL's port is refused. */
function refused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
  });
}

/**
 * Sends SIGTERM to npm once the script is up, and waits for npm to exit. Whatever still runs
 * below npm afterwards is killed, so a failing run leaves no orphan behind.
 */
async function terminate(npm: ChildProcess): Promise<{ code: number | null; survivors: number[] }> {
  const below = descendants(npm.pid!);
  expect(below.length).toBeGreaterThan(0);
  const exited = new Promise<number | null>((resolve) => npm.once("exit", (code) => resolve(code)));
  npm.kill("SIGTERM");
  const code = await exited;
  const survivors = below.filter(alive);
  for (const pid of survivors) process.kill(pid, "SIGKILL");
  return { code, survivors };
}

describe("SIGTERM to npm stops the script behind it", () => {
  it("npm run serve: the server closes and its port refuses connections", async () => {
    const npm = spawn("npm", ["run", "serve", "--silent"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    const { url } = JSON.parse(await firstLine(npm)) as { url: string };
    const health = await request(`${url}/healthz`);
    await health.body.dump();
    expect(health.statusCode).toBe(200);
    const { code, survivors } = await terminate(npm);
    expect(survivors).toEqual([]);
    // The server's own SIGTERM handler closed it: exit code 0, as after Ctrl-C.
    expect(code).toBe(0);
    expect(await refused(url)).toBe(true);
  }, 60_000);

  it("npm run emulator: the emulator closes and its port refuses connections", async () => {
    const npm = spawn("npm", ["run", "emulator", "--silent", "--", "--port", "0"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    const { baseUrl } = JSON.parse(await firstLine(npm)) as { baseUrl: string };
    expect(await refused(baseUrl)).toBe(false);
    const { code, survivors } = await terminate(npm);
    expect(survivors).toEqual([]);
    expect(code).toBe(0);
    expect(await refused(baseUrl)).toBe(true);
  }, 60_000);

  it("npm run mcp: the stdio server ends although its client keeps stdin open", async () => {
    const npm = spawn("npm", ["run", "mcp", "--silent"], { cwd: root, env, stdio: ["pipe", "pipe", "pipe"] });
    const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "signal-test", version: "1.0.0" } } };
    npm.stdin!.write(`${JSON.stringify(initialize)}\n`);
    const reply = JSON.parse(await firstLine(npm)) as { id: number; result?: { serverInfo?: unknown } };
    expect(reply).toMatchObject({ id: 1, result: { serverInfo: expect.anything() } });
    const { survivors } = await terminate(npm);
    npm.stdin!.destroy();
    expect(survivors).toEqual([]);
  }, 60_000);
});
