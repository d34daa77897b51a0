import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { offlineEnv, runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "cli-e2e-"));
const env = offlineEnv({ CHECKPOINT_SQLITE_PATH: join(dir, "checkpoints.sqlite") });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm start (offline)", () => {
  it("routes, calls the calculator and answers 435, saying the model is simulated", async () => {
    const { code, stdout, stderr } = await runCli(["What is 12.5% of 3,480?"], env);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^route\s+fast via rule/m);
    expect(stdout).toMatch(/^tool\s+calculator\(\{"expression":"12\.5 \/ 100 \* 3480"\}\)/m);
    expect(stdout).toMatch(/->\s+435$/m);
    expect(stdout).toMatch(/^answer .*435/m);
    expect(stdout).toMatch(/SIMULATED/);
    expect(stdout).toMatch(/^usage\s+\d+ in \+ \d+ out tokens · cost \$/m);
    expect(stdout).toMatch(/^done in \d+\.\d\d s/m);
    const notices = stderr.split("\n").filter((l) => /SIMULATED model from the local gateway emulator/.test(l));
    expect(notices).toHaveLength(1);
  });

  it("--json prints one parseable event per line, in order", async () => {
    const { code, stdout } = await runCli(["--json", "What is 12.5% of 3,480?"], env);
    expect(code).toBe(0);
    const events = stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string; [k: string]: unknown });
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("run_started");
    expect(types.at(-1)).toBe("run_finished");
    expect(types).toEqual(expect.arrayContaining(["route_decided", "agent_started", "tool_call", "tool_result", "token", "final_answer", "usage"]));
    expect(types.indexOf("route_decided")).toBeLessThan(types.indexOf("tool_call"));
    expect(types.indexOf("tool_result")).toBeLessThan(types.indexOf("final_answer"));
    const final = events.find((e) => e.type === "final_answer")!;
    expect(final.answer).toContain("435");
    expect(final.simulated).toBe(true);
    expect(events[0].simulated).toBe(true);
  });

  it("continues a thread in a new process from the same SQLite file", async () => {
    const thread = "e2e-thread-1";
    expect((await runCli(["--thread", thread, "What is 12.5% of 3,480?"], env)).code).toBe(0);
    expect((await runCli(["--thread", thread, "--tier", "standard", "Now say hello"], env)).code).toBe(0);
    const { code, stdout } = await runCli(["history", thread, "--json"], env);
    expect(code).toBe(0);
    const messages = stdout.trim().split("\n").map((l) => JSON.parse(l) as { role: string; content: string });
    expect(messages.filter((m) => m.role === "human").map((m) => m.content)).toEqual(["What is 12.5% of 3,480?", "Now say hello"]);
    expect(messages.some((m) => m.role === "tool" && m.content === "435")).toBe(true);
    // The last line says what the store keeps: the agents' finished checkpoints are pruned after each run.
    const kept = JSON.parse(stdout.trim().split("\n").at(-1)!) as { type: string; kept: number; pruned: number; keep: number };
    expect(kept).toMatchObject({ type: "checkpoints", keep: 12 });
    expect(kept.kept).toBeGreaterThan(0);
    expect(kept.kept).toBeLessThanOrEqual(12);
    expect(kept.pruned).toBeGreaterThan(0);
    const rendered = await runCli(["history", thread], env);
    expect(rendered.stdout).toMatch(new RegExp(`^${kept.kept} checkpoints kept; ${kept.pruned} earlier pruned; the newest 12 are kept \\(CHECKPOINT_KEEP\\)\\.$`, "m"));
  });

  it("shows the tier mapping and where each model came from", async () => {
    const { code, stdout } = await runCli(["models"], env);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^fast\s+gpt-5-mini\s+\(discovered\)/m);
    expect(stdout).toMatch(/^premium\s+gpt-5\.1\s+\(discovered\)/m);
    // Fallback providers without credentials are not listed as if they would answer.
    expect(stdout).toMatch(/^providers in order: gateway {2}\[gateway = local emulator, SIMULATED\]$/m);
    expect(stdout).toMatch(/^not configured or switched off: openai, anthropic, google, ollama$/m);
    expect(stdout).not.toMatch(/fallbacks:/);
    const withOpenai = await runCli(["models", "--json"], { ...env, OPENAI_API_KEY: "sk-test-models-000000000000" });
    expect(JSON.parse(withOpenai.stdout)).toMatchObject({ providers: ["openai"], notConfigured: ["gateway", "anthropic", "google", "ollama"], simulated: false });
    const pinned = await runCli(["models"], { ...env, AI_GATEWAY_PREMIUM_MODEL: "gpt-5" });
    expect(pinned.stdout).toMatch(/^premium\s+gpt-5\s+\(env\)/m);
  });

  it("verifies the configured providers", async () => {
    const { code, stdout } = await runCli(["verify"], env);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^gateway\s+ok\s+\d+ ms\s+\d+ models/m);
  });

  it("exits 2 with a message naming the variable on bad configuration", async () => {
    const { code, stderr } = await runCli(["hello"], { ...env, AI_GATEWAY_MAX_RETRIES: "lots" });
    expect(code).toBe(2);
    expect(stderr).toMatch(/AI_GATEWAY_MAX_RETRIES: must be a number/);
  });

  it("exits 2 on a bad tier", async () => {
    const { code, stderr } = await runCli(["--tier", "huge", "hello"], env);
    expect(code).toBe(2);
    expect(stderr).toMatch(/use one of fast, standard, premium/);
  });

  it("routing.rules in a YAML TIERS_CONFIG changes the route; a bad rule stops startup naming the file and key", async () => {
    const task = "Write a limerick about queues";
    const routeOf = (stdout: string) => stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.type === "route_decided");
    const plain = await runCli(["--json", task], env);
    expect(routeOf(plain.stdout)).toMatchObject({ source: "classifier" });

    const file = join(dir, "tiers.yaml");
    writeFileSync(file, "routing:\n  classifier: false\n  rules:\n    - name: poems\n      tier: premium\n      keywords: [limerick]\n");
    const ruled = await runCli(["--json", task], { ...env, TIERS_CONFIG: file });
    expect(ruled.code, ruled.stderr).toBe(0);
    expect(routeOf(ruled.stdout)).toMatchObject({ tier: "premium", source: "rule", reason: 'rule "poems": keyword "limerick"' });
    // classifier: false, and no rule matches: the default tier, with no model call to route.
    const other = await runCli(["--json", "Tell me about queues"], { ...env, TIERS_CONFIG: file });
    expect(routeOf(other.stdout)).toMatchObject({ source: "default" });

    const bad = join(dir, "bad-tiers.yaml");
    writeFileSync(bad, "routing:\n  rules:\n    - tier: huge\n      keywords: [x]\n");
    const failed = await runCli(["--json", task], { ...env, TIERS_CONFIG: bad });
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain(bad);
    expect(failed.stderr).toContain("routing.rules.0.tier: must be one of fast, standard, premium");
  }, 120_000);

  it("--thread: the second and third runs each report their own usage, with the thread's sum", async () => {
    const thread = `cli-thread-${Date.now()}`;
    const reports: { total: { total: number }; thread: { total: { total: number } } }[] = [];
    for (let i = 0; i < 3; i++) {
      const { code, stdout, stderr } = await runCli(["--json", "--thread", thread, "--tier", "fast", "What is 12.5% of 3,480?"], env);
      expect(code, stderr).toBe(0);
      const events = stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(events.filter((e) => e.type === "escalation")).toEqual([]);
      reports.push(events.find((e) => e.type === "usage") as (typeof reports)[number]);
    }
    const runs = reports.map((r) => r.total.total);
    expect(reports.map((r) => r.thread.total.total)).toEqual([runs[0], runs[0] + runs[1], runs[0] + runs[1] + runs[2]]);
    const history = await runCli(["history", thread, "--json"], env);
    const humans = history.stdout.trim().split("\n").map((l) => JSON.parse(l) as { role: string }).filter((m) => m.role === "human");
    expect(humans).toHaveLength(3);
  }, 120_000);
});

describe("approvals and specialists in the CLI (offline)", () => {
  const tiers = join(dir, "approvals.yaml");
  writeFileSync(
    tiers,
    [
      "approvals:",
      "  calculator: [approve, edit, reject]",
      "agents:",
      "  writer:",
      "    description: Writes letters and emails",
      "    tier: fast",
      "routing:",
      "  rules:",
      "    - { name: letters, agent: writer, keywords: [letter] }",
      "    - { name: sums, tier: fast, needsTools: [calculator] }",
    ].join("\n"),
  );
  const approvalEnv = { ...env, TIERS_CONFIG: tiers };

  it("without a terminal it exits 3 and prints the resume command; resume approves in a new process", async () => {
    for (const run of [1, 2]) {
      const thread = `cli-approval-${run}`;
      const paused = await runCli(["--thread", thread, "What is 17 * 23?"], approvalEnv);
      expect(paused.code, paused.stderr).toBe(3);
      expect(paused.stdout).toMatch(/^approval the fast agent wants to run calculator\(\{"expression":"17 \* 23"\}\) · allowed: approve, edit, reject$/m);
      expect(paused.stdout).not.toMatch(/^answer /m);
      expect(paused.stderr).toContain(`npm start -- resume ${thread} --decision approve|reject [--args JSON] [--reason TEXT]`);
      const resumed = await runCli(["resume", thread, "--decision", run === 1 ? "approve" : "reject", "--reason", "no sums today"], approvalEnv);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toMatch(run === 1 ? /^answer .*calculator: 391/m : /^answer .*rejected it: no sums today/m);
      const again = await runCli(["resume", thread, "--decision", "approve"], approvalEnv);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`thread ${thread} has nothing waiting for approval`);
    }
  }, 90_000);

  it("--approvals ask takes the decisions typed on stdin: a wrong key is asked again, then an edit runs", async () => {
    const { code, stdout, stderr } = await runCli(["--approvals", "ask", "What is 17 * 23?"], approvalEnv, 60_000, 'maybe\ne\n{"expression":"17 * 24"}\n');
    expect(code, stderr).toBe(0);
    expect(stderr).toContain("please answer approve, edit, reject");
    expect(stdout).toMatch(/^tool\s+calculator\(\{"expression":"17 \* 24"\}\)/m);
    expect(stdout).toMatch(/^answer .*408/m);
  });

  it("--json reports the pause as run_paused with the resume command; bad --args is a usage error", async () => {
    const paused = await runCli(["--json", "--thread", "cli-json-approval", "What is 2 + 2?"], approvalEnv);
    expect(paused.code).toBe(3);
    const events = paused.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.find((e) => e.type === "approval_required")).toMatchObject({ tool: "calculator", threadId: "cli-json-approval" });
    expect(events.at(-1)).toMatchObject({ type: "run_paused", threadId: "cli-json-approval", resume: expect.stringContaining("resume cli-json-approval") });
    const bad = await runCli(["resume", "cli-json-approval", "--decision", "edit", "--args", "[1]"], approvalEnv);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--args must be a JSON object");
    const edited = await runCli(["resume", "cli-json-approval", "--decision", "edit", "--args", '{"expression":"2 + 3"}', "--json"], approvalEnv);
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stdout).toContain("calculator: 5");
  }, 60_000);

  it("a rule hands a task to a specialist; --agent forces one; an unknown agent exits 2", async () => {
    const ruled = await runCli(["Write a letter to my bank"], approvalEnv);
    expect(ruled.code, ruled.stderr).toBe(0);
    expect(ruled.stdout).toMatch(/^route\s+fast · writer via rule \(rule "letters"/m);
    expect(ruled.stdout).toMatch(/^agent\s+writer agent \(fast\) started/m);
    const unknown = await runCli(["--agent", "poet", "Write a poem"], approvalEnv);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown agent "poet"; the agents are writer.');
  });
});

describe(".env.example as a user's .env (offline)", () => {
  it("keeps the CLI's output what it is without one: no log lines, no warnings", async () => {
    const example = Object.fromEntries(
      readFileSync(new URL("../../.env.example", import.meta.url), "utf8")
        .split("\n")
        .filter((l) => /^[A-Z0-9_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    const run = await runCli(["What is 12.5% of 3,480?"], { ...env, ...example, CHECKPOINT_SQLITE_PATH: join(dir, "example.sqlite") });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^answer .*435/m);
    expect(`${run.stdout}${run.stderr}`).not.toContain('"level":');
  });
});

describe("a mistyped variable (offline)", () => {
  it("is named on stderr with the variable it most likely meant, and the run goes on", async () => {
    const run = await runCli(["What is 2 + 2?"], { ...env, HTTP_GET_ENABLE: "true" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("HTTP_GET_ENABLE is set but no setting reads it; did you mean HTTP_GET_ENABLED? It is ignored.");
    expect(run.stdout).not.toContain("HTTP_GET_ENABLE");
  });
});

describe("the specialist example of docs/orchestrator.md (offline)", () => {
  // The YAML block under the guide's approvals section, as a user copies it.
  const guide = readFileSync(new URL("../../docs/orchestrator.md", import.meta.url), "utf8");
  const example = /```yaml\n# tiers\.yaml \(TIERS_CONFIG=tiers\.yaml\)\n([\s\S]*?)```/.exec(guide)?.[1] ?? "";
  const file = join(dir, "readme-agents.yaml");
  writeFileSync(file, example);

  it("without HTTP_GET_ENABLED, --agent researcher is a configuration error (exit 2) naming the setting; with it, the researcher runs and asks before fetching", async () => {
    expect(example).toContain("researcher:");
    const off = await runCli(["--agent", "researcher", "Summarise https://example.com/report"], { ...env, TIERS_CONFIG: file });
    expect(off.code, off.stderr).toBe(2);
    expect(off.stderr).toContain('Agent "researcher" names tools the toolbox does not have: http_get (http_get is off unless HTTP_GET_ENABLED=true)');
    expect(off.stderr).not.toContain("Unexpected error");
    // The fetch waits for approval (the example's policy), so nothing leaves this machine: exit 3.
    const on = await runCli(["--agent", "researcher", "Summarise https://example.com/report"], { ...env, TIERS_CONFIG: file, HTTP_GET_ENABLED: "true" });
    expect(on.code, on.stderr).toBe(3);
    expect(on.stdout).toMatch(/^agent\s+researcher agent \(standard\) started/m);
    expect(on.stdout).toMatch(/^approval the researcher agent \(standard\) wants to run http_get\(/m);
  });
});

describe("the plan route in the CLI (offline)", () => {
  it("--plan draws the plan as lines without a terminal, and answers once", async () => {
    const { code, stdout, stderr } = await runCli(["--plan", "1. What is 17 * 23?\n2. Design a caching architecture for a web shop"], env);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^plan\s+2 subtasks on up to 4 at once \(planner on standard\)$/m);
    expect(stdout).toMatch(/^ {2}t1 ○ waiting {2}What is 17 \* 23\?$/m);
    expect(stdout).toMatch(/^subtask t1 started · fast agent via rule$/m);
    expect(stdout).toMatch(/^subtask t2 started · premium agent via rule$/m);
    expect(stdout).toMatch(/^\[t1\] tool\s+calculator\(\{"expression":"17 \* 23"\}\)$/m);
    expect(stdout).toMatch(/^subtask t1 done · fast · \$/m);
    expect(stdout.split("\n").filter((l) => l.startsWith("answer "))).toHaveLength(1);
    expect(stdout).toMatch(/^combined by the synthesizer on the standard tier .*SIMULATED/m);
  });
});

describe("MCP tools in the CLI (offline)", () => {
  const tiers = join(dir, "mcp.yaml");
  const root = new URL("../..", import.meta.url).pathname;
  writeFileSync(
    tiers,
    [
      "mcp:",
      "  servers:",
      "    orders:",
      "      transport: stdio",
      `      command: ${JSON.stringify(process.execPath)}`,
      '      args: ["--import", "tsx", "test/fixtures/mcp_tools_server.ts"]',
      `      cwd: ${JSON.stringify(root)}`,
      "    down:",
      "      transport: stdio",
      "      command: /nonexistent/mcp-server",
      "tiers:",
      "  fast: { tools: [calculator, orders.lookup_order] }",
    ].join("\n"),
  );
  const mcpEnv = { ...env, TIERS_CONFIG: tiers };
  const fixtureProcesses = () => execFileSync("ps", ["-eo", "args="], { encoding: "utf8" }).split("\n").filter((l) => l.includes("mcp_tools_server") && !l.includes("ps -eo"));

  it("tools lists every tool with its source and users, and the server that is down", async () => {
    const { code, stdout, stderr } = await runCli(["tools"], mcpEnv);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^orders__lookup_order\s+mcp:orders\s+fast, standard, premium\s+Look up an order/m);
    expect(stdout).toMatch(/^calculator\s+builtin\s+fast, standard, premium/m);
    expect(stdout).toMatch(/^orders__hang_forever\s+mcp:orders\s+standard, premium/m);
    expect(stdout).toMatch(/^mcp:down\s+DOWN/m);
  });

  it("an agent calls the MCP tool in a run; the CLI leaves no MCP child behind", async () => {
    const before = fixtureProcesses().length;
    const { code, stdout, stderr } = await runCli(["--tier", "fast", "Look up the order and tell its status"], mcpEnv);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^route\s+fast via explicit/m);
    expect(stdout).toMatch(/^tool\s+orders__lookup_order\(\{"order":"example"\}\) · mcp:orders$/m);
    expect(stdout).toMatch(/->\s+order example: shipped on 2025-01-02/);
    expect(stdout).toMatch(/^answer .*shipped on 2025-01-02/m);
    expect(fixtureProcesses().length).toBe(before);
  });
});

describe("a thread claimed elsewhere", () => {
  it("the CLI refuses to run on a thread another process is running on, and runs once it is free", async () => {
    const { default: Database } = await import("libsql");
    const { sqliteClaims } = await import("../../graphs/thread_claims.js");
    const db = new Database(join(dir, "checkpoints.sqlite"));
    try {
      const held = await sqliteClaims(db).tryClaim("claimed-elsewhere");
      expect(held).toBeDefined();
      const refused = await runCli(["--thread", "claimed-elsewhere", "What is 2 + 2?"], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("run is already in progress on thread claimed-elsewhere");
      await held!.release();
      const ran = await runCli(["--thread", "claimed-elsewhere", "What is 2 + 2?"], env);
      expect(ran.code, ran.stderr).toBe(0);
    } finally {
      db.close();
    }
  }, 60_000);
});

describe("spend per user", () => {
  it("--user and --tenant attribute the run; usage reports it grouped, and refuses a bad column", async () => {
    const store = { ...env, CHECKPOINT_SQLITE_PATH: join(dir, "usage.sqlite") };
    for (const user of ["alice", "alice", "bob"]) {
      const r = await runCli(["--user", user, "--tenant", "acme", "What is 2 + 2?"], store);
      expect(r.code, r.stderr).toBe(0);
    }
    const bad = await runCli(["--user", "not ok", "What is 2 + 2?"], store);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/user must be 1 to 128 letters/);
    const json = await runCli(["usage", "--by", "tenant,user", "--json"], store);
    expect(json.code, json.stderr).toBe(0);
    const groups = json.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; tenant: string; user: string; runs: number; costUsd: number });
    expect(groups.map((g) => [g.type, g.tenant, g.user, g.runs])).toEqual([
      ["usage_group", "acme", "alice", 2],
      ["usage_group", "acme", "bob", 1],
    ]);
    expect(groups[0].costUsd).toBeGreaterThan(0);
    const table = await runCli(["usage", "--by", "user"], store);
    expect(table.stdout).toMatch(/^user\s+runs\s+calls\s+in\s+out\s+cost$/m);
    expect(table.stdout).toMatch(/^alice\s+2\s+/m);
    const wrong = await runCli(["usage", "--by", "cost"], store);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/by: "cost" is not one of tenant, user, tier, day/);
  }, 90_000);
});

describe("a newer run elsewhere stops the CLI's run", () => {
  it("an interrupt sent through the store ends the CLI run with the reason, keeps its turn, and the thread runs again", async () => {
    const { emulator } = await import("../helpers/gateway.js");
    const { spawn } = await import("node:child_process");
    const { default: Database } = await import("libsql");
    const { sqliteClaims } = await import("../../graphs/thread_claims.js");
    // A slow model, so the run is still going when the stop request comes.
    const emu = await emulator({ latency: { ttftMs: 3_000 } });
    const db = new Database(join(dir, "checkpoints.sqlite"));
    try {
      const slow = { ...env, AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret };
      const child = spawn("npm", ["start", "--silent", "--", "--json", "--tier", "fast", "--thread", "stopped-cli", "Say hello"], { cwd: join(import.meta.dirname, "..", ".."), env: slow, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      child.stdout.on("data", (d) => (stdout += d));
      const code = new Promise<number | null>((resolve) => child.once("close", resolve));
      await expect.poll(() => stdout.includes('"agent_started"'), { timeout: 30_000 }).toBe(true);
      await sqliteClaims(db).requestStop("stopped-cli", "interrupt");
      expect(await code).toBe(1);
      const events = stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; message?: string });
      expect(events.at(-1)).toMatchObject({ type: "error", code: "run_superseded" });
      expect(events.at(-1)?.message).toMatch(/A newer run on this thread stopped this one \(multitaskStrategy interrupt\)/);
      expect(events.map((e) => e.type)).not.toContain("final_answer");
    } finally {
      db.close();
      await emu.close();
    }
    const again = await runCli(["--thread", "stopped-cli", "What is 3 + 3?"], env);
    expect(again.code, again.stderr).toBe(0);
    const history = await runCli(["history", "stopped-cli"], env);
    expect(history.stdout.split("\n").filter((l) => l.startsWith("human"))).toEqual(["human  Say hello (unanswered)", "human  What is 3 + 3?"]);
  }, 90_000);
});

describe("a reader that goes away", () => {
  it("`--json | head -1`: the run is cancelled quietly, and the thread can run again", async () => {
    const { spawn } = await import("node:child_process");
    const child = spawn("npm", ["start", "--silent", "--", "--json", "--thread", "reader-gone", "What is 2 + 2?"], { cwd: join(import.meta.dirname, "..", ".."), env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    // Close our end after the first line, as head -1 does.
    const first = await new Promise<string>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(d.toString().split("\n")[0])));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(JSON.parse(first)).toMatchObject({ type: "run_started", threadId: "reader-gone" });
    expect(code).toBe(130);
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at .*\.js:\d+/);
    const again = await runCli(["--thread", "reader-gone", "What is 3 + 3?"], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/->\s+6/);
    // The cancelled task is kept once, marked; the new one is answered.
    const history = await runCli(["history", "reader-gone"], env);
    expect(history.stdout.split("\n").filter((l) => l.startsWith("human"))).toEqual(["human  What is 2 + 2? (unanswered)", "human  What is 3 + 3?"]);
  }, 60_000);
});

describe("an emulator run as its own process", () => {
  it("is still shown as a simulated model: the answer line and --json say so, on every run of a thread", async () => {
    const { emulator } = await import("../helpers/gateway.js");
    const emu = await emulator();
    try {
      // Configured like a real gateway: the CLI starts no emulator of its own and prints no notice.
      const external = { ...env, AI_GATEWAY_BASE_URL: emu.baseUrl, AI_GATEWAY_CLIENT_ID: emu.clientId, AI_GATEWAY_CLIENT_SECRET: emu.clientSecret };
      const first = await runCli(["--thread", "external-emulator", "What is 2 + 2?"], external);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).not.toMatch(/SIMULATED model from the local gateway emulator/);
      expect(first.stdout).toMatch(/^answered by gateway\/\S+ on the fast tier \[SIMULATED model: local emulator\]$/m);
      const second = await runCli(["--json", "--thread", "external-emulator", "What is 3 + 3?"], external);
      const final = second.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; simulated?: boolean }).find((e) => e.type === "final_answer");
      expect(final).toMatchObject({ simulated: true });
    } finally {
      await emu.close();
    }
  }, 60_000);
});
