import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { offlineEnv } from "../helpers/cli.js";
import { emulator } from "../helpers/gateway.js";
import { ADMIN_KEY, tempDir } from "../integration/server_helpers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tmp = tempDir();
const storePath = join(tmp.dir, "providers.json");
let target: EmulatorHandle;

beforeAll(async () => {
  target = await emulator();
});
afterAll(async () => {
  await target.close();
  tmp.cleanup();
});

interface Child {
  proc: ChildProcess;
  url: Promise<string>;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `node --import tsx src/server/main.ts` on PORT=0 and resolves its URL from the first stdout line. */
function startProcess(extra: Record<string, string> = {}): Child {
  const env = offlineEnv({
    PORT: "0",
    HOST: "127.0.0.1",
    CONFIG_STORE_PATH: storePath,
    CHECKPOINT_SQLITE_PATH: join(tmp.dir, "checkpoints.sqlite"),
    ADMIN_API_KEY: ADMIN_KEY,
    ALLOW_INSECURE_LOOPBACK_PROVIDERS: "true",
    LOG_FORMAT: "json",
    LOG_LEVEL: "info",
    ...extra,
  });
  delete env.API_KEY;
  const proc = spawn(process.execPath, ["--import", "tsx", "src/server/main.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    proc.stdout!.on("data", (d) => {
      stdout += d;
      const line = stdout.split("\n")[0];
      if (stdout.includes("\n")) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${stderr}`)));
  });
  return { proc, url, stderr: () => stderr, exited };
}

async function stop(child: Child, signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  if (child.proc.exitCode === null) child.proc.kill(signal);
  return child.exited;
}

const json = async (res: Awaited<ReturnType<typeof request>>) => (await res.body.json()) as Record<string, unknown>;

describe("npm run serve: configuration survives a restart of the process", () => {
  it("configures the gateway, is killed, restarts on the same store and still uses it", async () => {
    const first = startProcess();
    try {
      const url = await first.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const before = await json(await request(`${url}/api/providers`));
      expect(before.simulated).toBe(true);
      const res = await request(`${url}/api/providers/configure`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-admin-key": ADMIN_KEY },
        body: JSON.stringify({ provider: "gateway", settings: { baseUrl: target.baseUrl, clientId: target.clientId, clientSecret: target.clientSecret } }),
      });
      expect(res.statusCode).toBe(200);
      expect(await json(res)).toMatchObject({ saved: true, simulated: false });
    } finally {
      // Killed outright: what was acknowledged must already be on disk.
      await stop(first, "SIGKILL");
    }
    expect(first.proc.signalCode).toBe("SIGKILL");

    // The store is valid JSON, private to the owner, and holds the change.
    expect(statSync(storePath).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(storePath, "utf8")) as { providers: { gateway: { baseUrl: string } } };
    expect(stored.providers.gateway.baseUrl).toBe(target.baseUrl);

    const second = startProcess();
    try {
      const url = await second.url;
      const providers = await json(await request(`${url}/api/providers`));
      expect(providers.simulated).toBe(false);
      const gateway = (providers.providers as { provider: string; source: string; settings: { baseUrl: string; clientSecret: string } }[]).find((p) => p.provider === "gateway")!;
      expect(gateway).toMatchObject({ source: "store", settings: { baseUrl: target.baseUrl } });
      expect(gateway.settings.clientSecret).not.toBe(target.clientSecret);
      // And it is really used: a run reaches the configured gateway.
      const chats = target.stats().chatRequests;
      const run = await request(`${url}/api/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ task: "What is 12.5% of 3,480?" }) });
      expect(run.statusCode).toBe(200);
      // The configured gateway is itself an emulator, and its answers say so (x-ai-gateway-emulator).
      expect(((await json(run)).result as { simulated: boolean }).simulated).toBe(true);
      expect(target.stats().chatRequests).toBeGreaterThan(chats);
    } finally {
      // A graceful stop exits 0.
      expect(await stop(second)).toBe(0);
    }
    expect(second.stderr()).not.toContain(target.clientSecret);
  }, 120_000);

  it("stops with a clear message on a corrupt store and leaves it untouched", async () => {
    const corrupt = join(tmp.dir, "corrupt.json");
    writeFileSync(corrupt, '{"version":1,"providers":{"openai":{"apiKey":"sk-corrupt-0123456789"', { mode: 0o600 });
    const child = startProcess({ CONFIG_STORE_PATH: corrupt });
    await expect(child.url).rejects.toThrow(/exited \(2\)/);
    expect(child.stderr()).toContain(corrupt);
    expect(child.stderr()).toMatch(/not valid JSON/);
    expect(child.stderr()).not.toContain("sk-corrupt");
    expect(readFileSync(corrupt, "utf8")).toBe('{"version":1,"providers":{"openai":{"apiKey":"sk-corrupt-0123456789"');
  }, 60_000);
});
