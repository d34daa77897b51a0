import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configReference, renderReadme } from "../../scripts/readme_sections.js";
import { envSchema } from "../../src/config/index.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("has a current configuration reference, graph diagram and discovery rank table (run `npm run docs` to refresh)", async () => {
    expect(readme).toBe(await renderReadme(readme));
  });

  it("documents every variable of the zod schema", () => {
    const reference = configReference();
    for (const name of Object.keys(envSchema.shape)) expect(reference).toContain(`| \`${name}\` |`);
  });

  it("keeps the two-command quickstart", () => {
    expect(readme).toContain('npm ci && npm start -- "What is 12.5% of 3,480?"');
    expect(readme).toMatch(/^npm test$/m);
  });
});
