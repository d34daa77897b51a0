/**
 * Where a tool comes from, for step events: one the project ships (`builtin`), one of a
 * configured MCP server (`mcp:<server>`), or one the app wrote (`code`). Built-ins are known by
 * the object, not the name, so an app's own tool called `calculator` still shows as code.
 */
import type { StructuredToolInterface } from "@langchain/core/tools";
import { MCP_NAME_SEPARATOR, type McpServers } from "../../src/policy/mcp_config.js";

/** Where a tool comes from: `builtin`, `code` (the app's own), or `mcp:<server>`. */
export type ToolSource = "builtin" | "code" | `mcp:${string}`;

const builtins = new WeakSet<object>();

/** Marks `tool` as one the project ships; the built-in factories call it on what they make. */
export function markBuiltin<T extends object>(tool: T): T {
  builtins.add(tool);
  return tool;
}

/** The MCP server a tool name belongs to (`<server>__<tool>` of a configured server), if any. */
function mcpServerOf(name: string, servers: McpServers): string | undefined {
  const at = name.indexOf(MCP_NAME_SEPARATOR);
  const server = at > 0 ? name.slice(0, at) : undefined;
  return server && servers[server] ? server : undefined;
}

/** The tool's source, read from its name (`<server>__<tool>` is an MCP tool); for toolbox listings, where every other tool is built in. */
export function toolSource(name: string, servers: McpServers): ToolSource {
  const server = mcpServerOf(name, servers);
  return server ? `mcp:${server}` : "builtin";
}

/** The source of a tool object: MCP by its name, built-in when the project made it, else `code`. */
export function sourceOfTool(tool: StructuredToolInterface, servers: McpServers): ToolSource {
  const server = mcpServerOf(tool.name, servers);
  if (server) return `mcp:${server}`;
  return builtins.has(tool) ? "builtin" : "code";
}
