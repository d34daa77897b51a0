import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging/index.js";
import { ConfigConflictError, ConfigStore } from "../../src/server/config_store.js";
import { ConfigurationError } from "../../src/errors.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "store-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("ConfigStore", () => {
  it("reads a missing file as empty", async () => {
    expect(await new ConfigStore(join(dir, "none.json")).load()).toEqual({});
  });

  it("saves atomically as mode-0600 JSON, creating the directory, and reads it back", async () => {
    const path = join(dir, "nested", "providers.json");
    const store = new ConfigStore(path);
    const providers = { openai: { apiKey: "sk-store-test-0000000000", baseUrl: null }, gateway: { enabled: false } };
    expect(await store.update(0, providers)).toBe(1);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const json = JSON.parse(readFileSync(path, "utf8")) as { version: number; revision: number; providers: unknown };
    expect(json.version).toBe(1);
    expect(json.revision).toBe(1);
    expect(json.providers).toEqual(providers);
    expect(await new ConfigStore(path).load()).toEqual(providers);
    // No temp file is left next to it.
    expect(readdirSync(join(dir, "nested"))).toEqual(["providers.json"]);
  });

  it("compare-and-swap: of concurrent writes based on one revision, one wins and the others are refused", async () => {
    const path = join(dir, "providers.json");
    const store = new ConfigStore(path);
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => new ConfigStore(path).update(0, { ollama: { baseUrl: `https://ollama-${i}.example` } })));
    const won = outcomes.filter((o) => o.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.status === "rejected")) {
      expect((o as PromiseRejectedResult).reason).toBeInstanceOf(ConfigConflictError);
      expect((o as PromiseRejectedResult).reason).toMatchObject({ expected: 0, actual: 1 });
    }
    const snapshot = await store.snapshot();
    expect(snapshot.revision).toBe(1);
    expect(snapshot.providers.ollama?.baseUrl).toMatch(/^https:\/\/ollama-\d\.example$/);
    // A write based on the current revision goes through; the file is whole and nothing is left beside it.
    expect(await store.update(1, { ...snapshot.providers, openai: { apiKey: "sk-second-000000000000" } })).toBe(2);
    expect(await store.load()).toEqual({ ...snapshot.providers, openai: { apiKey: "sk-second-000000000000" } });
    expect(readdirSync(dir)).toEqual(["providers.json"]);
  });

  it("reads a file written before revisions existed as revision 0", async () => {
    const path = join(dir, "providers.json");
    writeFileSync(path, JSON.stringify({ version: 1, providers: { gateway: { enabled: false } } }), { mode: 0o600 });
    expect(await new ConfigStore(path).snapshot()).toEqual({ providers: { gateway: { enabled: false } }, revision: 0 });
    await expect(new ConfigStore(path).update(3, {})).rejects.toBeInstanceOf(ConfigConflictError);
  });

  it("reports a corrupt file clearly, without quoting it, and leaves it untouched", async () => {
    const path = join(dir, "providers.json");
    const content = '{"version":1,"providers":{"openai":{"apiKey":"sk-do-not-quote-me-123456"}';
    writeFileSync(path, content, { mode: 0o600 });
    const err = await new ConfigStore(path).load().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "ConfigurationError", code: "invalid_provider_store" });
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toMatch(/not valid JSON/);
    expect((err as Error).message).not.toContain("sk-do-not-quote-me");
    expect(readFileSync(path, "utf8")).toBe(content);
  });

  it("rejects a file of the wrong shape, naming the field", async () => {
    const path = join(dir, "providers.json");
    writeFileSync(path, JSON.stringify({ version: 1, providers: { openai: { apiKey: 42, extra: "sk-secret-value-999999" } } }), { mode: 0o600 });
    const err = (await new ConfigStore(path).load().catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ name: "ConfigurationError", code: "invalid_provider_store" });
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.message).toMatch(/providers\.openai\.apiKey/);
    expect(err.message).toMatch(/unknown field\(s\) extra/);
    expect(err.message).not.toContain("sk-secret-value");
  });

  it("warns when the file is readable by others", async () => {
    const path = join(dir, "providers.json");
    writeFileSync(path, JSON.stringify({ version: 1, providers: {} }));
    chmodSync(path, 0o644);
    const lines: string[] = [];
    const logger = createLogger({ format: "json", level: "warn", destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
    await new ConfigStore(path, logger).load();
    expect(lines.join("")).toMatch(/chmod 600/);
  });
});
