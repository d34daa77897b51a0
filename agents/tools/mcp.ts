/**
 * Tools from MCP servers. Each configured server gets an official SDK client (stdio child or
 * streamable HTTP); `@langchain/mcp-adapters` turns its tool list into LangChain tools, named
 * `<server>__<tool>` so names never collide (a dot is not allowed in the function names
 * OpenAI-compatible APIs take). Every call goes through this module: it reconnects a server
 * that went away, bounds the call's time, caps the result with a marker, and turns a dead or
 * hanging server into one error for that call while the rest of the toolbox works.
 */
import type { StructuredToolInterface } from "@langchain/core/tools";
import { DynamicStructuredTool } from "@langchain/core/tools";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ClientCredentialsTokenSource, type TokenProvider } from "../../src/gateway/token_source.js";
import { getLogger, isSecretKey, registerSecret, type Logger } from "../../src/logging/index.js";
import { MCP_NAME_SEPARATOR, type McpServerConfig, type McpServers } from "../../src/policy/mcp_config.js";
import { PACKAGE_NAME, packageVersion } from "../../src/config/package_info.js";

/** Env and header names that carry a credential. */
const CREDENTIAL_NAME = /token|secret|password|passwd|api[-_]?key|auth|credential|cookie/i;

/** Defaults of a server's calls. */
export const MCP_DEFAULTS = { timeoutMs: 30_000, maxResultChars: 20_000, connectTimeoutMs: 10_000 } as const;

/** How a server stands, for `npm start -- tools` and logs. */
export interface McpServerStatus {
  server: string;
  transport: "stdio" | "http";
  state: "up" | "down";
  tools: string[];
  /** Why it is down (our own words). */
  error?: string;
}

/** What the toolbox needs to reach the servers. */
export interface McpToolboxOptions {
  logger?: Logger;
  /** Token provider for servers with `auth: gateway` (the gateway's own client). */
  gatewayTokens?: TokenProvider;
}

interface Connection {
  client?: Client;
  connecting?: Promise<Client>;
}

/** The MCP servers of a configuration, their tools, and their lifecycle. */
export class McpToolbox {
  private readonly connections = new Map<string, Connection>();
  private readonly statuses = new Map<string, McpServerStatus>();
  private readonly tokens = new Map<string, TokenProvider>();
  private readonly logger: Logger;
  private closed = false;
  /** Every MCP tool, by its model-facing name. */
  readonly tools: Record<string, StructuredToolInterface> = {};

  private constructor(private readonly servers: McpServers, private readonly options: McpToolboxOptions) {
    this.logger = options.logger ?? getLogger();
  }

  /** Connects to every server and lists its tools; a server that cannot be reached is logged and left out. */
  static async connect(servers: McpServers, options: McpToolboxOptions = {}): Promise<McpToolbox> {
    const box = new McpToolbox(servers, options);
    await Promise.all(Object.keys(servers).map((name) => box.load(name)));
    return box;
  }

  /** Each server's state and tools. */
  status(): McpServerStatus[] {
    return Object.keys(this.servers).map((s) => this.statuses.get(s) ?? { server: s, transport: this.servers[s].transport, state: "down", tools: [] });
  }

  /** Closes every connection (stdio children exit). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.connections.values()].map((c) => c.client?.close().catch(() => undefined)));
    this.connections.clear();
  }

  private async load(server: string): Promise<void> {
    const config = this.servers[server];
    try {
      const client = await this.client(server);
      const { loadMcpTools } = await import("@langchain/mcp-adapters");
      const loaded = await loadMcpTools(server, client as never, { prefixToolNameWithServerName: true, throwOnLoadError: false });
      for (const t of loaded) this.tools[t.name] = this.wrap(server, config, t);
      this.statuses.set(server, { server, transport: config.transport, state: "up", tools: loaded.map((t) => t.name) });
    } catch (err) {
      const error = describe(err);
      this.statuses.set(server, { server, transport: config.transport, state: "down", tools: [], error });
      this.logger.warn({ event: "mcp_server_down", server }, `MCP server '${server}' is not available (${error}); its tools are left out.`);
    }
  }

  /** The connected client of `server`, connecting (again) when there is none. */
  private async client(server: string): Promise<Client> {
    if (this.closed) throw new Error("the toolbox is closed");
    const conn = this.connections.get(server) ?? {};
    this.connections.set(server, conn);
    if (conn.client) return conn.client;
    conn.connecting ??= this.open(server).then(
      (client) => {
        conn.client = client;
        conn.connecting = undefined;
        // A transport that closes (the child exited, the server went away) is reopened on the next call.
        client.onclose = () => {
          if (conn.client === client) conn.client = undefined;
        };
        return client;
      },
      (err: unknown) => {
        conn.connecting = undefined;
        throw err;
      },
    );
    return conn.connecting;
  }

  private async open(server: string): Promise<Client> {
    const config = this.servers[server];
    // The MCP SDK loads with the first server, not in every process.
    const [{ Client }, { StdioClientTransport }, { StreamableHTTPClientTransport }] = await Promise.all([
      import("@modelcontextprotocol/sdk/client/index.js"),
      import("@modelcontextprotocol/sdk/client/stdio.js"),
      import("@modelcontextprotocol/sdk/client/streamableHttp.js"),
    ]);
    const client = new Client({ name: PACKAGE_NAME, version: packageVersion() });
    const transport =
      config.transport === "stdio"
        ? new StdioClientTransport({ command: config.command, args: config.args, env: { ...inheritedEnv(), ...config.env }, cwd: config.cwd, stderr: "ignore" })
        : new StreamableHTTPClientTransport(new URL(config.url), { fetch: this.authorizedFetch(server, config) });
    // Credentials in a server's env or headers (GITHUB_TOKEN, Authorization, ...) stay out of the logs.
    const given = config.transport === "stdio" ? (config.env ?? {}) : (config.headers ?? {});
    for (const [k, v] of Object.entries(given)) if (isSecretKey(k) || CREDENTIAL_NAME.test(k)) registerSecret(v);
    if (config.transport === "http" && config.auth && config.auth !== "gateway") registerSecret(config.auth.clientSecret);
    await withTimeout(client.connect(transport), MCP_DEFAULTS.connectTimeoutMs, `connecting took over ${MCP_DEFAULTS.connectTimeoutMs / 1000} s`);
    return client;
  }

  /** fetch for an HTTP server: its headers, and a bearer token when it has `auth`. */
  private authorizedFetch(server: string, config: Extract<McpServerConfig, { transport: "http" }>): typeof fetch {
    const tokens = this.tokenProvider(server, config);
    return async (input, init) => {
      const headers = new Headers(init?.headers);
      for (const [k, v] of Object.entries(config.headers ?? {})) headers.set(k, v);
      if (tokens) headers.set("authorization", `Bearer ${await tokens.getToken()}`);
      return fetch(input, { ...init, headers, redirect: "error" });
    };
  }

  private tokenProvider(server: string, config: Extract<McpServerConfig, { transport: "http" }>): TokenProvider | undefined {
    if (!config.auth) return undefined;
    if (config.auth === "gateway") {
      if (!this.options.gatewayTokens) throw new Error("auth: gateway needs the gateway's OAuth2 client (AI_GATEWAY_CLIENT_ID and AI_GATEWAY_CLIENT_SECRET)");
      return this.options.gatewayTokens;
    }
    let source = this.tokens.get(server);
    if (!source) {
      const { tokenUrl, clientId, clientSecret, scope } = config.auth;
      source = new ClientCredentialsTokenSource({ tokenUrl, clientId, clientSecret, scope });
      this.tokens.set(server, source);
    }
    return source;
  }

  /** The tool the agents get: the adapter's name, description and schema, our call path. */
  private wrap(server: string, config: McpServerConfig, loaded: StructuredToolInterface): StructuredToolInterface {
    const remoteName = loaded.name.slice(server.length + MCP_NAME_SEPARATOR.length);
    const timeoutMs = config.timeoutMs ?? MCP_DEFAULTS.timeoutMs;
    const maxChars = config.maxResultChars ?? MCP_DEFAULTS.maxResultChars;
    return new DynamicStructuredTool({
      name: loaded.name,
      description: loaded.description,
      schema: loaded.schema as never,
      func: async (args: Record<string, unknown>, _run, runConfig) => {
        const signal = runConfig?.signal ? AbortSignal.any([runConfig.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
        let result: { content?: unknown; isError?: boolean };
        try {
          const client = await this.client(server);
          result = (await client.callTool({ name: remoteName, arguments: args }, undefined, { signal, timeout: timeoutMs })) as typeof result;
        } catch (err) {
          if (runConfig?.signal?.aborted) throw err;
          const why = signal.aborted ? `did not answer within ${Math.round(timeoutMs / 1000)} s` : describe(err);
          this.logger.warn({ event: "mcp_call_failed", server, tool: remoteName }, `MCP tool '${loaded.name}' failed: ${why}`);
          throw new Error(`the MCP server '${server}' ${signal.aborted ? why : `failed: ${why}`}`);
        }
        const text = contentText(result.content);
        const capped = text.length > maxChars ? `${text.slice(0, maxChars)}\n[cut: the result was ${text.length} characters; the limit is ${maxChars}]` : text;
        if (result.isError) throw new Error(capped || "the tool reported an error");
        return capped;
      },
    });
  }
}

/** The text of an MCP result's content blocks (other kinds are named, not inlined). */
function contentText(content: unknown): string {
  if (!Array.isArray(content)) return "";
  return content
    .map((b: { type?: string; text?: string }) => (b.type === "text" && typeof b.text === "string" ? b.text : `[${b.type ?? "unknown"} content]`))
    .join("\n");
}

/** The child's environment: PATH and the like, never this process's secrets. */
function inheritedEnv(): Record<string, string> {
  const keep = ["PATH", "HOME", "LANG", "TMPDIR", "TEMP", "SystemRoot", "NODE_OPTIONS"];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k] as string]));
}

/** A one-line reason without stack frames or secrets. */
function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0].slice(0, 200) || "unknown error";
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
