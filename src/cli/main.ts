#!/usr/bin/env node
/**
 * Command line: `npm start -- "task"` (or `ai-gateway-agents "task"` from the installed package)
 * runs the orchestrator and renders every step live.
 *
 *   npm start -- "What is 12.5% of 3,480?"      run one task
 *   npm start -- --tier premium "..."            force a tier
 *   npm start -- --agent researcher "..."        hand the task to a specialist agent
 *   npm start -- --plan "..."                    split the task into subtasks that run in parallel
 *   npm start -- --thread <id> "..."             continue a conversation (SQLite/Postgres)
 *   npm start -- --json "..."                    one JSON event per line
 *   npm start -- -H x-end-user=alice "..."       send a header to the gateway on every call (repeatable)
 *   npm start                                    interactive prompt (when stdin is a terminal)
 *   npm start -- models                          tier -> model mapping and where it came from
 *   npm start -- verify                          check every configured provider's credentials
 *   npm start -- history <thread>                print a thread's stored conversation
 *   npm start -- tools                           every tool, its source and who may use it
 *   npm start -- resume <thread> --decision approve|edit|reject [--args JSON] [--reason TEXT]
 *                                                decide the tool calls a thread waits on
 *
 * Exit codes: 0 success, 1 the run or a check failed, 2 bad usage or configuration,
 * 3 waiting for approval (the resume command is printed), 130 interrupted.
 */
import { setMaxListeners } from "node:events";
import { Command, InvalidArgumentError, Option } from "commander";
import { ConfigurationError, HeaderRuleError, PACKAGE_NAME, packageVersion, parseHeaderArgument } from "../config/index.js";
import { cliInvocation, runMain, startCommandLine } from "../runtime/entry.js";
import { TIERS, type Tier } from "../providers/types.js";
import { ROUTING_MODES, type RoutingMode } from "../policy/routing_rules.js";
import { APPROVAL_DECISIONS } from "../policy/agent_config.js";
import { EXIT, historyCommand, modelsCommand, resumeCommand, runCommand, toolsCommand, verifyCommand, type ApprovalMode, type CommandIO, type ResumeOptions } from "./commands.js";
import { usageCommand } from "./usage_command.js";

const parseTier = (value: string): Tier => {
  if (!(TIERS as readonly string[]).includes(value)) throw new InvalidArgumentError(`use one of ${TIERS.join(", ")}`);
  return value as Tier;
};

/** `-H, --header name=value`, repeatable: gateway headers for every model call of the run. */
const headerOption = () =>
  new Option("-H, --header <name=value>", "send this HTTP header to the gateway on every model call of the run (repeatable)")
    .argParser((text: string, previous: Record<string, string> | undefined) => {
      try {
        const [name, value] = parseHeaderArgument(text);
        return { ...previous, [name]: value };
      } catch (err) {
        throw new InvalidArgumentError(err instanceof HeaderRuleError ? err.message : String(err));
      }
    });

/** `--approvals ask|exit`: what a run does when a tool call needs approval. */
const approvalsOption = () =>
  new Option("--approvals <mode>", "when a tool call needs approval: ask on stdin, or exit with code 3 (default: ask in a terminal)").choices(["ask", "exit"]);

// LangGraph's runner adds an abort listener to the run's signal at every step and drops them
// with the run; a plan's many steps pass Node's warning threshold of 10 without leaking.
setMaxListeners(64);

async function main(argv: string[]): Promise<number> {
  if (!startCommandLine()) return EXIT.usage;
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  // A reader that goes away (`... --json | head -1`) ends the run quietly instead of crashing
  // on the next write; the run is cancelled, so its thread claim is released.
  let readerGone = false;
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    readerGone = true;
    controller.abort();
  });
  const io: CommandIO = {
    stdout: { write: (s) => void (readerGone || process.stdout.write(s)), get columns() { return process.stdout.columns; } },
    stderr: { write: (s) => void process.stderr.write(s) },
    colors: !!process.stdout.isTTY && !process.env.NO_COLOR,
    signal: controller.signal,
  };
  let code: number = EXIT.ok;
  const program = new Command()
    .name(PACKAGE_NAME)
    .description("Route a task to an agent and tier (fast, standard, premium) and stream every step.")
    .version(packageVersion(), "-V, --version", "print the version")
    .argument("[task...]", "the task (omit it for an interactive prompt)")
    .option("-t, --tier <tier>", `force a tier (${TIERS.join(", ")})`, parseTier)
    .option("-a, --agent <name>", "hand the task to this specialist agent (see agents: in TIERS_CONFIG)")
    .option("--plan", "split the task into subtasks that run in parallel, then combine them")
    .option("--thread <id>", "continue this conversation thread")
    .addOption(new Option("--routing <mode>", "routing mode").choices([...ROUTING_MODES]))
    .option("--json", "print one JSON event per line")
    .addOption(approvalsOption())
    .addOption(headerOption())
    .option("--user <id>", "the user the run is for: its usage is recorded against them and their budgets apply")
    .option("--tenant <name>", "the tenant the run is for (budgets per tenant apply)")
    // Options after a subcommand belong to it (`history <id> --json`).
    .enablePositionalOptions()
    .exitOverride()
    .action(async (words: string[], opts: { tier?: Tier; agent?: string; plan?: boolean; thread?: string; json?: boolean; routing?: RoutingMode; approvals?: ApprovalMode; header?: Record<string, string>; user?: string; tenant?: string }) => {
      const task = words.join(" ").trim();
      if (!task && !process.stdin.isTTY) {
        process.stderr.write(`No task given. Usage: ${cliInvocation()} "your task" (or run it in a terminal for a prompt).\n`);
        code = EXIT.usage;
        return;
      }
      const { header, ...rest } = opts;
      code = await runCommand(task || undefined, { ...rest, headers: header }, io);
    });
  program
    .command("models")
    .description("show the model of each tier and where it came from")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      code = await modelsCommand(opts, io);
    });
  program
    .command("tools")
    .description("list every tool: built in or from an MCP server, and which tiers and agents may use it")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      code = await toolsCommand(opts, io);
    });
  program
    .command("history <thread>")
    .description("print the conversation stored for a thread")
    .option("--json", "print one JSON message per line")
    .action(async (thread: string, opts: { json?: boolean }) => {
      code = await historyCommand(thread, opts, io);
    });
  program
    .command("resume <thread>")
    .description("decide the tool calls a thread is waiting on, then let the run go on")
    .addOption(new Option("--decision <decision>", "what to do with the waiting calls").choices([...APPROVAL_DECISIONS]).makeOptionMandatory())
    .option("--args <json>", "new arguments for an edit, as a JSON object")
    .option("--reason <text>", "why, for a rejection (the model is told)")
    .option("--json", "print one JSON event per line")
    .addOption(approvalsOption())
    .addOption(headerOption())
    .action(async (thread: string, opts: ResumeOptions & { header?: Record<string, string> }) => {
      const { header, ...rest } = opts;
      code = await resumeCommand(thread, { ...rest, headers: header }, io);
    });
  program
    .command("usage")
    .description("show what runs spent, from the ledger in the checkpoint store")
    .option("--by <columns>", "group by these, comma-separated: tenant, user, tier, day", "tenant")
    .option("--from <day>", "from this UTC day on (YYYY-MM-DD)")
    .option("--to <day>", "up to and including this UTC day (YYYY-MM-DD)")
    .option("--tenant <name>", "only this tenant")
    .option("--user <id>", "only this user")
    .option("--json", "print one JSON object per group")
    .action(async (opts: { by?: string; from?: string; to?: string; tenant?: string; user?: string; json?: boolean }) => {
      code = await usageCommand(opts, io);
    });
  program
    .command("verify")
    .description("check the credentials of every configured provider")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      code = await verifyCommand(opts, io);
    });
  program.addHelpText("after", () => commandOptionsHelp(program));
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    const exitCode = (err as { exitCode?: number }).exitCode;
    if (exitCode !== undefined) return exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof ConfigurationError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  return code;
}

/** The main help also lists each command's options, so one `--help` shows every flag. */
function commandOptionsHelp(program: Command): string {
  const lines = ["", "Command options:"];
  for (const command of program.commands) {
    const help = command.createHelp();
    lines.push(`  ${command.name()} ${command.usage()}`);
    for (const option of help.visibleOptions(command)) {
      if (option.long !== "--help") lines.push(`    ${help.optionTerm(option).padEnd(22)} ${help.optionDescription(option)}`);
    }
  }
  lines.push("", "Exit codes: 0 ok, 1 the run or a check failed, 2 bad usage or configuration, 3 waiting for approval, 130 interrupted.");
  return lines.join("\n");
}

runMain(() => main(process.argv.slice(2)));
