/**
 * Who owns each thread: the tenant (and user) that started it, recorded once when its first run
 * is accepted and never changed. The run service refuses another tenant's thread with the same
 * answer as a thread that does not exist. Kept in the checkpoint store itself (its own table), so
 * every process on the store agrees; an in-memory checkpointer keeps owners in this process.
 *
 * The default tenant (API_KEY, an open API, the CLI without --tenant) is stored as "".
 *
 * A store written before owners were recorded has threads with no owner: when the owners table
 * is first created, each of them is recorded as the default tenant's (they were made through
 * surfaces that had no tenants), dated when that happens, so they are listed, not only reachable.
 */
import type Database from "libsql";
import type pg from "pg";

/** The owner of a thread. */
export interface ThreadOwner {
  /** The tenant; "" for the default tenant. */
  tenant: string;
  /** The user the first run was for, if any. */
  user?: string;
}

/** A thread in an owner listing. */
export interface OwnedThread extends ThreadOwner {
  threadId: string;
  /** When the thread's first run was accepted (ms since the epoch). */
  createdAt: number;
  /** When a run was last accepted on it (ms since the epoch). */
  updatedAt: number;
}

/** Thread ownership records. */
export interface ThreadOwners {
  /** The owner of `threadId`, or undefined when no run was ever accepted on it. */
  get(threadId: string): Promise<ThreadOwner | undefined>;
  /**
   * Records `owner` for a thread that has none yet and notes a run on it; returns the owner the
   * thread has afterwards (the earlier one when it already had an owner).
   */
  claim(threadId: string, owner: ThreadOwner): Promise<ThreadOwner>;
  /** The threads of `tenant` (every tenant's when undefined), most recently used first. */
  list(tenant: string | undefined, limit: number): Promise<OwnedThread[]>;
  /** Forgets the owner of `threadId` (the thread was deleted). */
  forget(threadId: string): Promise<void>;
}

const TABLE = "ai_gateway_thread_owners";

type Row = { thread_id: string; tenant: string; user_id: string; created_at: number | string; updated_at: number | string };

const ownerOf = (row: Pick<Row, "tenant" | "user_id">): ThreadOwner => ({ tenant: row.tenant, ...(row.user_id ? { user: row.user_id } : {}) });
const ownedOf = (row: Row): OwnedThread => ({ threadId: row.thread_id, ...ownerOf(row), createdAt: Number(row.created_at), updatedAt: Number(row.updated_at) });

/** Owners kept in this process (for a checkpointer handed in, which is not ours to add tables to). */
export function memoryOwners(): ThreadOwners {
  const rows = new Map<string, OwnedThread>();
  return {
    get: async (threadId) => {
      const row = rows.get(threadId);
      return row && { tenant: row.tenant, ...(row.user !== undefined ? { user: row.user } : {}) };
    },
    claim: async (threadId, owner) => {
      const now = Date.now();
      const row = rows.get(threadId) ?? { threadId, tenant: owner.tenant, ...(owner.user !== undefined ? { user: owner.user } : {}), createdAt: now, updatedAt: now };
      // Re-inserted so that the map's order is the order of use.
      rows.delete(threadId);
      rows.set(threadId, { ...row, updatedAt: now });
      return { tenant: row.tenant, ...(row.user !== undefined ? { user: row.user } : {}) };
    },
    list: async (tenant, limit) => [...rows.values()].reverse().filter((r) => tenant === undefined || r.tenant === tenant).slice(0, limit),
    forget: async (threadId) => {
      rows.delete(threadId);
    },
  };
}

/** Owners in the SQLite checkpoint file, through the saver's connection. */
export function sqliteOwners(db: Database.Database): ThreadOwners {
  const tableExists = (name: string) => db.prepare<[string]>("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  const adopt = !tableExists(TABLE) && tableExists("checkpoints");
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (thread_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, user_id TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`,
  );
  db.exec(`CREATE INDEX IF NOT EXISTS ${TABLE}_tenant ON ${TABLE} (tenant, updated_at)`);
  if (adopt) {
    const now = Date.now();
    db.prepare(`INSERT INTO ${TABLE} (thread_id, tenant, user_id, created_at, updated_at) SELECT DISTINCT thread_id, '', '', ?, ? FROM checkpoints WHERE true ON CONFLICT(thread_id) DO NOTHING`).run(now, now);
  }
  const select = db.prepare<[string]>(`SELECT tenant, user_id FROM ${TABLE} WHERE thread_id = ?`);
  // One statement: the first owner wins, a later run only moves updated_at.
  const upsert = db.prepare(
    `INSERT INTO ${TABLE} (thread_id, tenant, user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(thread_id) DO UPDATE SET updated_at = excluded.updated_at RETURNING tenant, user_id`,
  );
  const listAll = db.prepare<[number]>(`SELECT * FROM ${TABLE} ORDER BY updated_at DESC LIMIT ?`);
  const listOne = db.prepare<[string, number]>(`SELECT * FROM ${TABLE} WHERE tenant = ? ORDER BY updated_at DESC LIMIT ?`);
  const remove = db.prepare<[string]>(`DELETE FROM ${TABLE} WHERE thread_id = ?`);
  return {
    get: async (threadId) => {
      const row = select.get(threadId) as Row | undefined;
      return row && ownerOf(row);
    },
    claim: async (threadId, owner) => {
      const now = Date.now();
      return ownerOf(upsert.get(threadId, owner.tenant, owner.user ?? "", now, now) as Row);
    },
    list: async (tenant, limit) => ((tenant === undefined ? listAll.all(limit) : listOne.all(tenant, limit)) as Row[]).map(ownedOf),
    forget: async (threadId) => {
      remove.run(threadId);
    },
  };
}

/** Owners in the PostgreSQL checkpoint database. */
export async function postgresOwners(pool: pg.Pool, isConcurrentCreate: (err: unknown) => boolean): Promise<ThreadOwners> {
  const exists = async (name: string) => (await pool.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [name])).rows[0]?.t != null;
  const adopt = !(await exists(TABLE)) && (await exists("checkpoints"));
  const ddl = [
    `CREATE TABLE IF NOT EXISTS ${TABLE} (thread_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, user_id TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS ${TABLE}_tenant ON ${TABLE} (tenant, updated_at)`,
  ];
  for (const statement of ddl) {
    // Two processes starting on a fresh database race to create it; the loser finds it made.
    for (let attempt = 1; ; attempt++) {
      try {
        await pool.query(statement);
        break;
      } catch (err) {
        if (!isConcurrentCreate(err) || attempt >= 4) throw err;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  }
  if (adopt) {
    await pool.query(
      `INSERT INTO ${TABLE} (thread_id, tenant, user_id, created_at, updated_at) SELECT DISTINCT thread_id, '', '', $1::bigint, $1::bigint FROM checkpoints ON CONFLICT (thread_id) DO NOTHING`,
      [Date.now()],
    );
  }
  return {
    get: async (threadId) => {
      const { rows } = await pool.query<Row>(`SELECT tenant, user_id FROM ${TABLE} WHERE thread_id = $1`, [threadId]);
      return rows[0] && ownerOf(rows[0]);
    },
    claim: async (threadId, owner) => {
      const now = Date.now();
      const { rows } = await pool.query<Row>(
        `INSERT INTO ${TABLE} (thread_id, tenant, user_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (thread_id) DO UPDATE SET updated_at = EXCLUDED.updated_at RETURNING tenant, user_id`,
        [threadId, owner.tenant, owner.user ?? "", now],
      );
      return ownerOf(rows[0]!);
    },
    list: async (tenant, limit) => {
      const { rows } =
        tenant === undefined
          ? await pool.query<Row>(`SELECT * FROM ${TABLE} ORDER BY updated_at DESC LIMIT $1`, [limit])
          : await pool.query<Row>(`SELECT * FROM ${TABLE} WHERE tenant = $1 ORDER BY updated_at DESC LIMIT $2`, [tenant, limit]);
      return rows.map(ownedOf);
    },
    forget: async (threadId) => {
      await pool.query(`DELETE FROM ${TABLE} WHERE thread_id = $1`, [threadId]);
    },
  };
}
