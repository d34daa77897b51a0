/**
 * Builds a deterministic value that validates against a JSON schema. The simulated model
 * uses it for tool-call arguments and structured output, so it must cope with what zod 4's
 * `z.toJSONSchema`, LangChain's tool conversion and hand-written OpenAPI-style schemas emit.
 */
import { enumWordInPrompt, promptValues, type PromptValues } from "./prompt_values.js";
import { taskParts } from "./task_parts.js";
import { extractExpression, significantWords } from "./text.js";

/** Context that makes generated values look like an answer to the user's request. */
export interface SchemaValueHint {
  /** The user's last message: fills `query`/`task`-like strings and `expression`, picks described choices, splits task lists. */
  userText?: string;
  /** Property name of the value being built (the root has none). */
  name?: string;
  /** Tool arguments: take numbers, quoted strings, a URL and enum words from `userText`, in order. */
  fromPrompt?: boolean;
}

type Schema = Record<string, unknown>;

interface Context {
  root: unknown;
  userText: string;
  depth: number;
  /** Shared by every property of one value, so the prompt's values are handed out once each, in order. */
  prompt?: PromptValues;
}

/** Fixed instant for date/time formats, so every run produces the same arguments. */
export const FIXED_DATE_TIME = "2025-01-01T00:00:00Z";

const MAX_DEPTH = 12;
// Past this depth, only required properties and minItems are filled, so recursive schemas end.
const SHALLOW_DEPTH = 4;

/** A deterministic value valid against `schema`, shaped by the hint where the schema leaves room. */
export function valueFromSchema(schema: unknown, hint: SchemaValueHint = {}): unknown {
  const userText = hint.userText ?? "";
  return build(schema, hint.name, { root: schema, userText, depth: 0, prompt: hint.fromPrompt ? promptValues(userText) : undefined });
}

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function build(schema: unknown, name: string | undefined, ctx: Context): unknown {
  if (schema === true || schema === undefined) return stringFor(name, {}, ctx);
  if (!isSchema(schema)) return null;
  if (ctx.depth > MAX_DEPTH) return null;
  const next: Context = { ...ctx, depth: ctx.depth + 1 };

  if (typeof schema.$ref === "string") {
    // zod puts `.default()` next to the $ref, so a sibling default wins; other siblings
    // (description) do not change the shape, so the target decides.
    const sibling = copyDefault(schema);
    if (sibling) return sibling.value;
    const target = resolveRef(ctx.root, schema.$ref);
    return build(target ?? {}, name, next);
  }
  // The schema author's own choice is the most plausible answer (zod's `.default(x)`), and it
  // fills orchestrator fields such as `tier` or `dependsOn` the way the app expects.
  const fallback = copyDefault(schema);
  if (fallback) return fallback.value;
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return (ctx.prompt ? enumWordInPrompt(schema.enum, ctx.userText) : undefined) ?? schema.enum[0];

  const branches = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(branches) && branches.length > 0) {
    // Routers describe each literal ("researcher: finds facts on the web"); matching the
    // request against those descriptions makes an offline router route like a model would.
    const described = describedChoice(branches, ctx);
    if (described !== undefined) return described.value;
    // First branch, but skip a `null` branch: zod's `.nullable()` puts it last, OpenAPI-style first.
    const chosen = branches.find((b) => !(isSchema(b) && b.type === "null")) ?? branches[0];
    return build(mergeSiblings(schema, chosen, ["anyOf", "oneOf"]), name, next);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    return build(mergeAllOf(schema), name, next);
  }

  switch (pickType(schema)) {
    case "object":
      return objectValue(schema, next);
    case "array":
      return arrayValue(schema, name, next);
    case "string":
      return stringFor(name, schema, ctx);
    case "integer":
      return numberValue(schema, true, ctx.prompt?.nextNumber());
    case "number":
      return numberValue(schema, false, ctx.prompt?.nextNumber());
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return stringFor(name, schema, ctx);
  }
}

/** JSON pointer lookup for local refs such as "#/$defs/Item" or "#/definitions/Item". */
function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith("#")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").filter((p) => p.length > 0)) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isSchema(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** A deep copy of the schema's `default` (so a caller editing the value never edits the schema), or undefined when it has none. */
function copyDefault(schema: Schema): { value: unknown } | undefined {
  if (schema.default === undefined) return undefined;
  try {
    return { value: structuredClone(schema.default) };
  } catch {
    return undefined; // not plain data (a function in a hand-built schema): build from the shape instead
  }
}

/** The schema a local `$ref` points to, with the referring node's own keywords on top; other values unchanged. */
function deref(schema: unknown, root: unknown): unknown {
  if (!isSchema(schema) || typeof schema.$ref !== "string") return schema;
  const target = resolveRef(root, schema.$ref);
  return isSchema(target) ? { ...target, ...schema, $ref: undefined } : schema;
}

// One-entry cache: every described choice in one value (one per task item) reads the same hint.
let hintCache: { text: string; words: Set<string> } = { text: "", words: new Set() };
function hintWords(text: string): Set<string> {
  if (text !== hintCache.text) hintCache = { text, words: significantWords(text) };
  return hintCache.words;
}

/**
 * For an anyOf/oneOf of single values (`const` or one-value `enum`) with at least one
 * `description`: the value whose own words plus description share the most words with the
 * hint; ties go to the earlier branch. Undefined when the branches are not of that shape.
 */
function describedChoice(branches: unknown[], ctx: Context): { value: unknown } | undefined {
  const choices: { value: unknown; description: string }[] = [];
  let described = false;
  for (const raw of branches) {
    const branch = deref(raw, ctx.root);
    if (!isSchema(branch)) return undefined;
    let value: unknown;
    if ("const" in branch) value = branch.const;
    else if (Array.isArray(branch.enum) && branch.enum.length === 1) value = branch.enum[0];
    else return undefined;
    if (typeof branch.description === "string") described = true;
    choices.push({ value, description: typeof branch.description === "string" ? branch.description : "" });
  }
  if (!described) return undefined;
  const hint = hintWords(ctx.userText);
  let best = choices[0];
  let bestScore = 0;
  for (const choice of choices) {
    const label = typeof choice.value === "string" ? choice.value : (JSON.stringify(choice.value) ?? "");
    let score = 0;
    for (const word of significantWords(`${label} ${choice.description}`)) if (hint.has(word)) score++;
    if (score > bestScore) {
      best = choice;
      bestScore = score;
    }
  }
  return { value: best.value };
}

function mergeSiblings(parent: Schema, branch: unknown, drop: string[]): unknown {
  if (!isSchema(branch)) return branch;
  const rest: Schema = {};
  for (const [k, v] of Object.entries(parent)) if (!drop.includes(k)) rest[k] = v;
  return { ...rest, ...branch };
}

/** Shallow merge of allOf parts; properties and required lists are unioned. */
function mergeAllOf(schema: Schema): Schema {
  const merged: Schema = {};
  const properties: Schema = {};
  const required: string[] = [];
  for (const part of [{ ...schema, allOf: undefined }, ...(schema.allOf as unknown[])]) {
    if (!isSchema(part)) continue;
    for (const [k, v] of Object.entries(part)) {
      if (k === "allOf" || v === undefined) continue;
      if (k === "properties" && isSchema(v)) Object.assign(properties, v);
      else if (k === "required" && Array.isArray(v)) required.push(...v.filter((r) => typeof r === "string"));
      else merged[k] = v;
    }
  }
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.length > 0) merged.required = required;
  return merged;
}

function pickType(schema: Schema): string | undefined {
  const type = schema.type;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) {
    const first = type.find((t) => t !== "null") ?? type[0];
    return typeof first === "string" ? first : undefined;
  }
  if (isSchema(schema.properties) || "additionalProperties" in schema) return "object";
  if ("items" in schema || "prefixItems" in schema) return "array";
  if ("minimum" in schema || "maximum" in schema) return "number";
  return undefined;
}

function objectValue(schema: Schema, ctx: Context): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === "string") : []);
  const shallow = ctx.depth > SHALLOW_DEPTH;
  for (const [key, propSchema] of Object.entries(properties)) {
    if (shallow && !required.has(key)) continue;
    out[key] = build(propSchema, key, ctx);
  }
  // Required names without a property schema still need a value to validate.
  for (const key of required) if (!(key in out)) out[key] = stringFor(key, {}, ctx);
  const minProperties = typeof schema.minProperties === "number" ? schema.minProperties : 0;
  const extra = isSchema(schema.additionalProperties) ? schema.additionalProperties : {};
  for (let i = 0; Object.keys(out).length < minProperties; i++) out[`key${i + 1}`] = build(extra, "key", ctx);
  return out;
}

function arrayValue(schema: Schema, name: string | undefined, ctx: Context): unknown[] {
  const tuple = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : undefined;
  if (tuple) return tuple.map((item) => build(item, name, ctx));
  // `items: false` (no prefixItems) admits only the empty array.
  if (schema.items === false) return [];
  const minItems = typeof schema.minItems === "number" ? schema.minItems : 0;
  const maxItems = typeof schema.maxItems === "number" ? schema.maxItems : Number.POSITIVE_INFINITY;
  const shape = ctx.depth > SHALLOW_DEPTH ? undefined : taskItemShape(schema.items, ctx.root);
  const parts = shape ? taskParts(ctx.userText) : [];
  if (shape && parts.length >= 2) return taskItems(schema.items, name, ctx, shape, parts, { minItems, maxItems });
  const wanted = ctx.depth > SHALLOW_DEPTH ? minItems : Math.max(1, minItems);
  const count = Math.min(wanted, maxItems);
  const items: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const item = build(schema.items, name, ctx);
    // uniqueItems with several items: vary numbers and strings so they stay distinct.
    if (i > 0 && typeof item === "number") items.push(item + i);
    else if (i > 0 && typeof item === "string") items.push(`${item}${i + 1}`);
    else items.push(item);
  }
  return items;
}

const TASK_NAMES = new Set(["task", "subtask", "step"]);

interface TaskItemShape {
  /** The item's plain string `id` property (no pattern, format or fixed values), if it has one. */
  id?: { key: string; schema: Schema };
}

/** Item schemas with a string `task`/`subtask`/`step` property describe a plan: one item per requested task. */
function taskItemShape(items: unknown, root: unknown): TaskItemShape | undefined {
  const item = deref(items, root);
  if (!isSchema(item) || pickType(item) !== "object" || !isSchema(item.properties)) return undefined;
  let hasTask = false;
  const shape: TaskItemShape = {};
  for (const [key, raw] of Object.entries(item.properties)) {
    const prop = deref(raw, root);
    if (!isSchema(prop) || pickType(prop) !== "string") continue;
    const n = normalizedName(key);
    if (TASK_NAMES.has(n)) hasTask = true;
    const free = typeof prop.pattern !== "string" && typeof prop.format !== "string" && !("enum" in prop) && !("const" in prop);
    if (n === "id" && free) shape.id = { key, schema: prop };
  }
  return hasTask ? shape : undefined;
}

/**
 * One item per task part (count clamped to [minItems, maxItems]), each built from its own
 * part so its `task` is that part; ids become t1, t2, ... because a plan's `dependsOn` needs unique ids.
 */
function taskItems(
  items: unknown,
  name: string | undefined,
  ctx: Context,
  shape: TaskItemShape,
  parts: string[],
  bounds: { minItems: number; maxItems: number },
): unknown[] {
  const count = Math.min(Math.max(parts.length, bounds.minItems), bounds.maxItems);
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    // Items past the listed parts (a minItems above their number) get the whole request.
    const part = parts[i] ?? ctx.userText;
    const item = build(items, name, { ...ctx, userText: part, prompt: ctx.prompt ? promptValues(part) : undefined });
    const id = `t${i + 1}`;
    if (isSchema(item) && shape.id && fitLength(id, shape.id.schema) === id) item[shape.id.key] = id;
    out.push(item);
  }
  return out;
}

/** A schema-valid number: `typed` (the prompt's next number) when the schema admits it, else a default. */
function numberValue(schema: Schema, integer: boolean, typed?: number): number {
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  // Draft 4 expresses exclusivity as booleans next to minimum/maximum.
  const min = schema.exclusiveMinimum === true ? undefined : num(schema.minimum);
  const max = schema.exclusiveMaximum === true ? undefined : num(schema.maximum);
  const exMin = schema.exclusiveMinimum === true ? num(schema.minimum) : num(schema.exclusiveMinimum);
  const exMax = schema.exclusiveMaximum === true ? num(schema.maximum) : num(schema.exclusiveMaximum);
  const step = num(schema.multipleOf);
  const valid = (v: number) =>
    (min === undefined || v >= min) &&
    (max === undefined || v <= max) &&
    (exMin === undefined || v > exMin) &&
    (exMax === undefined || v < exMax);
  const fits = (v: number) => valid(v) && (!integer || Number.isInteger(v)) && (step === undefined || step <= 0 || Number.isInteger(Number((v / step).toFixed(9))));
  if (typed !== undefined && fits(typed)) return typed;
  const low = min ?? exMin;
  const high = max ?? exMax;
  // 1 is the natural default; otherwise the nearest bound, then the middle of a narrow range.
  const candidates = [1, min, exMin === undefined ? undefined : exMin + 1, max, exMax === undefined ? undefined : exMax - 1];
  if (low !== undefined && high !== undefined) candidates.push((low + high) / 2);
  for (const raw of candidates) {
    if (raw === undefined) continue;
    let v = integer ? Math.ceil(raw) : raw;
    if (step !== undefined && step > 0) v = Number((Math.ceil(v / step - 1e-9) * step).toFixed(10));
    if (valid(v)) return v;
  }
  return low ?? 1;
}

// Names whose value is the request itself; task/subtask/step so a plan item carries its task's text.
const QUERY_NAMES = new Set(["query", "input", "text", "question", "prompt", "q", "search", "searchquery", "message", "task", "subtask", "step"]);
const FORMAT_VALUES: Record<string, string> = {
  "date-time": FIXED_DATE_TIME,
  date: "2025-01-01",
  time: "00:00:00",
  duration: "P1D",
  email: "user@example.com",
  "idn-email": "user@example.com",
  uri: "https://example.com/",
  url: "https://example.com/",
  "uri-reference": "https://example.com/",
  iri: "https://example.com/",
  hostname: "example.com",
  "idn-hostname": "example.com",
  ipv4: "127.0.0.1",
  ipv6: "::1",
  uuid: "123e4567-e89b-42d3-a456-426614174000",
  guid: "123e4567-e89b-42d3-a456-426614174000",
  byte: "ZXhhbXBsZQ==",
  base64: "ZXhhbXBsZQ==",
};
const URL_FORMATS = new Set(["uri", "url", "uri-reference", "iri"]);
// Tried in order when a `pattern` rejects the first choice.
const PATTERN_CANDIDATES = ["example", "a", "A", "abc", "ABC", "1", "123", "a1", "A1", "example-1", "2025-01-01", "user@example.com", "https://example.com/", "UTC", "USD", "en"];

function stringFor(name: string | undefined, schema: Schema, ctx: Context): string {
  const candidate = preferredString(name, schema, ctx);
  const value = fitLength(candidate, schema);
  if (typeof schema.pattern !== "string") return value;
  let pattern: RegExp;
  try {
    pattern = new RegExp(schema.pattern, "u");
  } catch {
    return value;
  }
  if (pattern.test(value)) return value;
  for (const alt of PATTERN_CANDIDATES) {
    const fitted = fitLength(alt, schema);
    if (pattern.test(fitted)) return fitted;
  }
  return value;
}

function preferredString(name: string | undefined, schema: Schema, ctx: Context): string {
  if (ctx.prompt?.url !== undefined && URL_FORMATS.has(String(schema.format))) return ctx.prompt.url;
  if (typeof schema.format === "string" && FORMAT_VALUES[schema.format] !== undefined) return FORMAT_VALUES[schema.format];
  const key = normalizedName(name);
  if (key === "expression") return extractExpression(ctx.userText) ?? "1 + 1";
  if (QUERY_NAMES.has(key)) return ctx.prompt?.nextQuoted() ?? (ctx.userText.trim() || "example");
  if (key === "timezone" || key === "tz") return "UTC";
  if (key === "url" || key === "uri" || key === "link") return ctx.prompt?.url ?? "https://example.com/";
  if (key === "email") return "user@example.com";
  return ctx.prompt?.nextQuoted() ?? "example";
}

/** A property name reduced to lower-case letters, so `search_query` and `searchQuery` compare equal. */
function normalizedName(name: string | undefined): string {
  return (name ?? "").toLowerCase().replace(/[^a-z]/g, "");
}

function fitLength(value: string, schema: Schema): string {
  const min = typeof schema.minLength === "number" ? schema.minLength : 0;
  const max = typeof schema.maxLength === "number" ? schema.maxLength : Number.POSITIVE_INFINITY;
  let out = value;
  const chars = Array.from(out);
  if (chars.length > max) out = chars.slice(0, max).join("");
  while (Array.from(out).length < min) out += "x";
  return out;
}
