/**
 * Provider endpoints: status (masked), credential checks that save nothing (rate limited, any
 * URL through the SSRF guard), and configuration changes (admin key, saved atomically, applied
 * at once, never sending a held secret to a new URL).
 */
import type { FastifyInstance } from "fastify";
import { registerSecret } from "../../logging/index.js";
import { fallbackDescriptorOf, type FallbackProviderDescriptor } from "../../providers/descriptors/index.js";
import type { ProviderSettingsMap } from "../../providers/settings.js";
import type { ProviderName } from "../../providers/types.js";
import { requireAdminKey, requireApiKey } from "../auth.js";
import { ConfigConflictError } from "../config_store.js";
import type { ServerContext } from "../context.js";
import { HttpError, parseRequest } from "../errors.js";
import { fromLegacy, overridesHaveUrl, planChange, publicVerifyError, verifySettings, type RequestUrl } from "../provider_changes.js";
import {
  configureBody,
  credentialsSchemas,
  isLegacyVerifyBody,
  legacyVerifyBody,
  settingsChangeSchemas,
  verifyBody,
  type CredentialsMap,
  type SettingsChangeMap,
} from "../schemas.js";
import { checkTargetUrl, createGuardedAgent, SsrfError } from "../../net/index.js";

const SECRET_FIELDS = new Set(["clientSecret", "client_secret", "apiKey", "api_key"]);

/** Registers every secret-looking string of an admin's request body with the log redactor, before anything else. */
function registerBodySecrets(value: unknown, depth = 0): void {
  if (!value || typeof value !== "object" || depth > 3) return;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "string" && SECRET_FIELDS.has(k)) registerSecret(v);
    else registerBodySecrets(v, depth + 1);
  }
}

const LEGACY_FIELD: Record<string, string> = {
  "credentials.clientId": "api_key",
  "credentials.clientSecret": "client_secret",
  "credentials.apiKey": "api_key",
  "credentials.baseUrl": "base_url",
  "credentials.tokenUrl": "token_url",
};

/** Re-labels field paths of a legacy request, so errors name the fields the client sent. */
function legacyPaths(err: unknown): unknown {
  if (!(err instanceof HttpError) || !err.fields) return err;
  const fields = err.fields.map((f) => ({ ...f, path: LEGACY_FIELD[f.path] ?? f.path }));
  const message = err.code === "invalid_request" ? `Invalid request: ${fields.map((f) => `${f.path} ${f.message}`).join("; ")}.` : err.message;
  return new HttpError(err.statusCode, err.code, message, fields);
}

/** The descriptor of `provider` when its SDK takes no fetch (Gemini's), so its calls cannot be guarded. */
function unguardable(provider: ProviderName): FallbackProviderDescriptor | undefined {
  if (provider === "gateway") return undefined;
  const d = fallbackDescriptorOf(provider);
  return d.guardable ? undefined : d;
}

/**
 * A provider whose SDK takes no fetch or dispatcher (Gemini's) could not keep calls to a URL it
 * was given off internal addresses or from following redirects: over HTTP its URL is refused
 * (its base URL variable in the environment stays trusted).
 */
function refuseUnguardable(provider: ProviderName, urls: RequestUrl[]): void {
  const d = unguardable(provider);
  if (!d || urls.length === 0) return;
  const { field } = urls[0];
  const message = `${field} cannot be set over HTTP for ${d.label}: its client cannot be guarded against internal addresses and redirects. Set ${d.env.baseUrl?.name ?? "its base URL"} on the server instead.`;
  throw new HttpError(400, "unsafe_url", message, [{ path: field, message: "cannot be set over HTTP for this provider" }]);
}

/** What GET /api/providers says about setting `provider`'s base URL over HTTP. */
function unguardedNote(provider: ProviderName): { baseUrlOverHttp: boolean; note?: string } {
  const d = unguardable(provider);
  if (!d) return { baseUrlOverHttp: true };
  const envVar = d.env.baseUrl?.name ?? "its base URL variable";
  return { baseUrlOverHttp: false, note: `${d.label}'s client takes no guarded dispatcher: its base URL can be set only with ${envVar}, not over HTTP.` };
}

/** Runs the SSRF pre-dispatch check on every URL of a request; a refusal is a 400 naming the field. */
async function checkUrls(ctx: ServerContext, urls: RequestUrl[], legacy = false): Promise<void> {
  for (const { field, url } of urls) {
    const name = legacy ? (LEGACY_FIELD[field] ?? field) : field;
    try {
      await checkTargetUrl(url, ctx.ssrf, name);
    } catch (err) {
      if (err instanceof SsrfError) throw new HttpError(400, err.code, err.message, [{ path: name, message: err.message }]);
      throw err;
    }
  }
}

/** Verifies settings over a fresh guarded dispatcher when `guarded`, noting a connect-time refusal. */
async function runVerify<P extends ProviderName>(ctx: ServerContext, provider: P, settings: ProviderSettingsMap[P] | undefined, guarded: boolean) {
  let blocked = false;
  const agent = guarded
    ? createGuardedAgent(ctx.ssrf, { connectTimeoutMs: ctx.config.gateway.timeouts.connectMs, onBlocked: () => (blocked = true) })
    : undefined;
  try {
    const outcome = await ctx.runtime.registry.verify(provider, settings, { timeoutMs: ctx.verifyTimeoutMs, dispatcher: agent });
    return { outcome, blocked };
  } finally {
    await agent?.close();
  }
}

/** The API's view of a verify outcome: upstream messages are replaced by ours. */
function verifyResponse(provider: ProviderName, run: Awaited<ReturnType<typeof runVerify>>) {
  const { outcome, blocked } = run;
  return {
    provider,
    ok: outcome.ok && !blocked,
    latencyMs: outcome.latencyMs,
    ...(outcome.modelCount !== undefined ? { modelCount: outcome.modelCount } : {}),
    ...(outcome.ok && !blocked ? {} : { error: publicVerifyError(outcome.error, blocked) }),
  };
}

/** Registers the provider routes. */
export async function providerRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const { runtime } = ctx;

  app.get("/api/providers", { preHandler: requireApiKey(ctx.config.server.apiKey, ctx.config.server.tenantKeys) }, async () => ({
    simulated: runtime.simulated,
    // Send it back with a configure request to have it refused if someone changed the settings since.
    revision: runtime.revision,
    order: runtime.registry.providerOrder(),
    providers: runtime.registry.status().map((s) => ({
      ...s,
      source: runtime.stored[s.provider] ? "store" : "env",
      // Whether this provider's calls go through the SSRF guard (they do when an admin set its URL;
      // an SDK that takes no custom fetch, as Gemini's, cannot be guarded).
      guarded: !unguardable(s.provider) && runtime.isGuarded(s.provider),
      ...unguardedNote(s.provider),
    })),
  }));

  app.post(
    "/api/providers/verify",
    {
      // Behind API_KEY when it is set, like every other data-plane route.
      preHandler: requireApiKey(ctx.config.server.apiKey, ctx.config.server.tenantKeys),
      config: { rateLimit: { max: ctx.config.server.verifyRateLimit.max, timeWindow: ctx.config.server.verifyRateLimit.windowMs } },
    },
    async (request) => {
      // Nothing of this unauthenticated body is registered with the log redactor: the values
      // under test are scrubbed from the outcome instead (see ProviderRegistry.verify).
      const legacy = isLegacyVerifyBody(request.body);
      let provider: ProviderName;
      let raw: unknown;
      if (legacy) {
        ({ provider, credentials: raw } = fromLegacy(parseRequest(legacyVerifyBody, request.body)));
      } else {
        ({ provider, credentials: raw } = parseRequest(verifyBody, request.body));
      }
      if (raw === undefined) {
        // No credentials: the current settings are tested; when an admin set their URL, over a
        // fresh guarded dispatcher (so a refusal at connect time is reported as such).
        const guarded = runtime.isGuarded(provider);
        const current = guarded ? withoutRetries(provider, runtime.registry.providerSettings(provider)) : undefined;
        return verifyResponse(provider, await runVerify(ctx, provider, current, guarded));
      }
      try {
        const credentials = parseRequest(credentialsSchemas[provider], raw, ["credentials"]) as CredentialsMap[typeof provider];
        const { settings, urls } = verifySettings(provider, runtime.registry.providerSettings(provider), credentials);
        refuseUnguardable(provider, urls);
        await checkUrls(ctx, urls, legacy);
        return verifyResponse(provider, await runVerify(ctx, provider, settings, urls.length > 0 || runtime.isGuarded(provider)));
      } catch (err) {
        throw legacy ? legacyPaths(err) : err;
      }
    },
  );

  app.post("/api/providers/configure", { preHandler: requireAdminKey(ctx.config.server.adminApiKey) }, async (request) => {
    registerBodySecrets(request.body);
    const body = parseRequest(configureBody, request.body);
    const provider = body.provider;
    const change = parseRequest(settingsChangeSchemas[provider], body.settings, ["settings"]) as SettingsChangeMap[typeof provider];
    // One change at a time, over the settings the previous one left, after picking up what
    // other instances saved. A request that names the revision it read is refused if the store
    // moved on; one that does not is planned again over the newer settings.
    await ctx.storeSync.exclusive(async () => {
      await ctx.storeSync.syncNow();
      for (let attempt = 1; ; attempt++) {
        if (body.revision !== undefined && body.revision !== runtime.revision) throw staleRevision(body.revision, runtime.revision);
        const plan = planChange(provider, runtime.registry.providerSettings(provider), runtime.stored[provider], change, runtime.envSettings[provider]);
        refuseUnguardable(provider, plan.urls);
        await checkUrls(ctx, plan.urls);
        if (body.verify) {
          const checked = await runVerify(ctx, provider, withoutRetries(provider, plan.settings), plan.urls.length > 0 || overridesHaveUrl(plan.overrides));
          const result = verifyResponse(provider, checked);
          if (!result.ok) {
            throw new HttpError(422, "verification_failed", `The new settings were not saved: ${result.error?.message ?? "the check failed."}`);
          }
        }
        let revision: number;
        try {
          revision = await ctx.store.update(runtime.revision, { ...runtime.stored, [provider]: plan.overrides });
        } catch (err) {
          if (!(err instanceof ConfigConflictError)) throw err;
          // Another instance saved between our read and our write.
          if (body.revision !== undefined || attempt >= 3) throw staleRevision(runtime.revision, err.actual);
          await ctx.storeSync.syncNow();
          continue;
        }
        await runtime.apply(provider, plan.overrides, plan.settings);
        runtime.revision = revision;
        break;
      }
      ctx.logger.info(
        { event: "provider_configured_via_api", provider, fields: Object.keys(change), revision: runtime.revision },
        `Provider '${provider}' settings changed over HTTP (${Object.keys(change).join(", ")}) and saved to ${ctx.store.location}.`,
      );
    });
    const discovery = runtime.registry.discoveryResult();
    return {
      provider,
      saved: true,
      revision: runtime.revision,
      simulated: runtime.simulated,
      status: runtime.registry.status().find((s) => s.provider === provider),
      discovery: discovery ? { ok: discovery.ok, code: discovery.error?.code, tiers: discovery.tiers } : null,
    };
  });
}

/** 409: the change was based on settings another instance or request has replaced since. */
function staleRevision(based: number, now: number): HttpError {
  return new HttpError(
    409,
    "config_conflict",
    `The provider settings changed since revision ${based} (now ${now}); nothing was saved. Read GET /api/providers and send the change again with its revision.`,
  );
}

function withoutRetries<P extends ProviderName>(provider: P, settings: ProviderSettingsMap[P]): ProviderSettingsMap[P] {
  if (provider !== "gateway") return settings;
  const s = settings as ProviderSettingsMap["gateway"];
  return { ...s, gateway: { ...s.gateway, retry: { ...s.gateway.retry, maxRetries: 0 } } } as ProviderSettingsMap[P];
}
