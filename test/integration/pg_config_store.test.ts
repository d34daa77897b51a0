/**
 * The provider-settings store in PostgreSQL (DATABASE_URL): a compare-and-swap on one row, so
 * stores opened by different instances never overwrite each other; settings saved to the file
 * before are copied in once; a broken row is reported without quoting it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigConflictError, ConfigStore } from "../../src/server/config_store.js";
import { ConfigurationError } from "../../src/errors.js";
import { PostgresConfigStore } from "../../src/server/pg_config_store.js";
import { createCheckpointer } from "../../graphs/persistence.js";
import { startPostgres, type PostgresCluster } from "../helpers/postgres.js";

let cluster: PostgresCluster;
const dir = mkdtempSync(join(tmpdir(), "pg-store-"));
beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh database per test, so each starts with no table. */
async function database(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(cluster.url);
  url.pathname = `/${name}`;
  return url.toString();
}

describe("PostgresConfigStore", () => {
  it("two instances: of writes based on one revision one wins, the other is refused and sees the winner", async () => {
    const url = await database("store_cas");
    const [a, b] = await Promise.all([PostgresConfigStore.open(url, undefined), PostgresConfigStore.open(url, undefined)]);
    try {
      expect(await a.snapshot()).toEqual({ providers: {}, revision: 0 });
      const outcomes = await Promise.allSettled([a.update(0, { openai: { apiKey: "sk-from-a-000000000000" } }), b.update(0, { anthropic: { apiKey: "sk-ant-from-b-0000000000" } })]);
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(ConfigConflictError);
      expect(refused.reason).toMatchObject({ expected: 0, actual: 1 });
      const seen = await b.snapshot();
      expect(seen.revision).toBe(1);
      expect(await a.fingerprint()).toBe("1");
      // Based on what it now sees, the loser's write goes through beside the winner's.
      expect(await b.update(1, { ...seen.providers, ollama: { enabled: false } })).toBe(2);
      expect(Object.keys((await a.snapshot()).providers).sort()).toEqual([...Object.keys(seen.providers), "ollama"].sort());
      await expect(a.update(1, {})).rejects.toBeInstanceOf(ConfigConflictError);
      expect(a.location).not.toMatch(/postgres:\/\/[^:]+:[^*@]+@/);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("eight instances starting at once on a fresh database all open it (the race to create the tables is lost quietly)", async () => {
    for (let round = 1; round <= 3; round++) {
      const url = await database(`store_race_${round}`);
      const stores = await Promise.all(Array.from({ length: 8 }, () => PostgresConfigStore.open(url, undefined)));
      const checkpoints = await Promise.all(Array.from({ length: 8 }, () => createCheckpointer({ databaseUrl: url })));
      try {
        expect((await stores[0].snapshot()).revision).toBe(0);
        expect(checkpoints.map((h) => h.kind)).toEqual(Array(8).fill("postgres"));
      } finally {
        for (const s of stores) await s.close();
        for (const h of checkpoints) await h.close();
      }
    }
  }, 60_000);

  it("copies the file store's settings in once, when the table is empty", async () => {
    const url = await database("store_import");
    const file = join(dir, "providers.json");
    await new ConfigStore(file).update(0, { gateway: { enabled: false }, openai: { apiKey: "sk-saved-in-file-000000" } });
    const first = await PostgresConfigStore.open(url, file);
    try {
      expect(await first.snapshot()).toEqual({ providers: { gateway: { enabled: false }, openai: { apiKey: "sk-saved-in-file-000000" } }, revision: 1 });
      await first.update(1, { gateway: { enabled: true } });
    } finally {
      await first.close();
    }
    // A later start finds the table in use and leaves it alone.
    const again = await PostgresConfigStore.open(url, file);
    try {
      expect(await again.snapshot()).toEqual({ providers: { gateway: { enabled: true } }, revision: 2 });
    } finally {
      await again.close();
    }
  });

  it("reports a row of the wrong shape naming the field, without quoting a secret", async () => {
    const url = await database("store_broken");
    const store = await PostgresConfigStore.open(url, undefined);
    try {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query("INSERT INTO ai_gateway_provider_store (id, revision, document) VALUES (1, 4, $1::jsonb)", [JSON.stringify({ version: 1, providers: { openai: { apiKey: "sk-secret-in-bad-row-0000", colour: "red" } } })]);
      await client.end();
      const err = (await store.snapshot().catch((e: unknown) => e)) as Error;
      expect(err).toMatchObject({ name: "ConfigurationError", code: "invalid_provider_store" });
      expect(err).toBeInstanceOf(ConfigurationError);
      expect(err.message).toMatch(/providers\.openai: unknown field\(s\) colour/);
      expect(err.message).not.toContain("sk-secret-in-bad-row");
    } finally {
      await store.close();
    }
  });
});
