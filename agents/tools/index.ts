/**
 * The agents' toolbox: every tool by name, built from configuration, and a selector that
 * applies a tier's allowlist.
 */
import type { StructuredToolInterface } from "@langchain/core/tools";
import { loadConfig, type AppConfig } from "../../src/config/index.js";
import type { TokenProvider } from "../../src/gateway/token_source.js";
import type { Logger } from "../../src/logging/index.js";
import { MCP_NAME_SEPARATOR, type McpServers } from "../../src/policy/mcp_config.js";
import { McpToolbox, type McpServerStatus } from "./mcp.js";
import { createCalculatorTool } from "./calculator.js";
import { createDateTimeTool, type Clock } from "./datetime.js";
import { createHttpGetTool, type HttpGetSettings } from "./http_get.js";

export { calculate, createCalculatorTool, normaliseExpression, MAX_EXPRESSION_LENGTH } from "./calculator.js";
export { createDateTimeTool, describeDateTime, type Clock } from "./datetime.js";
export { McpToolbox, MCP_DEFAULTS, type McpServerStatus } from "./mcp.js";
export { markBuiltin, sourceOfTool, toolSource, type ToolSource } from "./source.js";
export { approvalOf, declaredApprovals, requireApproval, type ToolApproval } from "./approval.js";
export {
  createHttpGetTool,
  httpGet,
  checkUrl,
  isHostAllowed,
  isLoopbackHost,
  DEFAULT_HTTP_GET_SETTINGS,
  type HttpGetSettings,
} from "./http_get.js";

/** Names of every tool the project ships. */
export const TOOL_NAMES = ["calculator", "current_datetime", "http_get"] as const;

/** Name of one shipped tool. */
export type ToolName = (typeof TOOL_NAMES)[number];

/** Tools by name; http_get is present only when enabled. */
export type Toolbox = Readonly<Partial<Record<ToolName, StructuredToolInterface>>>;

/** What the toolbox is built from. */
export interface ToolboxOptions {
  /** http_get settings; the tool is included only when `enabled` is true. */
  httpGet?: Partial<HttpGetSettings> & { enabled?: boolean };
  /** Clock for current_datetime (tests pass a fixed one). */
  clock?: Clock;
}

/** Toolbox options from the validated configuration (HTTP_GET_* variables). */
export function toolboxOptionsFromConfig(config: AppConfig): ToolboxOptions {
  return { httpGet: { ...config.tools.httpGet } };
}

/**
 * Builds every tool. Without options, settings come from the environment (`loadConfig()`),
 * so http_get stays off unless HTTP_GET_ENABLED=true.
 */
export function createToolbox(options: ToolboxOptions = toolboxOptionsFromConfig(loadConfig())): Toolbox {
  const { enabled = false, ...httpGetSettings } = options.httpGet ?? {};
  const toolbox: Partial<Record<ToolName, StructuredToolInterface>> = {
    calculator: createCalculatorTool(),
    current_datetime: createDateTimeTool(options.clock),
  };
  if (enabled) toolbox.http_get = createHttpGetTool(httpGetSettings);
  return Object.freeze(toolbox);
}

/**
 * Whether `pattern` names `tool`: the exact name, `*` (every tool), `<server>.*` (every tool of
 * an MCP server) or `<server>.<tool>` (one of its tools, named `<server>__<tool>` for models).
 */
export function toolMatches(pattern: string, tool: string): boolean {
  if (pattern === "*" || pattern === tool) return true;
  const dot = pattern.indexOf(".");
  if (dot <= 0) return false;
  const server = pattern.slice(0, dot);
  const rest = pattern.slice(dot + 1);
  return rest === "*" ? tool.startsWith(`${server}${MCP_NAME_SEPARATOR}`) : tool === `${server}${MCP_NAME_SEPARATOR}${rest}`;
}

/**
 * The tools of `toolbox` that `allowedNames` names (names or globs, see `toolMatches`), in
 * toolbox order. `undefined` selects every tool; names not in the toolbox (a disabled
 * http_get, a server that is down) select nothing.
 */
export function selectTools(toolbox: Readonly<Record<string, StructuredToolInterface | undefined>>, allowedNames?: readonly string[]): StructuredToolInterface[] {
  const all = Object.values(toolbox).filter((t): t is StructuredToolInterface => t !== undefined);
  if (allowedNames === undefined || allowedNames.includes("*")) return all;
  return all.filter((t) => allowedNames.some((p) => toolMatches(p, t.name)));
}

/**
 * Why `pattern` names no tool that can exist, or undefined when it is fine: it must be a
 * built-in tool, `*`, or name a configured MCP server (`<server>.*`, `<server>.<tool>`).
 */
export function unknownToolReason(pattern: string, servers: McpServers): string | undefined {
  if (pattern === "*" || (TOOL_NAMES as readonly string[]).includes(pattern)) return undefined;
  const dot = pattern.indexOf(".");
  if (dot > 0) {
    const server = pattern.slice(0, dot);
    return servers[server] ? undefined : `unknown MCP server "${server}"${Object.keys(servers).length ? ` (the servers are ${Object.keys(servers).join(", ")})` : " (declare it under mcp.servers)"}`;
  }
  return `unknown tool "${pattern}" (the built-in tools are ${TOOL_NAMES.join(", ")}; MCP tools are named <server>.<tool> or <server>.*)`;
}

/** A toolbox built from configuration: the built-in tools plus every reachable MCP server's. */
export interface ConfiguredToolbox {
  tools: Readonly<Record<string, StructuredToolInterface | undefined>>;
  /** Each MCP server's state (none configured: empty). */
  servers(): McpServerStatus[];
  /** Closes the MCP connections (stdio servers exit). */
  close(): Promise<void>;
}

/**
 * Builds the whole toolbox from one configuration object: built-ins from `config` (HTTP_GET_*),
 * MCP servers from the policy's `mcp` (the tiers file's `mcp.servers`). Servers that cannot be reached are logged
 * and left out; the rest of the toolbox works.
 */
export async function createConfiguredToolbox(options: {
  config: AppConfig;
  mcp: McpServers;
  logger?: Logger;
  /** The gateway's token provider, for MCP servers with `auth: gateway`. */
  gatewayTokens?: TokenProvider;
}): Promise<ConfiguredToolbox> {
  const builtins = createToolbox(toolboxOptionsFromConfig(options.config));
  if (Object.keys(options.mcp).length === 0) return { tools: builtins, servers: () => [], close: async () => undefined };
  const mcp = await McpToolbox.connect(options.mcp, { logger: options.logger, gatewayTokens: options.gatewayTokens });
  return { tools: Object.freeze({ ...builtins, ...mcp.tools }), servers: () => mcp.status(), close: () => mcp.close() };
}
