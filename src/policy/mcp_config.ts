/**
 * MCP servers whose tools join the toolbox: the schema of the tiers file's `mcp:` section. A
 * server is a child process (stdio) or a streamable-HTTP URL, optionally with OAuth2 client
 * credentials (the gateway's own, or its own). Checked at startup like every other setting;
 * the connection itself is made by agents/tools/mcp.ts.
 */
import { z } from "zod";
import { mayCarryCredentials } from "../net/index.js";

/** Separator between a server's name and its tool's name in the tool name the model sees. */
export const MCP_NAME_SEPARATOR = "__";

const typeError = (message: string) => (issue: { code: string }) => (issue.code === "invalid_type" ? message : undefined);
const SERVER_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const positiveInt = (max: number, unit: string) =>
  z.int({ error: "must be a positive integer" }).positive({ error: "must be a positive integer" }).max(max, { error: `must be at most ${max} ${unit}` });

const common = {
  /** Time one tool call may take (ms). */
  timeoutMs: positiveInt(600_000, "ms").optional(),
  /** Longest tool result passed to the model; longer ones are cut with a marker. */
  maxResultChars: positiveInt(1_000_000, "characters").optional(),
};

const stdioServer = z.strictObject({
  transport: z.literal("stdio"),
  command: z.string({ error: "must be the program to start" }).min(1, { error: "must be the program to start" }),
  args: z.array(z.string({ error: "must be text" }), { error: typeError("must be a list of arguments") }).max(100).optional(),
  env: z.record(z.string(), z.string({ error: "must be text" }), { error: typeError("must map names to values") }).optional(),
  cwd: z.string({ error: "must be a directory" }).optional(),
  ...common,
});

/** https, or plain http to a loopback host (src/net's one rule, with no insecure flag): a credential never goes out in clear text. */
const secureUrl = z.url({ error: "must be a URL" }).refine((u) => mayCarryCredentials(u), {
  error: "must be https (plain http is accepted for loopback hosts only)",
});

const oauth = z.union(
  [
    z.literal("gateway"),
    z.strictObject({
      tokenUrl: secureUrl,
      clientId: z.string().min(1, { error: "must not be empty" }),
      clientSecret: z.string().min(1, { error: "must not be empty" }),
      scope: z.string().optional(),
    }),
  ],
  { error: 'must be "gateway" or { tokenUrl, clientId, clientSecret, scope? }' },
);

const httpServer = z.strictObject({
  transport: z.literal("http"),
  url: secureUrl,
  headers: z.record(z.string(), z.string({ error: "must be text" }), { error: typeError("must map header names to values") }).optional(),
  /** OAuth2 client credentials for the server: the gateway's own client, or its own. */
  auth: oauth.optional(),
  ...common,
});

/** One MCP server. */
export const mcpServerSchema = z.discriminatedUnion("transport", [stdioServer, httpServer], { error: 'must have transport "stdio" (command, args, env, cwd) or "http" (url, headers, auth)' });

/** The `mcp:` section: servers by name. */
export const mcpSectionSchema = z.strictObject({
  servers: z
    .record(z.string(), mcpServerSchema, { error: typeError("must map server names to servers") })
    .superRefine((servers, ctx) => {
      for (const name of Object.keys(servers)) {
        if (!SERVER_NAME.test(name)) ctx.addIssue({ code: "custom", path: [name], message: "must be a server name: a-z, 0-9 and -, at most 32 characters" });
      }
    })
    .refine((s) => Object.keys(s).length <= 32, { error: "must declare at most 32 servers" }),
});

/** One MCP server's settings. */
export type McpServerConfig = z.infer<typeof mcpServerSchema>;
/** MCP servers by name. */
export type McpServers = Readonly<Record<string, McpServerConfig>>;
