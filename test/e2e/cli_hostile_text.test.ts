/**
 * The real CLI (offline) with an MCP server whose tool description and results carry terminal
 * escape sequences: `tools`, a run that calls the tool, and `history` of that thread print none
 * of them, while `history --json` keeps the stored text exact.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { offlineEnv, runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "cli-hostile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const root = new URL("../..", import.meta.url).pathname;
const tiers = join(dir, "tiers.yaml");
writeFileSync(
  tiers,
  [
    "mcp:",
    "  servers:",
    "    orders:",
    "      transport: stdio",
    `      command: ${JSON.stringify(process.execPath)}`,
    '      args: ["--import", "tsx", "test/fixtures/hostile_mcp_server.ts"]',
    `      cwd: ${JSON.stringify(root)}`,
    "tiers:",
    "  fast: { tools: [orders.lookup_order] }",
  ].join("\n"),
);
const env = offlineEnv({ CHECKPOINT_SQLITE_PATH: join(dir, "checkpoints.sqlite"), TIERS_CONFIG: tiers });

/** True when `s` holds anything a terminal acts on other than a newline or a tab. */
const hasControl = (s: string) => /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(s);

describe("hostile text from an MCP server in the CLI", () => {
  it("tools prints the description without its escape sequences", async () => {
    const { code, stdout, stderr } = await runCli(["tools"], env);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^orders__lookup_order\s+mcp:orders\s+.*Look up an order by its order number and tell its status$/m);
    expect(hasControl(stdout)).toBe(false);
  });

  it("a run that calls the tool, and the thread's history, print none of the sequences; --json keeps them", async () => {
    const run = await runCli(["--tier", "fast", "--thread", "hostile-thread", "Look up the order and tell its status"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/->\s+order example: shipped/);
    expect(hasControl(run.stdout)).toBe(false);

    const history = await runCli(["history", "hostile-thread"], env);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(/^tool {3}order example: shipped$/m);
    expect(hasControl(history.stdout)).toBe(false);

    const json = await runCli(["history", "hostile-thread", "--json"], env);
    const tool = json.stdout.trim().split("\n").map((l) => JSON.parse(l) as { role?: string; content?: string }).find((m) => m.role === "tool");
    expect(tool?.content).toBe("order example:\u001b]0;pwned\u0007\u001b[2J\u001b[H\u0007 shipped");
  });

  it("an error that quotes the user's input prints it without its escape sequences", async () => {
    const { code, stderr } = await runCli(["--agent", "po\u001b]0;pwned\u0007et", "hello"], env);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: Unknown agent "poet"/m);
    expect(hasControl(stderr)).toBe(false);
  });
});
