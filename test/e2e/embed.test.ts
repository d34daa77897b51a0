import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { offlineEnv } from "../helpers/cli.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));

describe("the built package", () => {
  beforeAll(async () => {
    await run("npm", ["run", "--silent", "build"], { cwd: root, timeout: 180_000 });
  }, 200_000);

  it("emits declarations for every subpath export", async () => {
    const pkg = (await import("../../package.json", { with: { type: "json" } })).default as {
      exports: Record<string, string | { types: string; import: string }>;
    };
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === "string") continue;
      expect(existsSync(`${root}/${target.import}`), `${subpath} js`).toBe(true);
      expect(existsSync(`${root}/${target.types}`), `${subpath} d.ts`).toBe(true);
    }
  });

  it("runs the embed example against it, streaming steps to a calculator answer", async () => {
    const { stdout, stderr } = await run("node", ["examples/embed/app.mjs", "What is 12.5% of 3,480?"], {
      cwd: root,
      env: offlineEnv({ LOG_LEVEL: "warn" }),
      timeout: 60_000,
    });
    const events = stdout
      .split("\n")
      .filter((l) => l.startsWith("["))
      .map((l) => JSON.parse(l.slice(l.indexOf("] ") + 2)) as { type: string; [k: string]: unknown });
    expect(events.map((e) => e.type)).toEqual(["route_decided", "agent_started", "tool_call", "tool_result", "final_answer", "usage"]);
    expect(events.find((e) => e.type === "tool_result")?.content).toBe("435");
    expect(events.find((e) => e.type === "final_answer")?.simulated).toBe(true);
    expect(stderr).toMatch(/SIMULATED model from the local gateway emulator/);
  });
});
