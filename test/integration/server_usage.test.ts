/**
 * Spend over HTTP: keys issued per tenant (API_TENANT_KEYS) attribute runs to that tenant,
 * `user` in the body to a user; GET /api/usage groups the ledger, shows a tenant's key only its
 * own usage and refuses bad parameters; a tenant over budget gets 429 budget_exceeded (or the
 * budget and error events when streamed) while another tenant runs on.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { emulator } from "../helpers/gateway.js";
import { build, tempDir } from "./server_helpers.js";

const ACME = "acme-key-0123456789abcdef";
const BETA = "beta-key-0123456789abcdef";
const GENERAL = "general-key-0123456789abcdef";
let emu: EmulatorHandle;
let app: FastifyInstance;
const tmp = tempDir();
beforeAll(async () => {
  emu = await emulator();
  const tiers = join(tmp.dir, "tiers.yaml");
  // acme's limit is below one run's cost: its second run is refused.
  writeFileSync(tiers, ["budgets:", "  tenants:", "    acme: { daily: 0.0000001 }"].join("\n"));
  app = await build(
    tmp.dir,
    {
      AI_GATEWAY_BASE_URL: emu.baseUrl,
      AI_GATEWAY_CLIENT_ID: emu.clientId,
      AI_GATEWAY_CLIENT_SECRET: emu.clientSecret,
      CHECKPOINT_SQLITE_PATH: join(tmp.dir, "usage.sqlite"),
      TIERS_CONFIG: tiers,
      API_KEY: GENERAL,
      API_TENANT_KEYS: `acme=${ACME}, beta=${BETA}`,
      AI_GATEWAY_METADATA_HEADERS: "tenant=x-tenant,user=x-end-user,costCenter=x-cost-center",
    },
    { checkpointer: undefined },
  );
});
afterAll(async () => {
  await app?.close();
  await emu.close();
  tmp.cleanup();
});

const post = (key: string, payload: Record<string, unknown>, stream = false) =>
  app.inject({ method: "POST", url: stream ? "/api/runs/stream" : "/api/runs", headers: { "x-api-key": key }, payload: { tier: "fast", ...payload } });
const usage = (key: string, query = "") => app.inject({ method: "GET", url: `/api/usage${query}`, headers: { "x-api-key": key } });

describe("spend per tenant and user over HTTP", () => {
  it("attributes runs to the key's tenant and the body's user; a tenant over budget is refused, others run on", async () => {
    const first = await post(ACME, { task: "Say hello", user: "alice" });
    expect(first.statusCode, first.body).toBe(200);
    const cost = first.json().usage.costUsd as number;
    expect(cost).toBeGreaterThan(0);

    const refused = await post(ACME, { task: "Say hello again", user: "alice" });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toMatchObject({ code: "budget_exceeded", failure: { scope: "tenant", name: "acme", period: "daily" } });
    const streamed = await post(ACME, { task: "Say hello again" }, true);
    const events = streamed.body.split("\n\n").filter((f) => f.startsWith("event: ")).map((f) => f.slice(7, f.indexOf("\n")));
    expect(events).toEqual(["run_started", "budget", "error", "end"]);
    expect(streamed.body).toContain('"code":"budget_exceeded"');

    for (const user of ["bob", "bob"]) expect((await post(BETA, { task: "Say hello", user })).statusCode).toBe(200);
    expect((await post(GENERAL, { task: "Say hello" })).statusCode).toBe(200);

    const all = (await usage(GENERAL, "?by=tenant,user")).json() as { groups: { tenant: string | null; user: string | null; runs: number; costUsd: number }[] };
    expect(all.groups.map((g) => [g.tenant, g.user, g.runs])).toEqual([
      [null, null, 1],
      ["acme", "alice", 1],
      ["beta", "bob", 2],
    ]);
    expect(all.groups.find((g) => g.tenant === "acme")?.costUsd).toBeCloseTo(cost, 6);
  });

  it("a tenant's key sees its own usage only", async () => {
    const mine = (await usage(BETA, "?by=tenant,tier")).json() as { groups: { tenant: string }[] };
    expect(mine.groups.map((g) => g.tenant)).toEqual(["beta"]);
    const other = await usage(BETA, "?tenant=acme");
    expect(other.statusCode).toBe(403);
    expect((await usage("wrong-key-0123456789abcdef")).statusCode).toBe(401);
    expect((await app.inject({ method: "GET", url: "/api/usage" })).statusCode).toBe(401);
  });

  it("refuses bad parameters with 400 naming them", async () => {
    const cases: [string, RegExp][] = [
      ["?by=cost", /by: "cost" is not one of tenant, user, tier, day/],
      ["?from=2026-13-01", /from must be a day as YYYY-MM-DD/],
      ["?by=tier&by=day", /by must be given once/],
      ["?limit=5", /Unknown query parameter "limit"/],
      [`?user=${"x".repeat(500)}`, /user must be given once, as text of at most 400 characters/],
      ["?user=%00evil", /user must be 1 to 128/],
    ];
    for (const [query, message] of cases) {
      const res = await usage(GENERAL, query);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.message, query).toMatch(message);
    }
  });

  it("sends the key's tenant and the body's user to the gateway for chargeback; a client cannot name its tenant", async () => {
    const from = emu.requests().length;
    const res = await post(BETA, { task: "Say hello", user: "carol", metadata: { costCenter: "cc-1" } });
    expect(res.statusCode, res.body).toBe(200);
    const chats = emu.requests().slice(from).filter((r) => r.path.endsWith("/chat/completions"));
    expect(chats.length).toBeGreaterThan(0);
    for (const call of chats) expect(call.headers).toMatchObject({ "x-tenant": "beta", "x-end-user": "carol", "x-cost-center": "cc-1" });
    const spoof = await post(BETA, { task: "Say hello", metadata: { tenant: "acme" } });
    expect(spoof.statusCode).toBe(400);
    expect(spoof.json().error.message).toMatch(/metadata\.tenant cannot be sent; the tenant comes from the API key/);
  });

  it("refuses a bad user in the run body", async () => {
    for (const user of ["", "has space", 7, "x".repeat(200)]) {
      const res = await post(GENERAL, { task: "Say hello", user });
      expect(res.statusCode, String(user)).toBe(400);
      expect(res.json().error.message).toMatch(/user/);
    }
  });
});
