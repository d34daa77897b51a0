/** Helpers of the MCP tests: HTTP servers and registries on one emulator per file, SDK clients, run_task calls. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemorySaver } from "@langchain/langgraph";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import type { ProviderRegistry } from "../../src/providers/index.js";
import type { resolveTiersFile } from "../../src/policy/tier_config.js";
import type { Policy } from "../../src/policy/policy.js";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { emulator, runtimeOnEmulator, silentLogger } from "./gateway.js";

/** Content of a tiers file. */
type Tiers = Parameters<typeof resolveTiersFile>[0];

/** `run_task`'s structured content, as the tests read it. */
export interface RunTaskOutput {
  status: string;
  answer?: string;
  threadId: string;
  route?: { tier: string; agent: string; source: string; reason: string };
  usage?: { total: { total: number }; costUsd: number; premiumOnlyCostUsd: number; perTier: Record<string, { calls: number }> };
  waitingFor?: { tool: string; callId: string }[];
  simulated: boolean;
}

/**
 * Starts an emulator and a temp directory before the file's tests; closes every client, server
 * and registry made through it after them.
 */
export function mcpFixture() {
  let dir = "";
  let emu: EmulatorHandle | undefined;
  const servers: RunningServer[] = [];
  const registries: ProviderRegistry[] = [];
  const clients: Client[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-test-"));
    emu = await emulator();
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    for (const s of servers) await s.close();
    for (const r of registries) await r.close();
    await emu?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A registry on `on` (default the file's emulator) and the policy, from the given tiers-file content. */
  const runtimeOn = async (tiers: Tiers = {}, on?: EmulatorHandle): Promise<{ registry: ProviderRegistry; policy: Policy }> => {
    const runtime = await runtimeOnEmulator(on ?? emu!, tiers);
    registries.push(runtime.registry);
    return runtime;
  };

  return {
    /** The temp directory of this file. */
    get dir(): string {
      return dir;
    },
    runtimeOn,
    /** The HTTP server on a loopback port (closed after the file unless the test closes it). */
    async serve(options: { env?: Record<string, string>; tiers?: Tiers; on?: EmulatorHandle } = {}): Promise<RunningServer> {
      const server = await startServer({
        env: { CONFIG_STORE_PATH: join(dir, `providers-${servers.length}.json`), ...options.env },
        ...(await runtimeOn(options.tiers, options.on)),
        simulated: true,
        checkpointer: new MemorySaver(),
        logger: silentLogger,
        port: 0,
        host: "127.0.0.1",
      });
      servers.push(server);
      return server;
    },
    /** A client connected over Streamable HTTP to `${server.url}/mcp`. */
    async httpClient(server: RunningServer, headers: Record<string, string> = {}): Promise<Client> {
      const client = new Client({ name: "mcp-test", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }));
      clients.push(client);
      return client;
    },
  };
}

/** Calls run_task, collecting its progress notifications. */
export async function runTask(client: Client, args: Record<string, unknown>, signal?: AbortSignal) {
  const progress: Progress[] = [];
  const result = await client.callTool({ name: "run_task", arguments: args }, undefined, { onprogress: (p) => progress.push(p), signal });
  const text = (result.content as { type: string; text: string }[])[0]?.text ?? "";
  return { result, text, structured: result.structuredContent as RunTaskOutput | undefined, progress };
}
