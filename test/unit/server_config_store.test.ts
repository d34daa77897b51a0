import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging/index.js";
import { ConfigStore, ConfigStoreError } from "../../src/server/config_store.js";

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
    await store.save(providers);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const json = JSON.parse(readFileSync(path, "utf8")) as { version: number; providers: unknown };
    expect(json.version).toBe(1);
    expect(json.providers).toEqual(providers);
    expect(await new ConfigStore(path).load()).toEqual(providers);
    // No temp file is left next to it.
    expect(readdirSync(join(dir, "nested"))).toEqual(["providers.json"]);
  });

  it("serialises concurrent saves: the last one wins and the file is always whole", async () => {
    const path = join(dir, "providers.json");
    const store = new ConfigStore(path);
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.save({ ollama: { baseUrl: `https://ollama-${i}.example` } })));
    expect(await store.load()).toEqual({ ollama: { baseUrl: "https://ollama-9.example" } });
    expect(readdirSync(dir)).toEqual(["providers.json"]);
  });

  it("reports a corrupt file clearly, without quoting it, and leaves it untouched", async () => {
    const path = join(dir, "providers.json");
    const content = '{"version":1,"providers":{"openai":{"apiKey":"sk-do-not-quote-me-123456"}';
    writeFileSync(path, content, { mode: 0o600 });
    const err = await new ConfigStore(path).load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigStoreError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toMatch(/not valid JSON/);
    expect((err as Error).message).not.toContain("sk-do-not-quote-me");
    expect(readFileSync(path, "utf8")).toBe(content);
  });

  it("rejects a file of the wrong shape, naming the field", async () => {
    const path = join(dir, "providers.json");
    writeFileSync(path, JSON.stringify({ version: 1, providers: { openai: { apiKey: 42, extra: "sk-secret-value-999999" } } }), { mode: 0o600 });
    const err = (await new ConfigStore(path).load().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ConfigStoreError);
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
