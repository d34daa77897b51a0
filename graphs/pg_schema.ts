/**
 * Creating tables on a PostgreSQL that several instances start against at once: two concurrent
 * `CREATE TABLE IF NOT EXISTS` can both pass the check, and the loser fails with a unique
 * violation on the catalog (23505), `duplicate_table` (42P07) or, for the table's row type,
 * `duplicate_object` (42710). Each means the table is made.
 */

const CREATE_RACE_CODES = new Set(["23505", "42P07", "42710"]);

/** Whether `err` is the loser's side of two instances creating the same table at once. */
export function isConcurrentCreate(err: unknown): boolean {
  return CREATE_RACE_CODES.has(String((err as { code?: unknown } | null)?.code));
}
