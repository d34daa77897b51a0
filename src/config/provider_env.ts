/**
 * The environment half of each fallback provider's descriptor (src/providers/descriptors): which
 * variables it reads and what they mean. It lives here because configuration is the bottom
 * layer and must not import the providers; everything else about a provider (label, default
 * URL and models, chat-model factory, verify probe, HTTP settings) is in its descriptor file.
 * The env schema, `.env.example` check, `AppConfig.providers` and the secret list derive from it.
 */
import { optionalString, optionalUrl } from "./env_fields.js";

/** How a variable is read: a secret (never printed), an http(s) URL (trailing slashes dropped), or plain text. */
export type ProviderEnvKind = "secret" | "url" | "text";

/** One environment variable of a fallback provider. */
export interface ProviderEnvVar {
  /** The variable's name, e.g. OPENAI_API_KEY. */
  readonly name: string;
  readonly kind: ProviderEnvKind;
  /** One line for the schema's reader (`.env.example` carries its own comment). */
  readonly doc: string;
}

/**
 * The settings a provider's variables fill: `apiKey` (setting it makes the provider take part),
 * `baseUrl` (for a provider without a key, setting it does), and `model` (used for every tier).
 */
export interface ProviderEnvSpec {
  readonly apiKey?: ProviderEnvVar;
  readonly baseUrl?: ProviderEnvVar;
  readonly model?: ProviderEnvVar;
}

/** The fallback providers' variables, in the default fallback order (after the gateway). */
export const FALLBACK_PROVIDER_ENV = {
  openai: {
    apiKey: { name: "OPENAI_API_KEY", kind: "secret", doc: "OpenAI API key; setting it makes OpenAI a fallback provider." },
    baseUrl: { name: "OPENAI_BASE_URL", kind: "url", doc: "OpenAI-compatible API base URL (default https://api.openai.com/v1)." },
  },
  anthropic: {
    apiKey: { name: "ANTHROPIC_API_KEY", kind: "secret", doc: "Anthropic API key; setting it makes Anthropic a fallback provider." },
    baseUrl: { name: "ANTHROPIC_BASE_URL", kind: "url", doc: "Anthropic API base URL without /v1 (default https://api.anthropic.com)." },
  },
  google: {
    apiKey: { name: "GOOGLE_API_KEY", kind: "secret", doc: "Google Gemini API key; setting it makes Gemini a fallback provider." },
    baseUrl: { name: "GOOGLE_BASE_URL", kind: "url", doc: "Gemini API base URL without the version (default https://generativelanguage.googleapis.com)." },
  },
  ollama: {
    baseUrl: { name: "OLLAMA_BASE_URL", kind: "url", doc: "Ollama server URL, e.g. http://127.0.0.1:11434; setting it makes the local model a fallback provider." },
    model: { name: "OLLAMA_MODEL", kind: "text", doc: "Ollama model used for every tier." },
  },
} as const satisfies Record<string, ProviderEnvSpec>;

/** Name of a fallback provider (every provider but the gateway). */
export type FallbackProviderName = keyof typeof FALLBACK_PROVIDER_ENV;

/** The fallback providers' names, in the default fallback order. */
export const FALLBACK_PROVIDER_NAMES = Object.keys(FALLBACK_PROVIDER_ENV) as FallbackProviderName[];

type SpecVarNames<E> = { [F in keyof E]: E[F] extends ProviderEnvVar ? E[F]["name"] : never }[keyof E];

/** The names of the variables of every provider in `S`. */
export type ProviderEnvVarNames<S extends Record<string, ProviderEnvSpec>> = { [P in keyof S]: SpecVarNames<S[P]> }[keyof S];

/** The values a provider's variables give, by setting (`{ apiKey?, baseUrl? }` for OpenAI). */
export type ProviderEnvValues<E> = { [F in keyof E]?: string };

/** The values of every provider in `S`, by provider. */
export type ProviderEnvConfig<S extends Record<string, ProviderEnvSpec>> = { [P in keyof S]: ProviderEnvValues<S[P]> };

const varsOf = (spec: ProviderEnvSpec): [keyof ProviderEnvSpec, ProviderEnvVar][] =>
  Object.entries(spec).filter((e): e is [keyof ProviderEnvSpec, ProviderEnvVar] => e[1] !== undefined);

/** The zod fields of every variable in `specs`, for the env schema. */
export function providerEnvShape<S extends Record<string, ProviderEnvSpec>>(specs: S): Record<ProviderEnvVarNames<S>, typeof optionalString | typeof optionalUrl> {
  const shape: Record<string, typeof optionalString | typeof optionalUrl> = {};
  for (const spec of Object.values(specs)) for (const [, v] of varsOf(spec)) shape[v.name] = v.kind === "url" ? optionalUrl : optionalString;
  return shape as Record<ProviderEnvVarNames<S>, typeof optionalString | typeof optionalUrl>;
}

/** Each provider's settings from parsed variables; URLs lose their trailing slashes. */
export function providerEnvConfig<S extends Record<string, ProviderEnvSpec>>(specs: S, env: Readonly<Record<string, unknown>>): ProviderEnvConfig<S> {
  const out: Record<string, Record<string, string | undefined>> = {};
  for (const [provider, spec] of Object.entries(specs)) {
    const values: Record<string, string | undefined> = {};
    for (const [field, v] of varsOf(spec)) {
      const raw = env[v.name];
      const value = typeof raw === "string" ? raw : undefined;
      values[field] = value !== undefined && v.kind === "url" ? value.replace(/\/+$/, "") : value;
    }
    out[provider] = values;
  }
  return out as ProviderEnvConfig<S>;
}

/** Names of the variables in `specs` that hold secrets. */
export function providerSecretVars(specs: Record<string, ProviderEnvSpec>): string[] {
  return Object.values(specs).flatMap((spec) => varsOf(spec).filter(([, v]) => v.kind === "secret").map(([, v]) => v.name));
}
