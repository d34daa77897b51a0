import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
  });

  it("shows the tier mapping and where each model came from", async () => {
    const { code, stdout } = await runCli(["models"], env);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^fast\s+gpt-5\.1-chat-latest\s+\(discovered\)/m);
    expect(stdout).toMatch(/^premium\s+gpt-5\.1\s+\(discovered\)/m);
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
