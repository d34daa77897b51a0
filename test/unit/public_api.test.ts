/**
 * The public API is what test/fixtures/public_api.json says: every entry point of package.json
 * `exports` with every name it exports, type-only names included. Adding, removing or retyping
 * a name fails here until the list is regenerated (`npm run api`) and committed with the change.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { diffPublicApi, readCommittedApi, readPublicApi, REGENERATE_COMMAND, type PublicApi } from "../../scripts/public_api.js";

let live: ReturnType<typeof readPublicApi>;

beforeAll(() => {
  live = readPublicApi();
});

describe("the public API", () => {
  it("is the committed list, name for name", () => {
    const changes = diffPublicApi(readCommittedApi(), live.api);
    expect(changes, `The exports differ from test/fixtures/public_api.json (+ added, - removed, ~ kind changed). If that is intended, run \`${REGENERATE_COMMAND}\` and commit the list.`).toEqual([]);
  });

  it("keeps the root small: the factories, the model, the client, the runtime, the surfaces, errors and events", () => {
    // The budget is about 40 names; a few more leave room for a merge, not for a second index.
    expect(Object.keys(live.api["ai-gateway-agents"]!).length).toBeLessThanOrEqual(45);
    expect(live.api["ai-gateway-agents"]).toMatchObject({ ChatAIGateway: "class", createOrchestrator: "function", streamSteps: "function", StepEvent: "type" });
  });

  it("gives every exported name of the package's own a doc comment", () => {
    const undocumented = Object.entries(live.undocumented).flatMap(([specifier, names]) => names.map((n) => `${specifier}: ${n}`));
    expect(undocumented).toEqual([]);
  });

  it("tells type-only exports from values, and names the dependency a re-exported type comes from", () => {
    // Through `export type *` (the orchestrator's events), `export type { }` and a plain `export { }`.
    expect(live.api["ai-gateway-agents/orchestrator"]).toMatchObject({ RouteDecidedEvent: "interface", createOrchestrator: "function", OrchestratorState: "const" });
    expect(live.api["ai-gateway-agents/gateway"]).toMatchObject({ ChatCompletion: "type from openai/resources/chat/completions", AIGatewayClient: "class" });
  });
});

describe("the difference report", () => {
  const committed: PublicApi = { pkg: { a: "function", b: "interface" }, "pkg/old": { x: "const" } };

  it("names each added, removed and retyped name and each added or removed entry point", () => {
    const now: PublicApi = { pkg: { a: "const", c: "class" }, "pkg/new": { y: "type", z: "type" } };
    expect(diffPublicApi(committed, now)).toEqual(["~ pkg: a (function -> const)", "- pkg: b (interface)", "+ pkg: c (class)", "+ entry point pkg/new (2 names)", "- entry point pkg/old (1 name)"]);
  });

  it("is empty for equal lists", () => {
    expect(diffPublicApi(committed, structuredClone(committed))).toEqual([]);
  });
});
