/** `npm start -- usage`: what runs spent, from the ledger in the checkpoint store, grouped. */
import { createCheckpointer } from "../../graphs/persistence.js";
import { parseUsageQuery, UsageQueryError, type UsageQueryInput, type UsageTotals } from "../usage/index.js";
import type { CommandIO } from "./commands.js";
import { EXIT } from "./commands.js";
import { renderJson } from "./render.js";

const usd = (n: number) => `$${n.toFixed(6)}`;

/** One table row's cells: the grouped columns, then the sums. */
function cells(by: readonly string[], t: UsageTotals): string[] {
  return [
    ...by.map((g) => String((t as unknown as Record<string, unknown>)[g] ?? "(none)")),
    String(t.runs),
    String(t.calls),
    String(t.inputTokens),
    String(t.outputTokens),
    `${usd(t.costUsd)}${t.unpriced ? " + unpriced" : ""}`,
  ];
}

/** Prints the usage report; exit 2 on a bad parameter. */
export async function usageCommand(options: UsageQueryInput & { json?: boolean }, io: CommandIO): Promise<number> {
  let query;
  try {
    query = parseUsageQuery(options);
  } catch (err) {
    if (!(err instanceof UsageQueryError)) throw err;
    io.stderr.write(`error: ${err.message}\n`);
    return EXIT.usage;
  }
  const persistence = await createCheckpointer();
  try {
    const rows = await persistence.ledger.report(query.by, query.filter);
    if (options.json) {
      for (const row of rows) renderJson(io.stdout, { type: "usage_group", ...row });
      return EXIT.ok;
    }
    if (rows.length === 0) {
      io.stdout.write(`No usage recorded${options.from || options.to ? " in that period" : ""} (${persistence.kind}: ${persistence.location}).\n`);
      return EXIT.ok;
    }
    const header = [...query.by, "runs", "calls", "in", "out", "cost"];
    const table = [header, ...rows.map((r) => cells(query.by, r))];
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    for (const row of table) io.stdout.write(`${row.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()}\n`);
    return EXIT.ok;
  } finally {
    await persistence.close();
  }
}
