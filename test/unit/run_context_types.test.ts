/**
 * The run context is partial in the graph's types: `graph.invoke(input, { context: { tier: "fast" } })`
 * compiles (LangGraph alone types a zod context schema like state, every key required), while a
 * wrong value or an unknown key is still a type error. Compiles test/fixtures/types/run_context.ts
 * with the project's compiler options.
 */
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("../fixtures/types/run_context.ts", import.meta.url));
const tsconfig = fileURLToPath(new URL("../../tsconfig.json", import.meta.url));

describe("the orchestrator graph's run context type", () => {
  it("takes any subset of the settings, and refuses a wrong value or an unknown key", () => {
    const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => expect.fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")) });
    const program = ts.createProgram({ rootNames: [fixture], options: { ...parsed!.options, noEmit: true } });
    const source = program.getSourceFile(fixture);
    expect(source).toBeDefined();
    // The fixture's @ts-expect-error lines make this two-sided: one with no error under it is an error (TS2578).
    const problems = ts.getPreEmitDiagnostics(program, source).map((d) => `${d.start === undefined ? "" : `line ${source!.getLineAndCharacterOfPosition(d.start).line + 1}: `}${ts.flattenDiagnosticMessageText(d.messageText, "\n").split("\n")[0]}`);
    expect(problems).toEqual([]);
  }, 120_000);
});
