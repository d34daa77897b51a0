/**
 * The provider-settings store in PostgreSQL, for instances that share a database (DATABASE_URL):
 * one row of table `ai_gateway_provider_store` holding the same document the file store keeps.
 * A write is a compare-and-swap on the row's revision in one statement, so two instances never
 * overwrite each other. Secrets sit in the row as they would in the file: whoever can read the
 * database can read them.
 */
import type pg from "pg";
import type { Logger } from "../logging/index.js";
import { maskDatabaseUrl } from "../../graphs/persistence.js";
import { ConfigConflictError, ConfigStore, invalidProviderStore, parseStored, type ProviderStore, type StoredProviders, type StoreSnapshot } from "./config_store.js";
import { isConcurrentCreate } from "../../graphs/pg_schema.js";

const TABLE = "ai_gateway_provider_store";

export class PostgresConfigStore implements ProviderStore {
  readonly location: string;

  private constructor(
    private readonly pool: pg.Pool,
    databaseUrl: string,
  ) {
    this.location = `${maskDatabaseUrl(databaseUrl)} (table ${TABLE})`;
  }

  /**
   * Connects and creates the table when it is missing. When the table is empty and the file
   * store (`fileToImport`) holds settings, they are copied in once, so moving to a shared
   * database loses nothing an admin saved before.
   */
  static async open(databaseUrl: string, fileToImport: string | undefined, logger?: Logger): Promise<PostgresConfigStore> {
    const { default: postgres } = await import("pg");
    const pool = new postgres.Pool({ connectionString: databaseUrl, max: 2 });
    pool.on("error", () => undefined);
    const store = new PostgresConfigStore(pool, databaseUrl);
    try {
      await pool.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (id integer PRIMARY KEY CHECK (id = 1), revision integer NOT NULL, document jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`);
    } catch (err) {
      // Two instances starting together race to create the table; the loser finds it made.
      if (!isConcurrentCreate(err)) {
        await pool.end().catch(() => undefined);
        throw invalidProviderStore(`Cannot open the provider config store in ${store.location}: ${err instanceof Error ? err.message : String(err)}. Check DATABASE_URL.`);
      }
    }
    if (fileToImport) {
      const file = await new ConfigStore(fileToImport, logger).snapshot();
      if (Object.keys(file.providers).length > 0 && (await store.snapshot()).revision === 0) {
        try {
          await store.update(0, file.providers);
          logger?.info({ event: "provider_store_imported", from: fileToImport }, `Provider settings from ${fileToImport} were copied into ${store.location}.`);
        } catch (err) {
          // Another instance imported first.
          if (!(err instanceof ConfigConflictError)) throw err;
        }
      }
    }
    return store;
  }

  async snapshot(): Promise<StoreSnapshot> {
    const { rows } = await this.pool.query<{ revision: number; document: unknown }>(`SELECT revision, document FROM ${TABLE} WHERE id = 1`);
    if (rows.length === 0) return { providers: {}, revision: 0 };
    const snapshot = parseStored(rows[0].document, this.location);
    return { providers: snapshot.providers, revision: rows[0].revision };
  }

  async fingerprint(): Promise<string> {
    const { rows } = await this.pool.query<{ revision: number }>(`SELECT revision FROM ${TABLE} WHERE id = 1`);
    return String(rows[0]?.revision ?? 0);
  }

  async update(expected: number, providers: StoredProviders): Promise<number> {
    const document = JSON.stringify({ version: 1, revision: expected + 1, updatedAt: new Date().toISOString(), providers });
    const { rowCount } =
      expected === 0
        ? await this.pool.query(`INSERT INTO ${TABLE} (id, revision, document) VALUES (1, 1, $1::jsonb) ON CONFLICT (id) DO NOTHING`, [document])
        : await this.pool.query(`UPDATE ${TABLE} SET revision = $1 + 1, document = $2::jsonb, updated_at = now() WHERE id = 1 AND revision = $1`, [expected, document]);
    if (rowCount === 1) return expected + 1;
    throw new ConfigConflictError(expected, Number(await this.fingerprint()));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
