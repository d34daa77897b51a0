import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { envSchema, loadConfig } from "../../src/config/index.js";

describe(".env.example", () => {
  const text = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
  const lines = text.split("\n");
  const listed = lines.filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l)).map((l) => l.slice(0, l.indexOf("=")));

  it("lists exactly the variables of the zod schema", () => {
    expect([...listed].sort()).toEqual(Object.keys(envSchema.shape).sort());
  });

  it("gives every variable a one-line comment right above it", () => {
    for (const name of listed) {
      const i = lines.findIndex((l) => l.startsWith(`${name}=`));
      expect(lines[i - 1], name).toMatch(/^# \S/);
    }
  });

  it("is itself a valid configuration", () => {
    const env = Object.fromEntries(lines.filter((l) => /^[A-Z]/.test(l)).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    expect(() => loadConfig(env)).not.toThrow();
  });
});
