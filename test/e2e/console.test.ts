/**
 * The run console in a real headless Chromium (Debian's package, driven by puppeteer-core),
 * against the HTTP server on a loopback port: a run with the route, the calculator call and
 * the answer under the SIMULATED banner; an approval given from the page; the API key asked
 * for and kept off the URL; and no request leaving the server's own origin. With
 * CONSOLE_SCREENSHOTS=<dir> it also saves a screenshot of each state there.
 */
import { existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemorySaver } from "@langchain/langgraph";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import type { ProviderRegistry } from "../../src/providers/index.js";
import type { resolveTiersFile } from "../../src/policy/tier_config.js";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { emulator, runtimeOnEmulator, silentLogger } from "../helpers/gateway.js";

const CHROMIUM = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p): p is string => !!p && existsSync(p));
const SHOTS = process.env.CONSOLE_SCREENSHOTS;
const API_KEY = "console-test-key-0123456789";

let emu: EmulatorHandle;
let browser: Browser;
const servers: RunningServer[] = [];
const registries: ProviderRegistry[] = [];

beforeAll(async () => {
  if (!CHROMIUM) throw new Error("No chromium found: run `bash scripts/ensure-chromium.sh` as root, or set CHROMIUM_PATH.");
  // Latency, so a run is caught in the middle; the emulator is in this process and says so.
  emu = await emulator({ latency: { ttftMs: 250, perTokenMs: 15 } });
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  for (const s of servers) await s.close();
  for (const r of registries) await r.close();
  await emu?.close();
});

/** A server on a loopback port over the emulator, with the given tiers file content and env. */
async function serve(tiers: Parameters<typeof resolveTiersFile>[0] = {}, env: Record<string, string> = {}): Promise<RunningServer> {
  const { registry, policy } = await runtimeOnEmulator(emu, tiers);
  registries.push(registry);
  const server = await startServer({ env: { CONFIG_STORE_PATH: join(tmpdir(), `console-${process.pid}-${servers.length}.json`), ...env }, registry, policy, simulated: true, checkpointer: new MemorySaver(), logger: silentLogger, port: 0, host: "127.0.0.1" });
  servers.push(server);
  return server;
}

/** Opens the console and records every request the page makes. */
async function open(server: RunningServer): Promise<{ page: Page; requests: string[] }> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(server.url, { waitUntil: "networkidle0" });
  return { page, requests };
}

const text = (page: Page, selector: string) => page.$eval(selector, (e) => (e as unknown as { innerText: string }).innerText);
const shot = async (page: Page, name: string) => {
  if (SHOTS) writeFileSync(join(SHOTS, `console-${name}.png`), await page.screenshot({ fullPage: true }));
};

async function submit(page: Page, task: string): Promise<void> {
  await page.$eval("#task", (e, v) => ((e as unknown as { value: string }).value = v), task);
  await page.click("#run");
}

describe("the run console in a browser", () => {
  it("runs a task: the route, the calculator call with 435, the answer and the SIMULATED banner, with no request outside the server", async () => {
    const server = await serve();
    const { page, requests } = await open(server);
    expect(await page.$eval("#banner", (e) => !(e as unknown as { hidden: boolean }).hidden)).toBe(true);
    expect(await text(page, "#banner")).toContain("SIMULATED");
    await submit(page, "What is 12.5% of 3,480?");
    await page.waitForFunction(`document.querySelector("#steps")?.textContent?.includes("calculator(")`, { timeout: 15_000 });
    await shot(page, "mid-run");
    await page.waitForFunction(`document.querySelector("#usage:not([hidden])")`, { timeout: 15_000 });
    const steps = await text(page, "#steps");
    expect(steps).toMatch(/route\s*fast via rule/);
    expect(steps).toContain('calculator({"expression":"12.5 / 100 * 3480"})');
    expect(steps).toMatch(/→\s*435/);
    expect(await text(page, "#answer")).toContain("435");
    expect(await text(page, "#usage")).toMatch(/premium alone \$/);
    await page.waitForFunction(`(document.querySelector("#history")?.childElementCount ?? 0) >= 2`, { timeout: 10_000 });
    await shot(page, "finished");
    // Every request the page made went to this server.
    const origin = new URL(server.url).origin;
    expect(requests.length).toBeGreaterThan(3);
    expect(requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
    await page.close();
  }, 60_000);

  it("with an approval policy on the calculator, approves from the page and sees the run finish", async () => {
    const server = await serve({ approvals: { calculator: ["approve", "edit", "reject"] } });
    const { page } = await open(server);
    await submit(page, "What is 12.5% of 3,480?");
    await page.waitForSelector(".approvals .request button", { timeout: 15_000 });
    expect(await text(page, ".approvals")).toContain("wants to run calculator");
    await shot(page, "approval");
    const [approve] = await page.$$("xpath/.//div[contains(@class,'request')]//button[normalize-space()='Approve']");
    await approve.click();
    await page.waitForFunction(`document.querySelector("#steps")?.textContent?.includes("answered by")`, { timeout: 15_000 });
    expect(await text(page, "#answer")).toContain("435");
    expect(await text(page, "#steps")).toMatch(/answered by gateway\//);
    expect(await page.$$eval(".approvals .request", (e) => e.length)).toBe(0);
    await page.close();
  }, 60_000);

  it("with API_KEY set, refuses to run until the key is entered, and never puts it in a URL", async () => {
    const server = await serve({}, { API_KEY });
    const { page, requests } = await open(server);
    await page.waitForSelector("#key-form:not([hidden])", { timeout: 10_000 });
    expect(await page.$eval("#run", (b) => (b as unknown as { disabled: boolean }).disabled)).toBe(true);
    await shot(page, "api-key");
    await page.type("#api-key", "wrong-key-but-long-enough");
    await page.click("#key-form button");
    await page.waitForFunction(`document.querySelector("#key-status")?.textContent?.includes("refused")`, { timeout: 10_000 });
    expect(await page.$eval("#run", (b) => (b as unknown as { disabled: boolean }).disabled)).toBe(true);
    await page.type("#api-key", API_KEY);
    await page.click("#key-form button");
    await page.waitForSelector("#key-form[hidden]", { timeout: 10_000 });
    await submit(page, "What is 2 + 2?");
    await page.waitForFunction(`document.querySelector("#usage:not([hidden])")`, { timeout: 15_000 });
    expect(await text(page, "#answer")).toContain("4");
    expect(requests.some((u) => u.includes(API_KEY))).toBe(false);
    expect(await page.content()).not.toContain(API_KEY);
    await page.close();
  }, 60_000);

  it("the page and its script carry a policy that allows nothing but this server", async () => {
    const server = await serve();
    for (const path of ["/", "/console.js", "/console.css"]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(res.headers.get("content-security-policy")).toContain("connect-src 'self'");
    }
    const html = await (await fetch(server.url)).text();
    expect(html).not.toMatch(/https?:\/\//);
    // The Host check covers the page too (DNS rebinding).
    expect((await server.app.inject({ url: "/", headers: { host: "rebound.example" } })).statusCode).toBe(421);
  });
});

describe("the plan tree in the console", () => {
  it("draws each subtask with its state, and answers once", async () => {
    const server = await serve();
    const { page } = await open(server);
    await page.click("#plan-route");
    await submit(page, "1. What is 17 * 23?\n2. Design a caching architecture for a web shop");
    await page.waitForSelector("#plan-tree:not([hidden]) li", { timeout: 15_000 });
    await page.waitForFunction(`document.querySelector("#usage:not([hidden])")`, { timeout: 20_000 });
    const rows = await page.$$eval("#plan-tree li", (li) => li.map((e) => (e as unknown as { innerText: string }).innerText));
    expect(rows).toEqual([expect.stringMatching(/^✓ done · fast · \$[\d.]+ t1: What is 17 \* 23\?$/), expect.stringMatching(/^✓ done · premium · \$[\d.]+ t2: Design a caching architecture/)]);
    expect(await text(page, "#steps")).toContain("combined by the synthesizer on the standard tier");
    await shot(page, "plan");
    await page.close();
  }, 60_000);
});
