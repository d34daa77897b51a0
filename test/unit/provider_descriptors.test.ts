/**
 * One descriptor per provider: the env schema, config, settings, verify, tiers, the server's
 * schemas and the config store are derived from the descriptor list. The first block checks the
 * real list against what is derived from it; the second feeds the builders a list with one more
 * provider and checks that each of them knows it.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  envSchema,
  FALLBACK_PROVIDER_ENV,
  providerEnvConfig,
  providerEnvShape,
  providerSecretVars,
  SECRET_ENV_VARS,
  type ProviderEnvSpec,
} from "../../src/config/index.js";
import {
  countList,
  DEFAULT_PROVIDER_MODELS,
  defineFallbackProvider,
  FALLBACK_DESCRIPTOR_LIST,
  PROVIDER_DESCRIPTORS,
  PROVIDERS,
  verifyFallbackProvider,
} from "../../src/providers/index.js";
import { fallbackSetupVars, httpSchemasByProvider, sdkErrorNames } from "../../src/providers/descriptors/index.js";
import { storeFileSchema } from "../../src/server/config_store.js";
import { credentialsSchemas, settingsChangeSchemas } from "../../src/server/schemas.js";

const envExample = readFileSync(new URL("../../.env.example", import.meta.url), "utf8").split("\n");
const varsOf = (spec: ProviderEnvSpec) => Object.values(spec).map((v) => v.name);

describe("the provider descriptors", () => {
  it("are the providers, in the default fallback order", () => {
    expect(PROVIDER_DESCRIPTORS.map((d) => d.name)).toEqual([...PROVIDERS]);
    expect(FALLBACK_DESCRIPTOR_LIST.map((d) => d.name)).toEqual(Object.keys(FALLBACK_PROVIDER_ENV));
  });

  it("put every variable in the env schema and in .env.example, with a comment, and their keys in SECRET_ENV_VARS", () => {
    for (const d of FALLBACK_DESCRIPTOR_LIST) {
      expect(d.env).toBe(FALLBACK_PROVIDER_ENV[d.name as keyof typeof FALLBACK_PROVIDER_ENV]);
      for (const name of varsOf(d.env)) {
        expect(Object.keys(envSchema.shape), name).toContain(name);
        const line = envExample.findIndex((l) => l.startsWith(`${name}=`));
        expect(line, `${name} in .env.example`).toBeGreaterThan(0);
        expect(envExample[line - 1], name).toMatch(/^# \S/);
      }
      if (d.env.apiKey) expect(SECRET_ENV_VARS as readonly string[]).toContain(d.env.apiKey.name);
    }
  });

  it("give the server's verify and configure schemas and the store an entry per provider", () => {
    expect(Object.keys(credentialsSchemas)).toEqual([...PROVIDERS]);
    expect(Object.keys(settingsChangeSchemas)).toEqual([...PROVIDERS]);
    const store = storeFileSchema();
    for (const d of FALLBACK_DESCRIPTOR_LIST) {
      const entry = d.hasApiKey ? { apiKey: "sk-stored-0123456789", baseUrl: "https://x.example" } : { baseUrl: "https://x.example" };
      expect(store.safeParse({ version: 1, providers: { [d.name]: entry } }).success, d.name).toBe(true);
      // A key field on a provider that has none is refused, in both the store and the API.
      if (!d.hasApiKey) {
        expect(store.safeParse({ version: 1, providers: { [d.name]: { apiKey: "k" } } }).success).toBe(false);
        expect(settingsChangeSchemas[d.name as keyof typeof settingsChangeSchemas].safeParse({ apiKey: "k" }).success).toBe(false);
      }
    }
  });

  it("give the default tier models and the setup hint", () => {
    for (const d of PROVIDER_DESCRIPTORS) expect(DEFAULT_PROVIDER_MODELS[d.name as keyof typeof DEFAULT_PROVIDER_MODELS]).toEqual(d.defaultModels);
    expect(fallbackSetupVars()).toBe("OPENAI_API_KEY, ANTHROPIC_API_KEY, GOOGLE_API_KEY or OLLAMA_BASE_URL");
  });
});

describe("a provider added to the list", () => {
  const mistralEnv = {
    apiKey: { name: "MISTRAL_API_KEY", kind: "secret", doc: "Mistral API key." },
    baseUrl: { name: "MISTRAL_BASE_URL", kind: "url", doc: "Mistral API base URL." },
  } as const satisfies ProviderEnvSpec;
  const specs = { ...FALLBACK_PROVIDER_ENV, mistral: mistralEnv };

  let loaded = 0;
  const mistral = defineFallbackProvider({
    name: "mistral",
    label: "Mistral",
    env: mistralEnv,
    defaultBaseUrl: "https://api.mistral.invalid/v1",
    defaultModels: { fast: "mistral-small", standard: "mistral-medium", premium: "mistral-large" },
    errorNames: { outage: ["MistralServiceError"] },
    loadSdk: async () => {
      loaded++;
      return { make: (model: string) => new FakeListChatModel({ responses: [`answer from ${model}`] }) };
    },
    createModel: (sdk, _settings, ctx) => sdk.make(ctx.model),
    probe: (base, key) => ({ url: `${base}/models`, headers: { authorization: `Bearer ${key}` }, count: countList("data") }),
  });
  const list = [...FALLBACK_DESCRIPTOR_LIST, mistral];

  let server: Server;
  let baseUrl = "";
  const seen: IncomingMessage[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      const ok = req.headers.authorization === "Bearer mistral-key-0123456789";
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
      res.end(JSON.stringify(ok ? { data: [{ id: "a" }, { id: "b" }, { id: "c" }] } : { error: "no" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("has its variables in the env schema, with the same rules and messages", () => {
    const schema = z.object(providerEnvShape(specs));
    const bad = schema.safeParse({ MISTRAL_BASE_URL: "ftp://mistral.example" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([["MISTRAL_BASE_URL", "must be an http(s) URL"]]);
    const parsed = schema.parse({ MISTRAL_API_KEY: " mistral-key ", MISTRAL_BASE_URL: "https://mistral.example/v1//" });
    expect(providerEnvConfig(specs, parsed).mistral).toEqual({ apiKey: "mistral-key", baseUrl: "https://mistral.example/v1" });
    expect(providerSecretVars(specs)).toContain("MISTRAL_API_KEY");
    expect(providerSecretVars(specs)).not.toContain("MISTRAL_BASE_URL");
  });

  it("gets settings, configuration checks and masking from its descriptor", () => {
    expect(mistral.isConfigured(mistral.settingsFrom({ baseUrl: "https://m.example" }))).toBe(false);
    const s = mistral.settingsFrom({ apiKey: "mistral-key-0123456789" });
    expect(mistral.isConfigured(s)).toBe(true);
    expect(mistral.secretsOf(s)).toEqual(["mistral-key-0123456789"]);
    expect(mistral.mask(s)).toEqual({ baseUrl: "https://api.mistral.invalid/v1", apiKey: "…6789" });
    expect(fallbackSetupVars(list)).toMatch(/, OLLAMA_BASE_URL or MISTRAL_API_KEY$/);
    expect(sdkErrorNames("outage", list)).toContain("MistralServiceError");
    expect(sdkErrorNames("outage")).not.toContain("MistralServiceError");
  });

  it("builds its chat model once its SDK is loaded, and loads the SDK once", async () => {
    const s = mistral.settingsFrom({ apiKey: "k" });
    const ctx = { model: "mistral-small", tier: {} };
    expect(() => mistral.createModel(s, ctx)).toThrow(/The mistral SDK is not loaded/);
    await mistral.loadSdk();
    await mistral.loadSdk();
    expect(loaded).toBe(1);
    const answer = await mistral.createModel(s, ctx).invoke("hi");
    expect(answer.content).toBe("answer from mistral-small");
  });

  it("is verified with its own probe, and messages name its label and key variable", async () => {
    const good = await verifyFallbackProvider(mistral, { enabled: true, apiKey: "mistral-key-0123456789", baseUrl });
    expect(good).toMatchObject({ ok: true, modelCount: 3 });
    expect(seen.at(-1)?.url).toBe("/v1/models");
    const rejected = await verifyFallbackProvider(mistral, { enabled: true, apiKey: "wrong-key-0123456789", baseUrl }, { untrusted: true });
    expect(rejected.error).toEqual({ code: "auth", message: "Mistral rejected the credentials (401). Check MISTRAL_API_KEY." });
    const missing = await verifyFallbackProvider(mistral, { enabled: true, baseUrl });
    expect(missing.error).toEqual({ code: "missing_credentials", message: "Mistral has no API key: set MISTRAL_API_KEY." });
  });

  it("is accepted by the server's schemas and the config store", () => {
    const credentials = httpSchemasByProvider("credentials", list);
    expect(credentials.mistral.safeParse({ apiKey: "mistral-key-0123456789" }).success).toBe(true);
    expect(credentials.mistral.safeParse({ apiKey: "k", proxy: "http://127.0.0.1" }).success).toBe(false);
    expect(httpSchemasByProvider("settingsChange", list).mistral.safeParse({ baseUrl: null }).success).toBe(true);
    const doc = { version: 1, providers: { mistral: { apiKey: "mistral-key-0123456789" } } };
    expect(storeFileSchema(list).safeParse(doc).success).toBe(true);
    // The real list does not know it: its store refuses the entry as an unknown field.
    expect(storeFileSchema().safeParse(doc).success).toBe(false);
  });
});
