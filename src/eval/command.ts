/** The eval command once its task file is read: start the runtime, run, print, write the report. */
import { writeFile } from "node:fs/promises";
import { MemorySaver } from "@langchain/langgraph";
import { createConfiguredToolbox } from "../../agents/tools/index.js";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import { EXIT } from "../cli/commands.js";
import { ConfigurationError, loadConfig } from "../config/index.js";
import { scrubText } from "../logging/index.js";
import type { RoutingMode } from "../policy/routing_rules.js";
import { createRuntime } from "../runtime/index.js";
import { premiumJudge } from "./judge.js";
import { buildReport, evalJson, renderTable } from "./report.js";
import { renderHtml } from "./report_html.js";
import { runEval } from "./runner.js";
import type { EvalTask } from "./tasks.js";

/** Options of the eval command. */
export interface EvalOptions {
  /** Path of the HTML report to write. */
  report?: string;
  seed: number;
  name?: string;
  routing?: RoutingMode;
  concurrency: number;
  /** Per-run limit, ms. */
  timeout: number;
}

const mark = (pass: boolean) => (pass ? "pass" : "FAIL");

/** Runs `tasks` (read from `file`) under every strategy and prints the table, the JSON line and the report; resolves to the exit code. */
export async function evalCommand(file: string, tasks: readonly EvalTask[], opts: EvalOptions): Promise<number> {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  const runtime = await createRuntime({ onSimulated: (notice) => process.stderr.write(`note: ${notice}\n`) });
  try {
    const toolbox = await createConfiguredToolbox({ config: loadConfig(), mcp: runtime.policy.mcp, gatewayTokens: runtime.registry.gatewayTokens() });
    try {
      // In memory only: a run's thread lives as long as the run (it lets an approval pause be reported).
      const checkpointer = new MemorySaver();
      const graph = createOrchestrator({ registry: runtime.registry, policy: runtime.policy, simulated: runtime.simulated, tools: toolbox.tools, checkpointer });
      const judge = tasks.some((t) => t.check.kind === "judge") ? premiumJudge(runtime.registry, controller.signal) : undefined;
      process.stderr.write(`eval: ${tasks.length} tasks × 5 strategies${runtime.simulated ? " on the SIMULATED emulator" : ""}\n`);
      const run = await runEval(tasks, {
        graph,
        checkpointer,
        judge: judge?.judge,
        seed: opts.seed,
        routingMode: opts.routing,
        timeoutMs: opts.timeout,
        concurrency: opts.concurrency,
        signal: controller.signal,
        onTask: (task, outcomes, done) => {
          const cells = outcomes.map((o) => `${o.strategy} ${mark(o.pass)}${o.tier ? `@${o.tier}` : ""}`).join("  ");
          process.stderr.write(`[${done}/${tasks.length}] ${task.id}: ${cells}\n`);
        },
      });
      const report = buildReport({
        name: opts.name ?? file,
        simulated: runtime.simulated || run.simulated,
        seed: opts.seed,
        tasks,
        outcomes: run.outcomes,
        randomTiers: run.randomTiers,
        judge: { calls: judge?.calls() ?? 0, usage: judge?.usage() ?? { input: 0, output: 0, total: 0 } },
      });
      process.stdout.write(renderTable(report));
      if (opts.report) {
        await writeFile(opts.report, renderHtml(report));
        process.stdout.write(`report: ${opts.report}\n`);
      }
      process.stdout.write(`${JSON.stringify(evalJson(report))}\n`);
      return run.outcomes.some((o) => o.error !== undefined) ? EXIT.failed : EXIT.ok;
    } finally {
      await toolbox.close();
    }
  } catch (err) {
    if (controller.signal.aborted) {
      process.stderr.write("Interrupted.\n");
      return EXIT.interrupted;
    }
    if (err instanceof ConfigurationError) throw err;
    process.stderr.write(`error: ${scrubText(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT.failed;
  } finally {
    await runtime.close();
  }
}

