/**
 * The usage report's parameters as text (`by=tenant,user`, `from=2026-12-01`), shared by
 * `GET /api/usage` and `npm start -- usage`, so both accept and refuse the same input.
 */
import { PRINCIPAL_NAME } from "./budgets.js";
import { USAGE_GROUPS, type UsageFilter, type UsageGroup } from "./ledger.js";
import { AIGatewayAgentsError } from "../errors.js";

/** A report request: grouping and filter. */
export interface UsageQuery {
  by: UsageGroup[];
  filter: UsageFilter;
}

/** Raw parameters, as a query string or command-line flags give them. */
export interface UsageQueryInput {
  by?: string;
  from?: string;
  to?: string;
  tenant?: string;
  user?: string;
}

/** A parameter that cannot be used; the message names it. */
export class UsageQueryError extends AIGatewayAgentsError {
  override readonly name = "UsageQueryError";
  constructor(message: string) {
    super(message, { code: "invalid_usage_query", status: 400 });
  }
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Midnight UTC of a `YYYY-MM-DD` day, or an error naming `key`. */
function dayStart(value: string, key: string): number {
  const m = DAY.exec(value);
  const at = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== value) throw new UsageQueryError(`${key} must be a day as YYYY-MM-DD (UTC), not ${JSON.stringify(value.slice(0, 40))}.`);
  return at;
}

/** Parses and checks the parameters; default grouping is by tenant. */
export function parseUsageQuery(input: UsageQueryInput): UsageQuery {
  const by = (input.by ?? "tenant").split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (by.length === 0) throw new UsageQueryError(`by must name one or more of ${USAGE_GROUPS.join(", ")}.`);
  for (const g of by) if (!(USAGE_GROUPS as readonly string[]).includes(g)) throw new UsageQueryError(`by: ${JSON.stringify(g.slice(0, 40))} is not one of ${USAGE_GROUPS.join(", ")}.`);
  if (new Set(by).size !== by.length) throw new UsageQueryError("by must not name a column twice.");
  const filter: UsageFilter = {};
  if (input.from !== undefined) filter.since = dayStart(input.from, "from");
  // `to` is inclusive: the whole of that day.
  if (input.to !== undefined) filter.until = dayStart(input.to, "to") + 86_400_000;
  if (filter.since !== undefined && filter.until !== undefined && filter.until <= filter.since) throw new UsageQueryError("to must not be before from.");
  for (const key of ["tenant", "user"] as const) {
    const v = input[key];
    if (v === undefined) continue;
    if (!PRINCIPAL_NAME.test(v)) throw new UsageQueryError(`${key} must be 1 to 128 letters, digits or _ . @ : - (starting with a letter or digit).`);
    filter[key] = v;
  }
  return { by: by as UsageGroup[], filter };
}
