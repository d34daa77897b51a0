import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { docFiles } from "../docs/doc_blocks.js";
import { describe, expect, it } from "vitest";
import { configReference, GENERATED, renderDoc } from "../../scripts/readme_sections.js";
import { envSchema } from "../../src/config/index.js";

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
const readme = read("README.md");

describe("generated documentation", () => {
  for (const file of Object.keys(GENERATED)) {
    it(`${file} is current (run \`npm run docs\` to refresh)`, async () => {
      const text = read(file);
      expect(text).toBe(await renderDoc(file, text));
    });
  }

  it("the configuration reference documents every variable of the zod schema", () => {
    const reference = read("docs/configuration.md");
    expect(reference).toContain(configReference());
    for (const name of Object.keys(envSchema.shape)) expect(reference).toContain(`| \`${name}\` |`);
  });
});

describe("README", () => {
  it("keeps the two-command quickstart", () => {
    expect(readme).toContain('npm ci && npm start -- "What is 12.5% of 3,480?"');
    expect(readme).toMatch(/^npm test$/m);
  });

  it("stays a short front page (about 300 lines; the guides live in docs/)", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(300);
  });


});

describe("links in README.md and docs/", () => {
  const root = new URL("../..", import.meta.url).pathname;
  it("point at files that exist", () => {
    const missing = docFiles(root).flatMap((file) =>
      [...read(file).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
        .map((m) => m[1])
        .filter((target) => !/^[a-z]+:/.test(target))
        .map((target) => normalize(join(dirname(file), target)))
        .filter((path) => !existsSync(join(root, path)))
        .map((path) => `${file} -> ${path}`),
    );
    expect(missing).toEqual([]);
  });
});
