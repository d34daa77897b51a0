/**
 * The usage ledger: one row per tier of every finished run (tokens, calls, USD), attributed to a
 * tenant and a user, in the checkpoint database itself (table `ai_gateway_usage`), so every
 * process sharing the store adds to and reads the same figures. Budgets read today's and this
 * month's sums from it; `GET /api/usage` and `npm start -- usage` group it.
 *
 * Days are UTC (`YYYY-MM-DD`); a row's day is that of its run's end.
 */
import type Database from "libsql";
import type pg from "pg";
import { TIERS, type Tier } from "../providers/types.js";

/** One tier's share of one run. */
export interface UsageEntry {
  /** When the run ended (ms since the epoch). */
  at: number;
  /** Tells runs apart (the report counts them). */
  runId: string;
  threadId?: string;
  tenant?: string;
  user?: string;
  tier: Tier;
  inputTokens: number;
  outputTokens: number;
  calls: number;
  /** USD of the calls with a known price. */
  costUsd: number;
  /** Whether some calls had no known price (their cost is not in `costUsd`). */
  unpriced: boolean;
}

/** The columns usage can be grouped by. */
export const USAGE_GROUPS = ["tenant", "user", "tier", "day"] as const;
/** One of USAGE_GROUPS. */
export type UsageGroup = (typeof USAGE_GROUPS)[number];

/** Which rows a report or a sum covers; every field narrows it. */
export interface UsageFilter {
  tenant?: string;
  user?: string;
  /** From this time on (ms since the epoch), inclusive. */
  since?: number;
  /** Before this time (ms since the epoch). */
  until?: number;
}

/** One group of a report: the grouped columns' values and the sums. */
export interface UsageTotals {
  tenant?: string | null;
  user?: string | null;
  tier?: Tier;
  day?: string;
  runs: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Whether some of the group's calls had no known price. */
  unpriced: boolean;
}

/** Appends and sums usage. */
export interface UsageLedger {
  /** Adds the rows of one run. */
  append(entries: UsageEntry[]): Promise<void>;
  /** USD spent by the rows `filter` selects. */
  spent(filter: UsageFilter): Promise<number>;
  /** Sums grouped by `by` (in that order), largest cost first within the order of the groups. */
  report(by: readonly UsageGroup[], filter?: UsageFilter): Promise<UsageTotals[]>;
}

const TABLE = "ai_gateway_usage";
const COLUMN: Record<UsageGroup, string> = { tenant: "tenant", user: "user_id", tier: "tier", day: "day" };

/** `YYYY-MM-DD` of `at` in UTC. */
export const utcDay = (at: number) => new Date(at).toISOString().slice(0, 10);

/** WHERE clause and values for `filter`; `param(i)` spells the i-th placeholder. */
function where(filter: UsageFilter, param: (i: number) => string): { sql: string; values: (string | number)[] } {
  const parts: string[] = [];
  const values: (string | number)[] = [];
  const add = (sql: string, value: string | number) => {
    values.push(value);
    parts.push(sql.replace("?", param(values.length)));
  };
  if (filter.tenant !== undefined) add("tenant = ?", filter.tenant);
  if (filter.user !== undefined) add("user_id = ?", filter.user);
  if (filter.since !== undefined) add("run_at >= ?", filter.since);
  if (filter.until !== undefined) add("run_at < ?", filter.until);
  return { sql: parts.length ? `WHERE ${parts.join(" AND ")}` : "", values };
}

/** The report's SELECT, the same on both databases but for the placeholder and the bool aggregate. */
function reportSql(by: readonly UsageGroup[], filter: UsageFilter, param: (i: number) => string, anyUnpriced: string) {
  const cols = by.map((g) => COLUMN[g]);
  const w = where(filter, param);
  const select = [
    ...cols.map((c, i) => `${c} AS ${by[i]}`),
    "COUNT(DISTINCT run_id) AS runs",
    "SUM(calls) AS calls",
    "SUM(input_tokens) AS input_tokens",
    "SUM(output_tokens) AS output_tokens",
    "SUM(cost_usd) AS cost_usd",
    `${anyUnpriced} AS unpriced`,
  ].join(", ");
  const group = cols.length ? `GROUP BY ${cols.join(", ")} ORDER BY ${cols.join(", ")}` : "";
  return { sql: `SELECT ${select} FROM ${TABLE} ${w.sql} ${group}`, values: w.values };
}

type Row = Record<string, unknown>;

/** A report row from the database's row: empty tenant and user are stored as '' and shown as null. */
function totals(by: readonly UsageGroup[], row: Row): UsageTotals {
  const out: UsageTotals = {
    runs: Number(row.runs ?? 0),
    calls: Number(row.calls ?? 0),
    inputTokens: Number(row.input_tokens ?? 0),
    outputTokens: Number(row.output_tokens ?? 0),
    costUsd: Math.round(Number(row.cost_usd ?? 0) * 1e6) / 1e6,
    unpriced: row.unpriced === true || Number(row.unpriced) === 1,
  };
  for (const g of by) {
    const v = row[g];
    if (g === "tenant" || g === "user") out[g] = v === "" || v === null || v === undefined ? null : String(v);
    else if (g === "tier") out.tier = String(v) as Tier;
    else out.day = String(v);
  }
  return out;
}

const rowValues = (e: UsageEntry) => [e.at, utcDay(e.at), e.runId, e.threadId ?? null, e.tenant ?? "", e.user ?? "", e.tier, e.inputTokens, e.outputTokens, e.calls, e.costUsd, e.unpriced ? 1 : 0];
const INSERT_COLUMNS = "run_at, day, run_id, thread_id, tenant, user_id, tier, input_tokens, output_tokens, calls, cost_usd, unpriced";

/** The ledger in a SQLite file (the checkpoint file), through the saver's connection. */
export function sqliteLedger(db: Database.Database): UsageLedger {
  db.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_at INTEGER NOT NULL, day TEXT NOT NULL, run_id TEXT NOT NULL, thread_id TEXT, tenant TEXT NOT NULL DEFAULT '', user_id TEXT NOT NULL DEFAULT '', tier TEXT NOT NULL,
    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, calls INTEGER NOT NULL,
    cost_usd REAL NOT NULL, unpriced INTEGER NOT NULL DEFAULT 0)`);
  db.exec(`CREATE INDEX IF NOT EXISTS ${TABLE}_tenant ON ${TABLE} (tenant, run_at)`);
  db.exec(`CREATE INDEX IF NOT EXISTS ${TABLE}_user ON ${TABLE} (user_id, run_at)`);
  const insert = db.prepare(`INSERT INTO ${TABLE} (${INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const appendAll = db.transaction((entries: UsageEntry[]) => {
    for (const e of entries) insert.run(...rowValues(e));
  });
  const param = () => "?";
  // One statement per filter shape (at most 16): budget checks run before every budgeted run.
  const spentBy = new Map<string, Database.Statement>();
  return {
    append: async (entries) => {
      if (entries.length > 0 && db.open) appendAll.immediate(entries);
    },
    spent: async (filter) => {
      const w = where(filter, param);
      let statement = spentBy.get(w.sql);
      if (!statement) spentBy.set(w.sql, (statement = db.prepare(`SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM ${TABLE} ${w.sql}`)));
      const row = statement.get(...w.values) as { usd: number };
      return Number(row.usd);
    },
    report: async (by, filter = {}) => {
      const { sql, values } = reportSql(by, filter, param, "MAX(unpriced)");
      return (db.prepare(sql).all(...values) as Row[]).map((r) => totals(by, r));
    },
  };
}

/** The ledger in PostgreSQL (the checkpoint database), on the given pool. */
export async function postgresLedger(pool: pg.Pool, isConcurrentCreate: (err: unknown) => boolean): Promise<UsageLedger> {
  const ddl = [
    `CREATE TABLE IF NOT EXISTS ${TABLE} (
      id BIGSERIAL PRIMARY KEY, run_at BIGINT NOT NULL, day TEXT NOT NULL, run_id TEXT NOT NULL, thread_id TEXT, tenant TEXT NOT NULL DEFAULT '', user_id TEXT NOT NULL DEFAULT '', tier TEXT NOT NULL,
      input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, calls INTEGER NOT NULL,
      cost_usd DOUBLE PRECISION NOT NULL, unpriced BOOLEAN NOT NULL DEFAULT false)`,
    `CREATE INDEX IF NOT EXISTS ${TABLE}_tenant ON ${TABLE} (tenant, run_at)`,
    `CREATE INDEX IF NOT EXISTS ${TABLE}_user ON ${TABLE} (user_id, run_at)`,
  ];
  for (const sql of ddl) {
    await pool.query(sql).catch((err: unknown) => {
      // Two processes creating the table at once: the loser finds it made.
      if (!isConcurrentCreate(err)) throw err;
    });
  }
  const param = (i: number) => `$${i}`;
  return {
    append: async (entries) => {
      if (entries.length === 0) return;
      const values: unknown[] = [];
      const rows = entries.map((e) => {
        const v: unknown[] = rowValues(e);
        v[v.length - 1] = e.unpriced;
        const start = values.length;
        values.push(...v);
        return `(${v.map((_, i) => `$${start + i + 1}`).join(", ")})`;
      });
      await pool.query(`INSERT INTO ${TABLE} (${INSERT_COLUMNS}) VALUES ${rows.join(", ")}`, values);
    },
    spent: async (filter) => {
      const w = where(filter, param);
      const { rows } = await pool.query<{ usd: number | string }>(`SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM ${TABLE} ${w.sql}`, w.values);
      return Number(rows[0]?.usd ?? 0);
    },
    report: async (by, filter = {}) => {
      const { sql, values } = reportSql(by, filter, param, "BOOL_OR(unpriced)");
      const { rows } = await pool.query<Row>(sql, values);
      return rows.map((r) => totals(by, r));
    },
  };
}

/** Start (ms) of the UTC calendar month `offset` months from the one `at` falls in. */
export function monthStart(at: number, offset = 0): number {
  const d = new Date(at);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1);
}

/**
 * A ledger in this process only (an app's own checkpointer, tests). It keeps this calendar month
 * and the one before (UTC), which the daily and monthly budgets need; older rows are dropped as
 * new ones come, so a long-running process does not grow without end.
 */
export function memoryLedger(): UsageLedger {
  let rows: UsageEntry[] = [];
  const match = (e: UsageEntry, f: UsageFilter) =>
    (f.tenant === undefined || (e.tenant ?? "") === f.tenant) &&
    (f.user === undefined || (e.user ?? "") === f.user) &&
    (f.since === undefined || e.at >= f.since) &&
    (f.until === undefined || e.at < f.until);
  return {
    append: async (entries) => {
      rows.push(...entries.map((e) => ({ ...e })));
      // This month and the one before.
      const from = monthStart(Date.now(), -1);
      if (rows.some((r) => r.at < from)) rows = rows.filter((r) => r.at >= from);
    },
    spent: async (filter) => rows.filter((e) => match(e, filter)).reduce((n, e) => n + e.costUsd, 0),
    report: async (by, filter = {}) => {
      const groups = new Map<string, { key: UsageTotals; runs: Set<string> }>();
      for (const e of rows.filter((r) => match(r, filter))) {
        const values = by.map((g) => (g === "tenant" ? e.tenant || null : g === "user" ? e.user || null : g === "tier" ? e.tier : utcDay(e.at)));
        const id = JSON.stringify(values);
        let group = groups.get(id);
        if (!group) {
          const key: UsageTotals = { runs: 0, calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unpriced: false };
          by.forEach((g, i) => Object.assign(key, { [g]: values[i] }));
          group = { key, runs: new Set() };
          groups.set(id, group);
        }
        group.runs.add(e.runId);
        group.key.calls += e.calls;
        group.key.inputTokens += e.inputTokens;
        group.key.outputTokens += e.outputTokens;
        group.key.costUsd += e.costUsd;
        group.key.unpriced ||= e.unpriced;
      }
      const out = [...groups.values()].map((g) => ({ ...g.key, runs: g.runs.size, costUsd: Math.round(g.key.costUsd * 1e6) / 1e6 }));
      const order = (t: UsageTotals) => by.map((g) => String(t[g] ?? "")).join("\u0000");
      return out.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
    },
  };
}

/** Ledger rows for one run's per-tier usage (tiers with no calls are left out). */
export function entriesOf(
  perTier: Partial<Record<Tier, { input: number; output: number; calls: number; costUsd: number; unpriced: string[] }>>,
  who: { at: number; runId: string; threadId?: string; tenant?: string; user?: string },
): UsageEntry[] {
  const out: UsageEntry[] = [];
  for (const tier of TIERS) {
    const u = perTier[tier];
    if (!u || u.calls === 0) continue;
    out.push({ ...who, tier, inputTokens: u.input, outputTokens: u.output, calls: u.calls, costUsd: u.costUsd, unpriced: u.unpriced.length > 0 });
  }
  return out;
}
