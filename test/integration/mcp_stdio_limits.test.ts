/**
 * The MCP stdio server (the real `npm run mcp` entry, as a child process) and a message larger
 * than it reads: refused with a JSON-RPC error and a log line, and the server goes on serving.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { limitLines, MAX_STDIO_MESSAGE_BYTES } from "../../src/mcp/stdio_lines.js";
import { offlineEnv } from "../helpers/cli.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "mcp-stdio-limits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("limitLines", () => {
  it("passes each line on whole however stdin splits it, and drops a line over the limit", async () => {
    const input = new PassThrough();
    const oversize: number[] = [];
    const lines: string[] = [];
    const out = limitLines(input, 8, (bytes) => oversize.push(bytes));
    out.on("data", (chunk: Buffer) => lines.push(chunk.toString()));
    const ended = new Promise((resolve) => out.on("end", resolve));
    for (const chunk of ["ab", "c\n1234", "5678\nxyz", "0123456789", "abc\n", "ok\nlast\n"]) input.write(chunk);
    input.end();
    await ended;
    expect(lines).toEqual(["abc\n", "12345678\n", "ok\n", "last\n"]);
    expect(oversize).toEqual([16]);
  });
});

describe("MCP over stdio: a message over the size limit", () => {
  it("answers a 30 MB line with a JSON-RPC error and a log line, then answers the next requests, an 8 MB one too", async () => {
    const env = { ...offlineEnv({ CHECKPOINT_SQLITE_PATH: join(dir, "stdio.sqlite") }) };
    const child = spawn(process.execPath, ["scripts/run.mjs", "--bundle", "src/mcp/stdio.ts"], { cwd: root, env, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d) => (stdout += d));
    // A server that exited makes the writes fail; the assertions below say so more clearly than EPIPE.
    child.stdin.on("error", () => undefined);
    let exitCode: number | null | undefined;
    child.on("exit", (code) => (exitCode = code));
    const messages = () =>
      stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { id?: number; result?: { tools?: { name: string }[] }; error?: { code: number; message: string } });
    try {
      const send = (m: object) => child.stdin.write(`${JSON.stringify(m)}\n`);
      send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "limits-test", version: "1.0.0" } } });
      await vi.waitFor(() => expect(messages().some((m) => m.id === 1)).toBe(true), { timeout: 30_000 });
      send({ jsonrpc: "2.0", method: "notifications/initialized" });

      const huge = "x".repeat(30 * 1024 * 1024);
      send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "run_task", arguments: { task: huge } } });
      send({ jsonrpc: "2.0", id: 3, method: "tools/list" });
      await vi.waitFor(() => expect(messages().some((m) => m.id === 3)).toBe(true), { timeout: 30_000 });

      // Under the limit, a large message is still read and answered (here: the task is too long for run_task).
      send({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "run_task", arguments: { task: "y".repeat(8 * 1024 * 1024) } } });
      await vi.waitFor(() => expect(messages().some((m) => m.id === 4)).toBe(true), { timeout: 30_000 });

      const all = messages();
      const refused = all.find((m) => m.error && m.id === undefined);
      expect(refused?.error).toMatchObject({ code: -32600, message: expect.stringMatching(new RegExp(`larger than the limit of ${MAX_STDIO_MESSAGE_BYTES} bytes`)) });
      // Nothing answered the refused request as if it had been read.
      expect(all.some((m) => m.id === 2)).toBe(false);
      expect(all.find((m) => m.id === 3)?.result?.tools?.map((t) => t.name)).toEqual(["run_task"]);
      expect(stderr).toMatch(/Refused an MCP message of \d+ bytes on stdin/);
      expect(exitCode).toBeUndefined();
    } finally {
      child.stdin.end();
      await vi.waitFor(() => expect(exitCode).not.toBeUndefined(), { timeout: 10_000 });
    }
    expect(exitCode).toBe(0);
  }, 90_000);
});
