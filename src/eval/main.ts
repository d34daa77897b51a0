#!/usr/bin/env node
/**
 * Routing eval: `npm run eval -- tasks.jsonl [--report eval.html] [--seed 42]` runs every task
 * with the router, with each tier forced, and with a seeded random tier, checks each answer,
 * and prints a table, then one JSON line (the last line of stdout). Progress goes to stderr.
 *
 * Exit codes (the CLI's): 0 every run answered (failed checks are results, not errors), 1 some
 * run ended in an error instead of an answer, 2 bad usage or a bad task file, 130 interrupted.
 */
import { setMaxListeners } from "node:events";
import { access, constants, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { ConfigurationError } from "../config/index.js";
import { ROUTING_MODES } from "../policy/routing_rules.js";
import { runMain, startCommandLine } from "../runtime/entry.js";
import type { EvalOptions } from "./command.js";
import { EVAL_EXIT as EXIT } from "./exit_codes.js";
import { DEFAULT_SEED } from "./random.js";
import { EvalInputError, readTasks } from "./tasks.js";

const integer = (what: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${what} must be a whole number from ${min} to ${max}`);
  return n;
};

/** Refuses a `--report` path that could not be written, before minutes of runs are spent. */
async function checkWritable(path: string): Promise<void> {
  const target = resolve(path);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw new EvalInputError(`--report ${path} is a directory; give a file name such as eval.html`);
  try {
    await access(existing ? target : dirname(target), constants.W_OK);
  } catch {
    throw new EvalInputError(`--report ${path} cannot be written (check that its folder exists and is writable)`);
  }
}

// LangGraph adds an abort listener per step to the run's signal; many runs on one signal pass Node's default of 10.
setMaxListeners(256);

async function main(argv: string[]): Promise<number> {
  if (!startCommandLine()) return EXIT.usage;
  let code: number = EXIT.ok;
  const program = new Command()
    .name("npm run eval --")
    .description("Run a task file with the router, each fixed tier and a seeded random tier; print pass rate, cost, tier mix and p50 latency per strategy.")
    .argument("<tasks>", "task file: JSON Lines, one {task, and one of expected | regex | containsAll | judge: true} per line")
    .option("--report <file>", "also write an HTML report (cost against quality chart, per-task results) to this file")
    .option("--seed <n>", `seed of the random-routing baseline (default ${DEFAULT_SEED})`, integer("--seed", 0, 2 ** 32 - 1), DEFAULT_SEED)
    .option("--name <name>", "name of the eval in the output (default: the task file)")
    .addOption(new Option("--routing <mode>", "routing mode of the router strategy").choices([...ROUTING_MODES]))
    .option("--concurrency <n>", "tasks run at once (default 1, which keeps latencies comparable)", integer("--concurrency", 1, 16), 1)
    .option("--timeout <ms>", "longest one run may take before it counts as failed (default 120000)", integer("--timeout", 1000, 3_600_000), 120_000)
    .exitOverride()
    .action(async (file: string, opts: EvalOptions) => {
      // The file is checked before anything else loads or starts, so a typo costs a moment and no gateway call.
      const tasks = await readTasks(file);
      if (opts.report) await checkWritable(opts.report);
      const { evalCommand } = await import("./command.js");
      code = await evalCommand(file, tasks, opts);
    });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    const exitCode = (err as { exitCode?: number }).exitCode;
    if (exitCode !== undefined) return exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof ConfigurationError || err instanceof EvalInputError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  return code;
}

runMain(() => main(process.argv.slice(2)));
