/**
 * Generated parts of the docs: the configuration reference in docs/configuration.md (from
 * .env.example, which a test keeps equal to the zod schema), the orchestrator diagram in
 * docs/orchestrator.md (the graph's own mermaid output) and the discovery rank table in
 * docs/gateway-setup.md (from the family table discovery ranks by).
 * `npm run docs` rewrites them; test/unit/readme.test.ts fails when they are stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { defineAgent } from "../agents/define_agent.js";
import { createOrchestrator } from "../graphs/orchestrator/graph.js";
import { envSchema } from "../src/config/index.js";
import { createLogger } from "../src/logging/index.js";
import { ProviderRegistry, type ModelVariant } from "../src/providers/index.js";
import { MODEL_FAMILIES, PARAMETER_SIZES, type FamilyRule } from "../src/providers/model_families.js";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Each variable's accepted values, read from the zod schema's input side ("string" when it says no more). */
function variableTypes(): Record<string, string> {
  const json = z.toJSONSchema(envSchema, { io: "input", unrepresentable: "any" }) as { properties?: Record<string, { type?: string; enum?: unknown[]; minimum?: number }> };
  const types: Record<string, string> = {};
  for (const [name, field] of Object.entries(json.properties ?? {})) {
    if (field.enum) types[name] = field.enum.map((v) => `\`${String(v)}\``).join(", ");
    else if (field.type === "integer") types[name] = field.minimum !== undefined ? `integer ≥ ${field.minimum}` : "integer";
    else types[name] = field.type ?? "string";
  }
  return types;
}

/** Markdown table of every variable in .env.example: name, type, default, meaning, grouped by section. */
export function configReference(envExample = readFileSync(`${root}/.env.example`, "utf8")): string {
  const types = variableTypes();
  const out: string[] = [];
  let comment = "";
  for (const line of envExample.split("\n")) {
    const section = /^# --- (.+) ---$/.exec(line);
    if (section) {
      out.push("", `**${section[1]}**`, "", "| variable | type | default | meaning |", "|---|---|---|---|");
      continue;
    }
    if (line.startsWith("# ")) {
      comment = line.slice(2);
      continue;
    }
    const entry = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (entry) {
      const value = entry[2] === "" ? "" : `\`${entry[2]}\``;
      // Flags are strings to zod (it reads "true"/"false"); their default says they are booleans.
      const type = entry[2] === "true" || entry[2] === "false" ? "boolean" : (types[entry[1]] ?? "string");
      out.push(`| \`${entry[1]}\` | ${type} | ${value} | ${comment.replace(/\|/g, "\\|")} |`);
      comment = "";
    }
  }
  return out.join("\n").trim();
}

/** The orchestrator graph as mermaid, exactly as LangGraph draws it, with the tiers-file example's two specialists. */
export async function graphDiagram(): Promise<string> {
  // Drawing runs no node: a registry with no provider configured is enough.
  const registry = await ProviderRegistry.create({ env: {}, logger: createLogger({ level: "silent", format: "json" }), discovery: { enabled: false } });
  try {
    const agents = [
      defineAgent({ name: "researcher", description: "Finds facts on the web and cites the pages it read", tiers: ["standard", "premium"] }),
      defineAgent({ name: "writer", description: "Writes letters, emails and summaries in a friendly tone", tier: "fast" }),
    ];
    const drawable = await createOrchestrator({ registry, agents }).getGraphAsync();
    return ["```mermaid", drawable.drawMermaid().trim(), "```"].join("\n");
  } finally {
    await registry.close();
  }
}

const GRADES: Record<ModelVariant, string> = { pro: "premium", base: "standard", chat: "fast", mini: "fast", nano: "smallest" };

/** Discovery's rank table: per family, the words marking each grade, and how parameter counts grade a model. */
export function rankTable(): string {
  const words = (rule: FamilyRule, variant: ModelVariant) =>
    Object.entries(rule.sizes)
      .filter(([, v]) => v === variant)
      .map(([w]) => `\`${w}\``);
  const cell = (list: string[]) => list.join(", ") || "—";
  const rows = MODEL_FAMILIES.map((rule) => {
    const fast = [...words(rule, "mini"), ...words(rule, "chat").map((w) => `${w} (after a mini)`)];
    const newer = rule.premiumByMajor ? "major version" : "version";
    return `| ${rule.name} | ${rule.vendor} | ${cell(words(rule, "pro"))} | ${cell(words(rule, "base"))} | ${cell(fast)} | ${cell(words(rule, "nano"))} | ${GRADES[rule.plain ?? "base"]} | ${newer} |`;
  });
  let below = 0;
  const counts = PARAMETER_SIZES.map(([max, variant]) => {
    const range = max === Infinity ? `above ${below}b` : `up to ${max}b`;
    below = max;
    return `${range} ${GRADES[variant]}`;
  });
  return [
    "| family | vendor | premium | standard | fast | smallest | id without a size word | premium as new as standard, by |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    `Parameter counts (\`8b\`, \`70b\`, \`8x7b\`) grade a model too: ${counts.join(", ")}. When an id has both a size word and a count, the smaller grade wins.`,
  ].join("\n");
}

/** Replaces the text between `<!-- BEGIN name -->` and `<!-- END name -->`; `file` names the document in the error. */
export function replaceSection(text: string, name: string, body: string, file = "the document"): string {
  const begin = `<!-- BEGIN ${name} (generated by npm run docs) -->`;
  const end = `<!-- END ${name} -->`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${file} has no ${name} section markers`);
  return `${text.slice(0, i + begin.length)}\n${body}\n${text.slice(j)}`;
}

/** Each generated document, relative to the repository root, with the sections it holds. */
export const GENERATED: Record<string, Array<{ name: string; render: () => string | Promise<string> }>> = {
  "docs/configuration.md": [{ name: "config-reference", render: () => configReference() }],
  "docs/orchestrator.md": [{ name: "graph-diagram", render: graphDiagram }],
  "docs/gateway-setup.md": [{ name: "rank-table", render: rankTable }],
};

/** `file` (a key of GENERATED) with its generated sections brought up to date. */
export async function renderDoc(file: string, text = readFileSync(`${root}/${file}`, "utf8")): Promise<string> {
  let out = text;
  for (const section of GENERATED[file] ?? []) out = replaceSection(out, section.name, await section.render(), file);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of Object.keys(GENERATED)) writeFileSync(`${root}/${file}`, await renderDoc(file));
  console.log(`Regenerated: ${Object.keys(GENERATED).join(", ")}`);
}
