/**
 * LangGraph's SQLite checkpoint saver, built on a libsql database: the one module that imports
 * `@langchain/langgraph-checkpoint-sqlite`.
 *
 * That package imports better-sqlite3, which compiles from source when it is installed. The
 * package build (scripts/build_sqlite_saver.mjs) therefore replaces this module's compiled
 * output with a bundle of the saver in which better-sqlite3 is libsql (prebuilt, same API), so
 * an app installing this package gets neither of them; in a checkout it runs from source.
 */
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import type Database from "libsql";

/** A SqliteSaver on `db`; its tables are created on first use. */
export function createSqliteSaver(db: Database.Database): BaseCheckpointSaver {
  // libsql's Database has better-sqlite3's API but not its type name.
  return new SqliteSaver(db as unknown as ConstructorParameters<typeof SqliteSaver>[0]);
}
