import { toJsonSchema } from "@langchain/core/utils/json_schema";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { valueFromSchema } from "../../src/emulator/schema_values.js";
import { simulateCompletion } from "../../src/emulator/simulated_model.js";
import { MAX_TASK_PARTS, stripListMarker, taskParts } from "../../src/emulator/task_parts.js";

// Both converters: zod's own, and LangChain's, which is what ChatAIGateway sends.
const converters = [
  ["z.toJSONSchema", (s: z.ZodType) => z.toJSONSchema(s)],
  ["toJsonSchema", (s: z.ZodType) => toJsonSchema(s)],
] as const;

describe("described choice", () => {
  const role = z.union([
    z.literal("general").describe("Answers everyday questions directly"),
    z.literal("researcher").describe("Finds facts on the web and cites sources"),
    z.literal("coder").describe("Writes and reviews program code"),
  ]);

  describe.each(converters)("from %s", (_label, convert) => {
    it("picks the branch whose value and description share the most words with the request", () => {
      expect(valueFromSchema(convert(role), { userText: "find facts about the web standards" })).toBe("researcher");
      expect(valueFromSchema(convert(role), { userText: "Please review this program for bugs" })).toBe("coder");
    });

    it("picks the first branch when nothing overlaps", () => {
      expect(valueFromSchema(convert(role), { userText: "xyzzy plugh" })).toBe("general");
      expect(valueFromSchema(convert(role))).toBe("general");
    });

    it("works inside an object, and the result parses", () => {
      const schema = z.object({ next: role.describe("Who acts next"), reason: z.string() });
      const value = valueFromSchema(convert(schema), { userText: "I need sources for a claim" });
      expect(schema.parse(value).next).toBe("researcher");
    });

    it("handles one-value enum branches", () => {
      const schema = z.union([z.enum(["general"]).describe("Everyday answers"), z.enum(["researcher"]).describe("Finds facts")]);
      expect(JSON.stringify(convert(schema))).toContain('"enum":["researcher"]');
      expect(valueFromSchema(convert(schema), { userText: "find the facts" })).toBe("researcher");
    });
  });

  it("counts the const value's own words, matches plurals and ignores case, short words and stop words", () => {
    const schema = {
      anyOf: [
        { const: "writer", description: "with that from this" },
        { const: "web_researcher" },
        { const: "summarizer", description: "Shortens long documents" },
      ],
    };
    expect(valueFromSchema(schema, { userText: "a RESEARCHER please" })).toBe("web_researcher");
    expect(valueFromSchema(schema, { userText: "summarize this document" })).toBe("summarizer");
    // Only stop words and words under 4 letters overlap with "writer": no score, first branch.
    expect(valueFromSchema(schema, { userText: "with that from this, on the web" })).toBe("writer");
  });

  it("breaks ties in favour of the earlier branch", () => {
    const schema = {
      oneOf: [
        { type: "string", const: "alpha", description: "handles billing" },
        { type: "string", const: "beta", description: "handles billing" },
      ],
    };
    expect(valueFromSchema(schema, { userText: "a billing question" })).toBe("alpha");
  });

  it("resolves $ref branches", () => {
    const schema = {
      anyOf: [{ $ref: "#/$defs/A" }, { $ref: "#/$defs/B" }],
      $defs: { A: { const: "math", description: "Arithmetic" }, B: { const: "travel", description: "Flights and hotels" } },
    };
    expect(valueFromSchema(schema, { userText: "book hotels in Rome" })).toBe("travel");
  });

  it.each([
    ["const branches without descriptions keep the first branch", { anyOf: [{ const: "a" }, { const: "b" }] }, "b text", "a"],
    ["a null branch is still skipped", { anyOf: [{ type: "null" }, { const: "x", description: "the x" }] }, "", "x"],
    ["mixed branches keep the first non-null branch", { oneOf: [{ type: "integer", minimum: 2 }, { const: "b", description: "b" }] }, "b", 2],
  ])("%s", (_label, schema, userText, expected) => {
    expect(valueFromSchema(schema, { userText })).toEqual(expected);
  });
});

describe("schema defaults", () => {
  const schema = z.object({
    tier: z.enum(["auto", "fast", "standard", "premium"]).default("standard"),
    limit: z.number().int().min(1).default(20),
    tags: z.array(z.string()).default(["a", "b"]),
    options: z.object({ verbose: z.boolean() }).default({ verbose: false }),
    nothing: z.string().nullable().default(null),
  });

  describe.each(converters)("from %s", (_label, convert) => {
    it("uses the default instead of the first enum value, 1 or a one-item array", () => {
      const json = convert(schema);
      expect(JSON.stringify(json)).toContain('"default":"standard"');
      const value = valueFromSchema(json);
      expect(value).toEqual({ tier: "standard", limit: 20, tags: ["a", "b"], options: { verbose: false }, nothing: null });
      expect(schema.parse(value)).toEqual(value);
    });
  });

  it("returns a deep copy, so editing the value leaves the schema alone", () => {
    const json = { type: "object", properties: { tags: { type: "array", items: { type: "string" }, default: ["x"] } } };
    const value = valueFromSchema(json) as { tags: string[] };
    value.tags.push("y");
    expect(json.properties.tags.default).toEqual(["x"]);
    expect(valueFromSchema(json)).toEqual({ tags: ["x"] });
  });

  it("honours a default next to a $ref (zod's shape for a defaulted recursive type) and one inside the target", () => {
    interface Node {
      name: string;
      children: Node[];
    }
    const node: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(node) }));
    const withDefault = z.object({ root: node.default({ name: "root", children: [] }) });
    const json = toJsonSchema(withDefault);
    expect(JSON.stringify(json)).toContain('"$ref"');
    expect(valueFromSchema(json)).toEqual({ root: { name: "root", children: [] } });
    const target = { $ref: "#/$defs/T", $defs: { T: { type: "integer", default: 7 } } };
    expect(valueFromSchema(target)).toBe(7);
  });

  it("a default on a described union wins over the hint", () => {
    const routed = z.union([z.literal("general").describe("General help"), z.literal("researcher").describe("Finds facts")]).default("general");
    expect(valueFromSchema(toJsonSchema(routed), { userText: "find facts" })).toBe("general");
  });
});

describe("task lists", () => {
  const plan = z.object({
    subtasks: z
      .array(
        z.object({
          id: z.string(),
          task: z.string(),
          tier: z.enum(["auto", "fast", "standard", "premium"]).default("auto"),
          dependsOn: z.array(z.string()).default([]),
        }),
      )
      .min(1)
      .max(6),
  });
  type Plan = z.infer<typeof plan>;
  const numbered = "1. What is 17 * 23?\n2. Summarise the design of a cache";

  it("returns one item per listed task, with the task text and unique ids", () => {
    const schema = {
      type: "array",
      items: { type: "object", properties: { id: { type: "string" }, task: { type: "string" } }, required: ["id", "task"] },
    };
    expect(valueFromSchema(schema, { userText: numbered })).toEqual([
      { id: "t1", task: "What is 17 * 23?" },
      { id: "t2", task: "Summarise the design of a cache" },
    ]);
  });

  describe.each(converters)("from %s", (_label, convert) => {
    it("builds a plan the zod schema accepts, with defaults on every item", () => {
      const value = plan.parse(valueFromSchema(convert(plan), { userText: numbered }));
      expect(value.subtasks.map((s) => [s.id, s.task])).toEqual([
        ["t1", "What is 17 * 23?"],
        ["t2", "Summarise the design of a cache"],
      ]);
      for (const s of value.subtasks) {
        expect(s.tier).toBe("auto");
        expect(s.dependsOn).toEqual([]);
      }
    });
  });

  it("respects maxItems with 10 listed tasks", () => {
    const text = Array.from({ length: 10 }, (_, i) => `${i + 1}) Research topic number ${i + 1}`).join("\n");
    const value = plan.parse(valueFromSchema(toJsonSchema(plan), { userText: text })) as Plan;
    expect(value.subtasks.map((s) => s.id)).toEqual(["t1", "t2", "t3", "t4", "t5", "t6"]);
    expect(value.subtasks[5].task).toBe("Research topic number 6");
  });

  it("keeps at most 8 parts without a maxItems, and pads up to minItems with the whole request", () => {
    const items = { type: "object", properties: { id: { type: "string" }, step: { type: "string" } } };
    const ten = Array.from({ length: 10 }, (_, i) => `- step ${i + 1}`).join("\n");
    expect(valueFromSchema({ type: "array", items }, { userText: ten })).toHaveLength(MAX_TASK_PARTS);
    const padded = valueFromSchema({ type: "array", items, minItems: 3 }, { userText: "alpha; beta" });
    expect(padded).toEqual([
      { id: "t1", step: "alpha" },
      { id: "t2", step: "beta" },
      { id: "t3", step: "alpha; beta" },
    ]);
  });

  it("keeps today's single item when the request lists one task", () => {
    const value = valueFromSchema(toJsonSchema(plan), { userText: "Summarise the design of a cache" }) as Plan;
    expect(value.subtasks).toEqual([{ id: "example", task: "Summarise the design of a cache", tier: "auto", dependsOn: [] }]);
  });

  it("leaves an id with a pattern or a too-short maxLength to the usual rules", () => {
    const items = (id: Record<string, unknown>) => ({ type: "object", properties: { id, subtask: { type: "string" } } });
    const patterned = valueFromSchema({ type: "array", items: items({ type: "string", format: "uuid" }) }, { userText: "a; b" });
    expect((patterned as { id: string }[]).map((i) => i.id)).toEqual(["123e4567-e89b-42d3-a456-426614174000", "123e4567-e89b-42d3-a456-426614174000"]);
    const short = valueFromSchema({ type: "array", items: items({ type: "string", maxLength: 1 }) }, { userText: "a; b" });
    expect((short as { id: string }[]).map((i) => i.id)).toEqual(["e", "e"]);
  });

  it("fills a task-named property with the request even outside a list", () => {
    expect(valueFromSchema({ type: "object", properties: { task: { type: "string" }, subTask: { type: "string" } } }, { userText: " Plan a trip " })).toEqual({
      task: "Plan a trip",
      subTask: "Plan a trip",
    });
  });

  it.each([
    ["1.", "1.".repeat(100_000)],
    ["1. with spaces", "1. ".repeat(70_000)],
    ["numbered lines", "1.\n".repeat(70_000)],
    [";", ";".repeat(200_000)],
    ["spaces", " ".repeat(200_000)],
    ["commas", ", and ".repeat(35_000)],
  ])("a 200 kB hostile string (%s) still gives a valid plan", (_label, text) => {
    const value = valueFromSchema(toJsonSchema(plan), { userText: text });
    expect(plan.safeParse(value).success).toBe(true);
  });

  it("drives the simulated model's structured output", () => {
    const r = simulateCompletion({
      model: "gpt-4.1",
      messages: [{ role: "user", content: numbered }],
      response_format: { type: "json_schema", json_schema: { name: "plan", schema: toJsonSchema(plan) as Record<string, unknown> } },
    });
    const value = plan.parse(JSON.parse(r.content ?? ""));
    expect(value.subtasks.map((s) => s.task)).toEqual(["What is 17 * 23?", "Summarise the design of a cache"]);
  });
});

describe("taskParts", () => {
  it.each([
    ["numbered with dots", "1. First thing\n2. Second thing", ["First thing", "Second thing"]],
    ["numbered with parentheses and CRLF", "1) First\r\n2) Second\r\n", ["First", "Second"]],
    ["bullets, preamble dropped, continuation joined", "Do these:\n- Look up the weather\n  in Paris\n* Book a table\n• Call mum", ["Look up the weather in Paris", "Book a table", "Call mum"]],
    ["a blank line ends an item", "- one\n- two\n\nThanks a lot", ["one", "two"]],
    ["semicolons", "check the logs; restart the server;; tell the team", ["check the logs", "restart the server", "tell the team"]],
    ["connectors", "Search the web for cache designs, then write a summary and then email it to me", ["Search the web for cache designs", "write a summary", "email it to me"]],
    [", and then", "Read the file carefully, and then fix every bug", ["Read the file carefully", "fix every bug"]],
    ["short connector parts do not split", "salt, pepper, and olive oil", ["salt, pepper, and olive oil"]],
    ["one marker line is not a list", "- just one item here", ["- just one item here"]],
    ["numbers and negatives are not markers", "1.5 is more than\n-3 degrees", ["1.5 is more than\n-3 degrees"]],
    ["empty text", "   ", []],
  ])("%s", (_label, text, expected) => {
    expect(taskParts(text)).toEqual(expected);
  });

  it("keeps the first 8 of many parts", () => {
    expect(taskParts(Array.from({ length: 12 }, (_, i) => `part ${i}`).join(";"))).toEqual(Array.from({ length: 8 }, (_, i) => `part ${i}`));
  });

  it.each([
    ["12. text", "text"],
    ["  - indented", "indented"],
    ["-", ""],
    ["1.5", undefined],
    ["*bold*", undefined],
    ["plain", undefined],
  ])("stripListMarker(%j) is %j", (line, expected) => {
    expect(stripListMarker(line)).toBe(expected);
  });
});
