/**
 * The provider-settings store: what an admin changed over HTTP, kept in one JSON file
 * (CONFIG_STORE_PATH, default `.data/providers.json`) and applied over the environment at
 * startup. Writes are atomic (temp file in the same directory, fsync, rename) and the file is
 * mode 0600, because it holds secrets. A corrupt file stops the server with a clear message;
 * it is never overwritten silently.
 *
 * Several server processes may share the file. Each write is a compare-and-swap on the file's
 * `revision`, taken under a lock every process honours (proper-lockfile, a `.lock` directory
 * beside the file that goes stale if its holder dies): a write based on an older revision is
 * refused with ConfigConflictError instead of erasing what another process saved.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import lockfile from "proper-lockfile";
import { z } from "zod";
import type { Logger } from "../logging/index.js";
import { registerSecret } from "../logging/index.js";
import {
  FALLBACK_DESCRIPTOR_LIST,
  storedValue as value,
  type apiKeyStoreEntry,
  type FallbackHttpOutputs,
  type FallbackProviderDescriptor,
  type urlOnlyStoreEntry,
} from "../providers/descriptors/index.js";
import { AIGatewayAgentsError, ConfigurationError } from "../errors.js";

const gatewayEntry = z.strictObject({
  enabled: z.boolean().optional(),
  baseUrl: value,
  tokenUrl: value,
  issuer: value,
  apiPath: value,
  clientId: value,
  clientSecret: value,
  apiKey: value,
  scope: value,
  audience: value,
  resource: value,
  authMethod: z.enum(["client_secret_basic", "client_secret_post"]).nullable().optional(),
});
/**
 * The store document for the gateway and the fallback providers of `list` (each accepts what its
 * descriptor's `http.storeEntry` says). A provider not in the list is an unknown field.
 */
export function storeFileSchema(list: readonly FallbackProviderDescriptor[] = FALLBACK_DESCRIPTOR_LIST) {
  const fallbacks = Object.fromEntries(list.map((d) => [d.name, d.http.storeEntry.optional()]));
  return z.strictObject({
    version: z.literal(1),
    /** Bumped by every write; files written before revisions existed read as 0. */
    revision: z.number().int().nonnegative().optional(),
    updatedAt: z.string().optional(),
    providers: z.strictObject({ gateway: gatewayEntry.optional(), ...fallbacks }),
  });
}

const storeFile = storeFileSchema();

/** Stored gateway overrides; `null` means "cleared" (wins over the environment). */
export type GatewayOverrides = z.output<typeof gatewayEntry>;
/** Stored overrides of a provider with an API key (OpenAI, Anthropic, Gemini). */
export type ApiKeyOverrides = z.output<typeof apiKeyStoreEntry>;
/** Stored overrides of a provider reached by URL alone (Ollama). */
export type OllamaOverrides = z.output<typeof urlOnlyStoreEntry>;

/** Overrides per provider. */
export interface OverridesMap extends FallbackHttpOutputs<"storeEntry"> {
  gateway: GatewayOverrides;
}

/** Everything the store holds: overrides for the providers an admin changed. */
export type StoredProviders = Partial<OverridesMap>;

/** The ConfigurationError (`invalid_provider_store`) for a store that exists but cannot be used; `message` names it and the problem, never a value. */
export function invalidProviderStore(message: string): ConfigurationError {
  return new ConfigurationError("invalid_provider_store", message);
}

/** The store's content at one revision. */
export interface StoreSnapshot {
  providers: StoredProviders;
  revision: number;
}

/** A write based on `expected` found the file at `actual`: another process saved in between. */
export class ConfigConflictError extends AIGatewayAgentsError {
  override readonly name = "ConfigConflictError";
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`The provider settings changed since revision ${expected} (now ${actual}).`, { code: "config_conflict", status: 409 });
  }
}

/** Where provider settings changed over HTTP are kept: a file, or a table of the PostgreSQL database. */
export interface ProviderStore {
  /** What to call it in messages: the file's path, or the database URL with its password masked. */
  readonly location: string;
  /** The stored overrides and their revision. */
  snapshot(): Promise<StoreSnapshot>;
  /** Cheap: changes whenever anyone writes (compared with the previous call's value). */
  fingerprint(): Promise<string>;
  /** Compare-and-swap: writes if the store is at `expected`, else throws ConfigConflictError. */
  update(expected: number, providers: StoredProviders): Promise<number>;
  close(): Promise<void>;
}

/** Checks a stored document and registers its secrets with the log redactor. */
export function parseStored(json: unknown, where: string): StoreSnapshot {
  const parsed = storeFile.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "(file)"}: ${i.code === "unrecognized_keys" ? `unknown field(s) ${i.keys.join(", ")}` : i.message}`);
    throw invalidProviderStore(
      `The provider config store ${where} has an unexpected shape (${problems.slice(0, 5).join("; ")}). Fix it, or move it away to start from the environment only; it was left untouched.`,
    );
  }
  const providers = parsed.data.providers as StoredProviders;
  for (const entry of Object.values(providers)) {
    const e = entry as { clientSecret?: string | null; apiKey?: string | null };
    registerSecret(e.clientSecret);
    registerSecret(e.apiKey);
  }
  return { providers, revision: parsed.data.revision ?? 0 };
}

/** Reads and atomically writes the provider-settings store file. */
export class ConfigStore implements ProviderStore {
  /** Absolute path of the store file. */
  readonly path: string;
  readonly location: string;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    path: string,
    private readonly logger?: Logger,
  ) {
    this.path = resolve(path);
    this.location = this.path;
  }

  async close(): Promise<void> {
    await this.writing;
  }

  /** The stored overrides; empty when the file does not exist. Throws a ConfigurationError (`invalid_provider_store`) when it is corrupt. */
  async load(): Promise<StoredProviders> {
    return (await this.snapshot()).providers;
  }

  /** Tells cheaply whether the file was written since the last call that returned the same text. */
  async fingerprint(): Promise<string> {
    try {
      const s = await stat(this.path);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return "absent";
    }
  }

  /** The stored overrides and their revision (0 for no file). Throws a ConfigurationError (`invalid_provider_store`) when the file is corrupt. */
  async snapshot(): Promise<StoreSnapshot> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { providers: {}, revision: 0 };
      throw invalidProviderStore(`Cannot read the provider config store ${this.path} (${(err as NodeJS.ErrnoException).code ?? "error"}). Check its permissions.`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // The parser's message can quote part of the file, which holds secrets: it is not repeated.
      throw invalidProviderStore(
        `The provider config store ${this.path} is not valid JSON. Fix it, or move it away to start from the environment only; it was left untouched.`,
      );
    }
    const snapshot = parseStored(json, this.path);
    await this.warnIfExposed();
    return snapshot;
  }

  /**
   * Replaces the stored overrides if the file is still at revision `expected`, and returns the
   * new revision; throws ConfigConflictError when another writer got there first. The check and
   * the write happen under a lock shared by every process (and one write at a time in this one).
   */
  update(expected: number, providers: StoredProviders): Promise<number> {
    const run = this.writing.then(async () => {
      const dir = dirname(this.path);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const release = await lockfile.lock(this.path, {
        realpath: false,
        lockfilePath: `${this.path}.lock`,
        stale: 10_000,
        retries: { retries: 100, minTimeout: 10, maxTimeout: 100 },
        onCompromised: (err) => this.logger?.warn({ event: "config_store_lock_lost", path: this.path }, `The lock on ${this.path} was lost: ${err.message}`),
      });
      try {
        const actual = (await this.snapshot()).revision;
        if (actual !== expected) throw new ConfigConflictError(expected, actual);
        await this.write(providers, expected + 1);
        return expected + 1;
      } finally {
        await release().catch(() => undefined);
      }
    });
    // The next write waits for this one, failed or not.
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Temp file (0600) in the same directory, fsync, rename, fsync of the directory. */
  private async write(providers: StoredProviders, revision: number): Promise<void> {
    const dir = dirname(this.path);
    const body = `${JSON.stringify({ version: 1, revision, updatedAt: new Date().toISOString(), providers }, null, 2)}\n`;
    const tmp = join(dir, `.${basename(this.path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
    const handle = await open(tmp, "wx", 0o600);
    try {
      await handle.writeFile(body, "utf8");
      await handle.sync();
    } catch (err) {
      await handle.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await handle.close();
    try {
      // open()'s mode is reduced by the umask; this makes 0600 exact.
      await chmod(tmp, 0o600);
      await rename(tmp, this.path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    // Makes the rename itself durable; not every platform lets a directory be opened for this.
    try {
      const d = await open(dir, "r");
      try {
        await d.sync();
      } finally {
        await d.close();
      }
    } catch {
      // best effort
    }
  }

  private async warnIfExposed(): Promise<void> {
    try {
      const { mode } = await stat(this.path);
      if (mode & 0o077) {
        this.logger?.warn(
          { event: "config_store_permissions", path: this.path, mode: (mode & 0o777).toString(8) },
          `The provider config store ${this.path} is readable by other users; it holds secrets. Run chmod 600 on it.`,
        );
      }
    } catch {
      // stat failing right after a successful read is not worth failing startup for
    }
  }
}
