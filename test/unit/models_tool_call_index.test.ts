import { describe, expect, it } from "vitest";
import { ToolCallIndexer } from "../../src/models/index.js";

type Fragment = { index?: number; id?: string; function?: { name?: string; arguments?: string } };

const indices = (fragments: Fragment[]) => {
  const indexer = new ToolCallIndexer();
  return fragments.map((f) => indexer.indexOf(f));
};

describe("ToolCallIndexer", () => {
  it.each<[string, Fragment[], number[]]>([
    ["keeps the wire's own indices", [{ index: 0, id: "a", function: { name: "f" } }, { index: 0 }, { index: 1, id: "b" }, { index: 1 }], [0, 0, 1, 1]],
    ["numbers whole calls sent without index", [{ id: "a", function: { name: "f", arguments: "{}" } }, { id: "b", function: { name: "g", arguments: "{}" } }], [0, 1]],
    ["continues a call with fragments that carry neither id nor name", [{ id: "a", function: { name: "f" } }, { function: { arguments: "{\"x\"" } }, { id: "", function: { name: "", arguments: ":1}" } }], [0, 0, 0]],
    ["starts a call on a new name when ids are missing", [{ function: { name: "f" } }, { function: { arguments: "{}" } }, { function: { name: "g" } }], [0, 0, 1]],
    ["the same id again is the same call", [{ id: "a", function: { name: "f" } }, { id: "a", function: { arguments: "{}" } }], [0, 0]],
    ["indexless calls after numbered ones come after them", [{ index: 0, id: "a" }, { index: 1, id: "b" }, { id: "c" }], [0, 1, 2]],
  ])("%s", (_name, fragments, expected) => {
    expect(indices(fragments)).toEqual(expected);
  });
});
