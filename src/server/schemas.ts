/**
 * zod schemas of the request bodies. Every object is strict (unknown fields are rejected) and
 * every string is bounded. URLs are only shape-checked here; the SSRF guard decides whether
 * one may be used.
 */
import { z } from "zod";
import { PRINCIPAL_NAME } from "../policy/budget_config.js";
import { MULTITASK_STRATEGIES, PROVIDER_NAMES, TIER_NAMES } from "../config/index.js";
import { APPROVAL_DECISIONS } from "../policy/agent_config.js";
import { ROUTING_MODES } from "../policy/routing_rules.js";
import type { ProviderName } from "../providers/types.js";
import {
  httpSchemasByProvider,
  nullable,
  requestSecret as secret,
  requestUrl as url,
  type FallbackHttpMap,
  type FallbackHttpOutputs,
} from "../providers/descriptors/index.js";

// The fallback providers' schemas live with their descriptors (providers/descriptors/http_schemas.ts).
export {
  apiKeyCredentials,
  apiKeySettingsChange,
  urlOnlyCredentials as ollamaCredentials,
  urlOnlySettingsChange as ollamaSettingsChange,
} from "../providers/descriptors/index.js";

const text = (max: number) => z.string().trim().min(1).max(max);
const apiPath = z
  .string()
  .trim()
  .max(200)
  .regex(/^\/?([A-Za-z0-9._~-]+\/?)*$/, { error: "must be a path such as /v1 (use / for the root)" })
  // A "." or ".." segment would resolve outside the base URL it is meant to sit under.
  .refine((p) => !p.split("/").some((segment) => segment === "." || segment === ".."), { error: "must not contain . or .. segments" });
const authMethod = z.enum(["client_secret_basic", "client_secret_post"]);

/** Provider names accepted in requests; `ai_gateway` is the legacy name of `gateway`. */
export const providerName = z.enum([...PROVIDER_NAMES, "ai_gateway"]).transform((p): ProviderName => (p === "ai_gateway" ? "gateway" : p));

/** Gateway credentials to test: OAuth2 (clientId + clientSecret) or a static apiKey. */
export const gatewayCredentials = z
  .strictObject({
    baseUrl: url.optional(),
    tokenUrl: url.optional(),
    apiPath: apiPath.optional(),
    clientId: text(512).optional(),
    clientSecret: secret.optional(),
    apiKey: secret.optional(),
    scope: text(1_024).optional(),
    audience: text(1_024).optional(),
    resource: text(1_024).optional(),
    authMethod: authMethod.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.apiKey && (c.clientId || c.clientSecret)) {
      ctx.addIssue({ code: "custom", path: ["apiKey"], message: "send either clientId + clientSecret or apiKey, not both" });
    } else if (!c.apiKey && !c.clientSecret) {
      ctx.addIssue({ code: "custom", path: ["clientSecret"], message: "is required (or send apiKey)" });
    } else if (c.clientSecret && !c.clientId) {
      ctx.addIssue({ code: "custom", path: ["clientId"], message: "is required with clientSecret" });
    }
    if (c.tokenUrl && !c.baseUrl) ctx.addIssue({ code: "custom", path: ["baseUrl"], message: "is required when tokenUrl is given" });
  });

/** Credentials per provider, for the new verify shape; the fallback providers' come from their descriptors. */
export const credentialsSchemas = {
  gateway: gatewayCredentials,
  ...(httpSchemasByProvider("credentials") as FallbackHttpMap<"credentials">),
};

/** Verify request, new shape: `{ provider, credentials? }` (without credentials the current settings are tested). */
export const verifyBody = z.strictObject({ provider: providerName, credentials: z.unknown().optional() });

/** Verify request, legacy shape: `{ provider: "ai_gateway", api_key: <client id>, client_secret, base_url?, token_url? }`. */
export const legacyVerifyBody = z.strictObject({
  provider: providerName,
  api_key: secret.optional(),
  client_secret: secret.optional(),
  base_url: url.optional(),
  token_url: url.optional(),
});

/** Whether a verify body uses the legacy snake_case shape. */
export function isLegacyVerifyBody(body: unknown): boolean {
  if (!body || typeof body !== "object" || Array.isArray(body)) return false;
  const keys = Object.keys(body);
  if (keys.includes("credentials")) return false;
  return keys.some((k) => k === "api_key" || k === "client_secret" || k === "base_url" || k === "token_url") || (body as { provider?: unknown }).provider === "ai_gateway";
}

/** Gateway settings an admin may change; `null` clears a field (back to the default). */
export const gatewaySettingsChange = z.strictObject({
  enabled: z.boolean().optional(),
  baseUrl: url.optional(),
  tokenUrl: nullable(url),
  apiPath: apiPath.optional(),
  clientId: text(512).optional(),
  clientSecret: secret.optional(),
  apiKey: secret.optional(),
  scope: nullable(text(1_024)),
  audience: nullable(text(1_024)),
  resource: nullable(text(1_024)),
  authMethod: authMethod.optional(),
});

/** Changes per provider; the fallback providers' come from their descriptors. */
export const settingsChangeSchemas = {
  gateway: gatewaySettingsChange,
  ...(httpSchemasByProvider("settingsChange") as FallbackHttpMap<"settingsChange">),
};

/** A change of each provider's settings. */
export interface SettingsChangeMap extends FallbackHttpOutputs<"settingsChange"> {
  gateway: z.output<typeof gatewaySettingsChange>;
}

/** Credentials to test, per provider. */
export interface CredentialsMap extends FallbackHttpOutputs<"credentials"> {
  gateway: z.output<typeof gatewayCredentials>;
}

/** Configure request: `{ provider, settings, verify? }`; with `verify: true` nothing is saved unless the check passes. */
export const configureBody = z.strictObject({
  provider: providerName,
  settings: z.record(z.string(), z.unknown()).refine((s) => Object.keys(s).length > 0, { message: "must change at least one field" }),
  verify: z.boolean().optional(),
  /** The store revision the change is based on (GET /api/providers); a newer store refuses it with 409. */
  revision: z.number({ error: "must be the revision number from GET /api/providers" }).int({ error: "must be a whole number" }).nonnegative().optional(),
});

/** Thread ids: what `randomUUID()` makes, or any short id of safe characters. */
export const threadId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, {
  error: "must be 1-128 letters, digits, '.', '_', ':' or '-'",
});

/**
 * A run's `metadata`: string values whose keys AI_GATEWAY_METADATA_HEADERS maps to gateway
 * headers (checked against that mapping when the run starts).
 */
export const runMetadata = z
  .record(z.string().min(1).max(64), z.string({ error: "must be a string" }).max(1_024, { error: "must be at most 1024 characters" }), { error: "must be an object of string values" })
  .refine((m) => Object.keys(m).length <= 16, { error: "must have at most 16 keys" });

/** Run request: a task and/or messages, plus an optional thread, tier, agent, plan switch and routing mode. */
/** A user id, as runs and resumes name who they are for. */
const userId = z.string({ error: "must be a user id" }).regex(PRINCIPAL_NAME, { error: "must be 1 to 128 letters, digits or _ . @ : - (starting with a letter or digit)" });

export const runBody = z
  .strictObject({
    task: text(20_000).optional(),
    messages: z
      .array(z.strictObject({ role: z.enum(["user", "assistant", "system"]), content: z.string().max(20_000) }))
      .min(1)
      .max(200)
      .optional(),
    threadId: threadId.optional(),
    tier: z.enum(TIER_NAMES).optional(),
    /** A specialist agent to hand the task to. */
    agent: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, { error: "must be an agent name (a-z, 0-9, _; at most 40 characters)" }).optional(),
    routingMode: z.enum(ROUTING_MODES).optional(),
    /** Split the task into subtasks that run in parallel. */
    plan: z.boolean().optional(),
    /** The user the run is for: its usage is recorded against them and their budgets apply. */
    user: userId.optional(),
    /** What to do when another run holds the thread (default RUN_MULTITASK_STRATEGY). */
    multitaskStrategy: z.enum(MULTITASK_STRATEGIES, { error: `must be one of ${MULTITASK_STRATEGIES.join(", ")}` }).optional(),
    /** Values sent to the gateway as the headers AI_GATEWAY_METADATA_HEADERS names (end user, cost centre). */
    metadata: runMetadata.optional(),
  })
  .superRefine((b, ctx) => {
    if (!b.task && !b.messages) ctx.addIssue({ code: "custom", path: ["task"], message: "is required (or send messages)" });
    else if (!b.task && !b.messages?.some((m) => m.role === "user" && m.content.trim() !== "")) {
      ctx.addIssue({ code: "custom", path: ["messages"], message: "must contain a user message with text" });
    }
  });

/** A parsed run request. */
export type RunRequest = z.output<typeof runBody>;

/** Query of `GET /api/threads`: how many recent threads to list. */
export const threadListQuery = z.strictObject({
  limit: z.coerce.number({ error: "must be a number from 1 to 50" }).int({ error: "must be a number from 1 to 50" }).min(1, { error: "must be a number from 1 to 50" }).max(50, { error: "must be a number from 1 to 50" }).default(20),
});

/** Path parameters of `GET /api/threads/:id`. */
export const threadParams = z.strictObject({ id: threadId });

const decision = z.enum(APPROVAL_DECISIONS);
const approvalArgs = z.record(z.string(), z.unknown(), { error: "must be a JSON object of the tool's arguments" });
const reason = z.string().max(2_000, { error: "must be at most 2000 characters" });

/** One decision on a waiting tool call. */
const decisionBody = z.strictObject({ decision, args: approvalArgs.optional(), reason: reason.optional() });

/**
 * Resume request: one decision for every waiting call (`{decision, args?, reason?}`), or one
 * per call in order (`{decisions: [...]}`).
 */
export const resumeBody = z
  .strictObject({
    decision: decision.optional(),
    /** As in a run request: the user the resumed run is for (their budgets are checked, their usage recorded). */
    user: userId.optional(),
    args: approvalArgs.optional(),
    reason: reason.optional(),
    decisions: z.array(decisionBody).min(1).max(50).optional(),
    /** As in a run request: gateway headers for the resumed run's calls. */
    metadata: runMetadata.optional(),
  })
  .superRefine((b, ctx) => {
    if (!b.decision && !b.decisions) ctx.addIssue({ code: "custom", path: ["decision"], message: `is required: one of ${APPROVAL_DECISIONS.join(", ")}` });
    if (b.decision && b.decisions) ctx.addIssue({ code: "custom", path: ["decisions"], message: "give either decision or decisions, not both" });
  });
