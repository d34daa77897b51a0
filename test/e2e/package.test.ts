/**
 * The published package, as an app installs it (built, packed, unpacked into a scratch app):
 * what it ships, that its commands answer offline, that require() and import() give the same
 * exports, and that @langchain/core and @langchain/langgraph are the app's own copies.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offlineEnv, runProcess } from "../helpers/cli.js";
import { startEmulator } from "../../src/emulator/index.js";
import { startOtlpReceiver } from "../helpers/otlp_receiver.js";
import { writeFreshApp } from "../helpers/fresh_app.js";
import { packLocally, repoRoot, type LocalPackage } from "../helpers/package.js";
import { isValueKind, readCommittedApi } from "../../scripts/public_api.js";
import { startPostgres } from "../helpers/postgres.js";
import { answerFrom, startVendorStreamStub } from "../helpers/vendor_stream_stub.js";

let pkg: LocalPackage;

beforeAll(async () => {
  pkg = await packLocally();
}, 180_000);

afterAll(() => pkg?.remove());

/** Every file under `dir`, relative to it. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path, base) : [relative(base, path)];
  });
}

/** Module specifiers in a compiled file: static imports, re-exports and dynamic import() of literals. */
function specifiers(source: string): string[] {
  const found = new Set<string>();
  for (const m of source.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']|(?:^|[\s;])import\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm)) {
    found.add(m[1] ?? m[2] ?? m[3]);
  }
  return [...found];
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
const packageOf = (spec: string) => spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/");

describe("the packed file list", () => {
  it("holds the compiled code, its types and the docs, and nothing from tests, benches or sources", () => {
    expect(pkg.files).toEqual(expect.arrayContaining(["package.json", "README.md", ".env.example", "dist/src/index.js", "dist/src/index.d.ts", "dist/src/cli/main.js", "dist/src/console/app.js"]));
    for (const file of pkg.files) {
      expect(file, file).toMatch(/^(package\.json|README\.md|\.env\.example|dist\/(src|graphs|agents|bin)\/.+\.(js|d\.ts|html|css))$/);
      expect(file, file).not.toMatch(/(^|\/)(test|tests|bench|fixtures|examples)\//);
    }
    // No source maps pointing at unshipped .ts files, and no langgraph.json pointing at one.
    expect(pkg.files.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(pkg.files).not.toContain("langgraph.json");
    expect(walk(pkg.dir).sort()).toEqual([...pkg.files].sort());
  });

  it("ships the code and the declarations of every subpath export", () => {
    for (const [subpath, target] of Object.entries(pkg.manifest.exports)) {
      for (const file of typeof target === "string" ? [target] : Object.values(target)) expect(pkg.files, subpath).toContain(file.replace(/^\.\//, ""));
    }
  });

  it("references nothing it does not ship: relative imports resolve, bare ones are declared", () => {
    const declared = new Set([...Object.keys(pkg.manifest.dependencies), ...Object.keys(pkg.manifest.peerDependencies)]);
    const builtins = new Set(builtinModules);
    // The console route bundles app.ts with esbuild only in a checkout; the package ships the
    // bundle (dist/src/console/app.js, checked above), so that import never runs from it.
    const checkoutOnly = new Set(["dist/src/server/routes/console.js: esbuild"]);
    const problems: string[] = [];
    let checked = 0;
    for (const file of pkg.files.filter((f) => f.endsWith(".js") || f.endsWith(".d.ts"))) {
      const text = readFileSync(join(pkg.dir, file), "utf8");
      if (/sourceMappingURL/.test(text)) problems.push(`${file}: sourceMappingURL`);
      if (/\.\.\/(test|bench)\//.test(text)) problems.push(`${file}: refers to test or bench code`);
      for (const spec of specifiers(text)) {
        checked++;
        if (spec.startsWith(".")) {
          const target = relative(pkg.dir, join(pkg.dir, dirname(file), spec));
          const candidates = file.endsWith(".d.ts") ? [target, target.replace(/\.js$/, ".d.ts")] : [target];
          if (!candidates.some((c) => pkg.files.includes(c))) problems.push(`${file}: ${spec} is not in the package`);
        } else if (!spec.startsWith("node:") && !builtins.has(spec) && !declared.has(packageOf(spec)) && !checkoutOnly.has(`${file}: ${spec}`)) {
          problems.push(`${file}: ${spec} is not a dependency or peer dependency`);
        }
      }
    }
    expect(problems).toEqual([]);
    // The scan itself found the imports (a broken pattern would pass with none).
    expect(checked).toBeGreaterThan(500);
  });

  it("uses every dependency it declares, and declares the types its declarations need", () => {
    const used = new Set<string>();
    const typesNeeded = new Set<string>();
    for (const file of pkg.files.filter((f) => f.endsWith(".js") || f.endsWith(".d.ts"))) {
      const text = readFileSync(join(pkg.dir, file), "utf8");
      // Static and dynamic imports, and modules loaded by name through createRequire (yaml, pino-pretty).
      const loaded = [...specifiers(text), ...[...text.matchAll(/(?:\brequire|\))\(\s*["']([^"'./][^"']*)["']\s*\)/g)].map((m) => m[1]!)];
      for (const spec of loaded.filter((s) => !s.startsWith(".") && !s.startsWith("node:") && !builtinModules.includes(s))) {
        used.add(packageOf(spec));
        if (file.endsWith(".d.ts")) typesNeeded.add(packageOf(spec));
      }
    }
    expect(Object.keys(pkg.manifest.dependencies).filter((d) => !d.startsWith("@types/") && !used.has(d))).toEqual([]);
    // A declaration that imports a package without types of its own needs its @types package in
    // dependencies: an app compiled with skipLibCheck off gets TS7016 otherwise.
    const shipsTypes = (name: string) => {
      const dir = join(repoRoot, "node_modules", name);
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { types?: string; typings?: string; exports?: unknown };
      return !!(manifest.types ?? manifest.typings) || JSON.stringify(manifest.exports ?? {}).includes('"types"') || existsSync(join(dir, "index.d.ts"));
    };
    const typesPackage = (name: string) => `@types/${name.startsWith("@") ? name.slice(1).replace("/", "__") : name}`;
    const missing = [...typesNeeded].filter((name) => !shipsTypes(name) && pkg.manifest.dependencies[typesPackage(name)] === undefined);
    expect(missing.map(typesPackage)).toEqual([]);
    // The scan saw the declarations' imports (pg's types among them).
    expect(typesNeeded.has("pg")).toBe(true);
  });

  it("makes @langchain/core and @langchain/langgraph peers (the app's copy) over the tested range, pinned exactly for our own tests", () => {
    const m = pkg.manifest;
    // The pairs scripts/test_peers.sh runs the suite on: its `low` and `high` lines.
    const script = readFileSync(join(repoRoot, "scripts", "test_peers.sh"), "utf8");
    const pair = (which: string) => {
      const line = script.split("\n").find((l) => l.trim().startsWith(`${which})`)) ?? "";
      return { "@langchain/core": /core="?(?:\$\{\w+:-)?(\d+\.\d+\.\d+)/.exec(line)?.[1], "@langchain/langgraph": /langgraph="?(?:\$\{\w+:-)?(\d+\.\d+\.\d+)/.exec(line)?.[1], "@langchain/langgraph-checkpoint": /checkpoint="?(?:\$\{\w+:-)?(\d+\.\d+\.\d+)/.exec(line)?.[1] };
    };
    const [low, high] = [pair("low"), pair("high")];
    for (const name of ["@langchain/core", "@langchain/langgraph", "@langchain/langgraph-checkpoint"] as const) {
      // A closed range, from the lowest to the highest version scripts/test_peers.sh runs the
      // whole suite on: no future release (which might need Node 22) is admitted untested.
      expect(m.peerDependencies[name], name).toBe(`>=${low[name]} <=${high[name]}`);
      const [from, to, pinned] = [low[name]!, high[name]!, m.devDependencies[name]].map((v) => v.split(".").map(Number));
      const cmp = (a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
      // The version our own tests run on day to day is inside the range.
      expect(cmp(from, pinned) <= 0 && cmp(pinned, to) <= 0, `${name} ${m.devDependencies[name]} within ${m.peerDependencies[name]}`).toBe(true);
      expect(m.dependencies[name], name).toBeUndefined();
      expect(m.devDependencies[name], name).toMatch(/^\d+\.\d+\.\d+$/);
    }
    // Every other dependency is an exact pin: a range would admit versions that need Node 22.
    for (const [name, range] of Object.entries(m.dependencies)) expect(range, name).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe("the installed commands", () => {
  const env = () => offlineEnv({ CHECKPOINT_SQLITE_PATH: join(tmpdir(), `package-bin-${process.pid}-${Date.now()}.sqlite`) });
  const bin = (name: string) => join(pkg.dir, pkg.manifest.bin[name]);

  it("ships a node executable for the CLI, the server and the MCP server", () => {
    expect(Object.keys(pkg.manifest.bin).sort()).toEqual(["ai-gateway-agents", "ai-gateway-agents-mcp", "ai-gateway-agents-server"]);
    for (const name of Object.keys(pkg.manifest.bin)) expect(readFileSync(bin(name), "utf8").split("\n")[0], name).toBe("#!/usr/bin/env node");
  });

  it("answers a task offline, saying a simulated model answered", async () => {
    const r = await runProcess(process.execPath, [bin("ai-gateway-agents"), "What is 17 * 23?"], { cwd: pkg.app, env: env(), timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/tool\s+calculator\(\{"expression":"17 \* 23"\}\)/);
    expect(r.stdout).toMatch(/->\s+391/);
    expect(r.stdout).toMatch(/\[SIMULATED model: local emulator\]/);
    expect(r.stderr).toMatch(/SIMULATED model/);
  });

  it("names itself in the resume hint when a run waits for approval, and in its usage line", async () => {
    // As an app's shell has it: not inside this project's npm scripts (npm test sets npm_package_name).
    const appEnv = Object.fromEntries(Object.entries(env()).filter(([k]) => !k.startsWith("npm_")));
    const tiers = join(pkg.app, "tiers-approvals.yaml");
    writeFileSync(tiers, "approvals:\n  calculator: [approve, reject]\n");
    const r = await runProcess(process.execPath, [bin("ai-gateway-agents"), "--approvals", "exit", "--thread", "bin-approval", "What is 17 * 23?"], {
      cwd: pkg.app,
      env: { ...appEnv, TIERS_CONFIG: tiers },
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain("ai-gateway-agents resume bin-approval --decision approve|reject");
    expect(r.stderr).not.toContain("npm start");
    // Without a task and without a terminal, the usage line names the command too.
    const none = await runProcess(process.execPath, [bin("ai-gateway-agents")], { cwd: pkg.app, env: appEnv });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: ai-gateway-agents "your task"');
  });

  it("prints its version, and one --help that lists every command and every flag", async () => {
    const version = await runProcess(process.execPath, [bin("ai-gateway-agents"), "--version"], { cwd: pkg.app, env: env() });
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.manifest.version}\n` });
    const help = await runProcess(process.execPath, [bin("ai-gateway-agents"), "--help"], { cwd: pkg.app, env: env() });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: ai-gateway-agents /);
    for (const command of ["models", "tools", "history", "resume", "verify"]) expect(help.stdout, command).toMatch(new RegExp(`^  ${command} `, "m"));
    for (const flag of ["--tier", "--agent", "--plan", "--thread", "--routing", "--json", "--approvals", "--version", "--decision", "--args", "--reason"]) {
      expect(help.stdout, flag).toContain(flag);
    }
  });
});

describe("the bundled command's parts loaded on demand", () => {
  // The command bundles LangChain, LangGraph and every provider SDK, with each loaded part in its
  // own chunk: each run below loads chunks the offline default run never touches.
  const cli = (args: string[], extra: Record<string, string>) =>
    runProcess(process.execPath, [join(pkg.dir, pkg.manifest.bin["ai-gateway-agents"]), ...args], {
      cwd: pkg.app,
      env: offlineEnv({ CHECKPOINT_SQLITE_PATH: join(pkg.app, `bin-${Date.now()}-${Math.random()}.sqlite`), ...extra }),
      timeoutMs: 60_000,
    });
  const eventsOf = (stdout: string) => stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });

  it("answers through the OpenAI, Anthropic, Gemini and Ollama packages, one provider at a time", async () => {
    const KEY = "sk-bin-test-openai-0000";
    const [emu, stub] = await Promise.all([startEmulator({ port: 0, staticApiKeys: [KEY] }), startVendorStreamStub()]);
    try {
      const vendors: [string, Record<string, string>, RegExp][] = [
        ["openai", { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: emu.apiUrl }, /Simulated answer/],
        ["anthropic", { ANTHROPIC_API_KEY: "sk-ant-bin-test-1111", ANTHROPIC_BASE_URL: stub.url }, new RegExp(answerFrom("anthropic"))],
        ["google", { GOOGLE_API_KEY: "AIza-bin-test-2222", GOOGLE_BASE_URL: stub.url }, new RegExp(answerFrom("gemini"))],
        ["ollama", { OLLAMA_BASE_URL: stub.url }, new RegExp(answerFrom("ollama"))],
      ];
      for (const [provider, env, answer] of vendors) {
        const r = await cli(["--json", "Say hello"], { PROVIDER_ORDER: provider, ...env });
        expect(r.code, `${provider}: ${r.stderr}`).toBe(0);
        const done = eventsOf(r.stdout).find((e) => e.type === "final_answer") as { answer?: string; provider?: string } | undefined;
        expect(done?.answer, provider).toMatch(answer);
        expect(done?.provider, provider).toBe(provider);
      }
      expect(stub.requests).toEqual(expect.arrayContaining(["POST /v1/messages", "POST /api/chat"]));
      expect(stub.requests.some((r) => r.endsWith(":streamGenerateContent"))).toBe(true);
    } finally {
      await Promise.all([emu.close(), stub.close()]);
    }
  }, 120_000);

  it("keeps a thread in PostgreSQL and exports its trace as OTLP protobuf", async () => {
    const [pg, rx] = await Promise.all([startPostgres(), startOtlpReceiver()]);
    try {
      const env = { DATABASE_URL: pg.url, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" };
      const run = await cli(["--json", "What is 17 * 23?"], env);
      expect(run.code, run.stderr).toBe(0);
      const threadId = String(eventsOf(run.stdout).find((e) => e.type === "run_started")?.threadId);
      const history = await cli(["history", threadId], env);
      expect(history.code, history.stderr).toBe(0);
      expect(history.stdout).toContain("What is 17 * 23?");
      expect(history.stdout).toMatch(/391/);
      const payload = rx.exports.map((e) => e.body).join("");
      expect(rx.exports.every((e) => e.headers["content-type"] === "application/x-protobuf")).toBe(true);
      for (const name of ["orchestrator.run", "execute_tool calculator"]) expect(payload).toContain(name);
    } finally {
      await Promise.all([pg.stop(), rx.close()]);
    }
  }, 120_000);

  it("lists the tools of an MCP server it starts over stdio (the package's own MCP server)", async () => {
    const tiers = join(pkg.app, "tiers-mcp.yaml");
    const mcpCommand = join(pkg.dir, pkg.manifest.bin["ai-gateway-agents-mcp"]);
    writeFileSync(tiers, `mcp:\n  servers:\n    self:\n      transport: stdio\n      command: ${JSON.stringify(process.execPath)}\n      args: [${JSON.stringify(mcpCommand)}]\n`);
    const r = await cli(["tools", "--json"], { TIERS_CONFIG: tiers });
    expect(r.code, r.stderr).toBe(0);
    const tools = (JSON.parse(r.stdout) as { tools: { name: string; source: string }[] }).tools;
    expect(tools).toEqual(expect.arrayContaining([expect.objectContaining({ name: "calculator", source: "builtin" }), expect.objectContaining({ name: "self__run_task", source: "mcp:self" })]));
  }, 120_000);
});

describe("an app embedding it", () => {
  it("runs examples/embed, streaming steps to a calculator answer", async () => {
    copyFileSync(join(repoRoot, "examples", "embed", "app.mjs"), join(pkg.app, "app.mjs"));
    const r = await runProcess(process.execPath, ["app.mjs", "What is 12.5% of 3,480?"], { cwd: pkg.app, env: offlineEnv({ LOG_LEVEL: "warn" }) });
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout
      .split("\n")
      .filter((l) => l.startsWith("["))
      .map((l) => JSON.parse(l.slice(l.indexOf("] ") + 2)) as { type: string; [k: string]: unknown });
    expect(events.map((e) => e.type)).toEqual(["route_decided", "agent_started", "tool_call", "tool_result", "final_answer", "usage"]);
    expect(events.find((e) => e.type === "tool_result")?.content).toBe("435");
    expect(events.find((e) => e.type === "final_answer")?.simulated).toBe(true);
    expect(r.stderr).toMatch(/SIMULATED model from the local gateway emulator/);
  });
});

describe("require() and import()", () => {
  it("give every subpath's values in the committed export list, the same through both (Node >= 20.19 loads the ES modules for require)", async () => {
    const subpaths = Object.keys(pkg.manifest.exports).filter((k) => k !== "./package.json").map((k) => (k === "." ? "ai-gateway-agents" : `ai-gateway-agents/${k.slice(2)}`));
    const list = JSON.stringify(subpaths);
    const viaRequire = await runProcess(process.execPath, ["-e", `const out = {}; for (const s of ${list}) out[s] = Object.keys(require(s)).sort(); console.log(JSON.stringify(out));`], { cwd: pkg.app, env: offlineEnv() });
    const viaImport = await runProcess(process.execPath, ["--input-type=module", "-e", `const out = {}; for (const s of ${list}) out[s] = Object.keys(await import(s)).filter((k) => k !== "default" && k !== "module.exports").sort(); console.log(JSON.stringify(out));`], { cwd: pkg.app, env: offlineEnv() });
    expect(viaRequire.code, viaRequire.stderr).toBe(0);
    expect(viaImport.code, viaImport.stderr).toBe(0);
    const required = JSON.parse(viaRequire.stdout) as Record<string, string[]>;
    expect(required).toEqual(JSON.parse(viaImport.stdout));
    // The list (read from the sources, type-only names included) and the packed package agree
    // on every entry point and on each one's run-time names.
    const listed = Object.fromEntries(
      Object.entries(readCommittedApi()).map(([specifier, kinds]) => [specifier, Object.keys(kinds).filter((name) => isValueKind(kinds[name]!)).sort()]),
    );
    expect(required).toEqual(listed);
    expect(required["ai-gateway-agents"]).toEqual(expect.arrayContaining(["ChatAIGateway", "AIGatewayClient", "createOrchestrator", "streamSteps"]));
    expect(required["ai-gateway-agents/runs"]).toEqual(expect.arrayContaining(["createRunService", "streamSteps", "RunRefusedError"]));
  });

  it("declare every name of the committed export list, types included, at its entry point", async () => {
    // One import of every listed name per entry point, compiled as an app compiles it: a name
    // missing from the shipped declarations is TS2305 naming the entry point and the name.
    const lines = Object.entries(readCommittedApi()).map(([specifier, kinds], i) => `import type { ${Object.keys(kinds).map((n) => `${n} as N${i}_${n}`).join(", ")} } from "${specifier}";`);
    writeFileSync(join(pkg.app, "api_names.ts"), `${lines.join("\n")}\nexport {};\n`);
    const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
    const r = await runProcess(process.execPath, [tsc, "--noEmit", "--strict", "--skipLibCheck", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "api_names.ts"], { cwd: pkg.app, env: offlineEnv(), timeoutMs: 120_000 });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  }, 150_000);

  it("shares the app's @langchain/core: the model is a BaseChatModel of the app's copy", async () => {
    const script = [
      'const { ChatAIGateway } = await import("ai-gateway-agents");',
      'const { BaseChatModel } = await import("@langchain/core/language_models/chat_models");',
      'console.log(new ChatAIGateway({ model: "m", client: {} }) instanceof BaseChatModel);',
    ].join(" ");
    const r = await runProcess(process.execPath, ["--input-type=module", "-e", script], { cwd: pkg.app, env: offlineEnv() });
    expect(r).toMatchObject({ code: 0, stdout: "true\n" });
  });
});

describe("a fresh strict TypeScript app installing the tarball with npm", () => {
  // Outside this checkout, so nothing resolves from its node_modules: only what npm installed.
  let app: string;

  beforeAll(async () => {
    app = mkdtempSync(join(tmpdir(), "fresh-app-"));
    const tarball = "ai-gateway-agents.tgz";
    copyFileSync(pkg.tarball, join(app, tarball));
    writeFreshApp(app, `file:${tarball}`, pkg.manifest);
    // Install scripts stay on, as in a user's install. Offline: every tarball comes from the npm cache.
    const install = await runProcess("npm", ["install", "--offline", "--no-audit", "--no-fund"], { cwd: app, env: offlineEnv(), timeoutMs: 240_000 });
    expect(install.code, install.stderr).toBe(0);
  }, 300_000);

  afterAll(() => {
    if (app) rmSync(app, { recursive: true, force: true });
  }, 120_000);

  it("installs nothing that compiles: no install scripts, no better-sqlite3, no native build output", () => {
    const installed = (JSON.parse(readFileSync(join(app, "node_modules", ".package-lock.json"), "utf8")) as { packages: Record<string, { hasInstallScript?: boolean }> }).packages;
    expect(Object.keys(installed)).toContain("node_modules/ai-gateway-agents");
    expect(Object.keys(installed).filter((path) => installed[path]!.hasInstallScript)).toEqual([]);
    expect(Object.keys(installed).filter((path) => /(^|\/)(better-sqlite3|node-gyp|prebuild-install|bindings)$/.test(path))).toEqual([]);
    const built = walk(join(app, "node_modules")).filter((f) => /(^|\/)build\/(Release|Debug)\/|\.gyp$|config\.gypi$/.test(f));
    expect(built).toEqual([]);
  });

  it("compiles an app importing the root and every subpath with strict and skipLibCheck off, and runs it offline", async () => {
    const subpaths = Object.keys(pkg.manifest.exports).filter((k) => k !== "." && k !== "./package.json").map((k) => k.slice(2));
    const source = [
      'import { HumanMessage } from "@langchain/core/messages";',
      'import { ChatAIGateway, createOrchestrator, createRuntime } from "ai-gateway-agents";',
      'import { createCheckpointer } from "ai-gateway-agents/orchestrator";',
      ...subpaths.map((s, i) => `import * as subpath${i} from "ai-gateway-agents/${s}";`),
      `const subpaths: Record<string, object> = { ${subpaths.map((s, i) => `"${s}": subpath${i}`).join(", ")} };`,
      "const modelName = (model: ChatAIGateway): string => model.model;",
      "const runtime = await createRuntime();",
      // SQLite through the saver the package bundles on libsql.
      'const store = await createCheckpointer({ sqlitePath: "checkpoints.sqlite" });',
      "try {",
      "  const graph = createOrchestrator({ registry: runtime.registry, simulated: runtime.simulated, checkpointer: store.checkpointer });",
      '  const thread = { configurable: { thread_id: "fresh-app" } };',
      // A partial run context: LangGraph's own types would ask for every key.
      '  const result = await graph.invoke({ messages: [new HumanMessage("What is 17 * 23?")] }, { ...thread, context: { tier: "fast" } });',
      "  const saved = await store.checkpointer.getTuple(thread);",
      "  const last = result.messages[result.messages.length - 1];",
      "  const loaded = Object.keys(subpaths).filter((k) => Object.keys(subpaths[k]!).length > 0);",
      "  console.log(JSON.stringify({ answer: last?.content, agent: result.run?.activeAgent, simulated: runtime.simulated, loaded, modelName: typeof modelName, saver: store.checkpointer.constructor.name, saved: saved?.checkpoint.id !== undefined }));",
      "} finally {",
      "  await store.close();",
      "  await runtime.close();",
      "}",
    ].join("\n");
    writeFileSync(join(app, "app.ts"), `${source}\n`);
    const compilerOptions = { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", strict: true, skipLibCheck: false, outDir: "out" };
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["app.ts"] }));
    const tsc = await runProcess(process.execPath, [join(repoRoot, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], { cwd: app, env: offlineEnv(), timeoutMs: 240_000 });
    expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
    const r = await runProcess(process.execPath, ["out/app.js"], { cwd: app, env: offlineEnv({ LOG_LEVEL: "warn" }) });
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout) as { answer: string; agent: string; simulated: boolean; loaded: string[]; modelName: string; saver: string; saved: boolean };
    expect(printed).toMatchObject({ agent: "fast_agent", simulated: true, loaded: subpaths, modelName: "function", saver: "SqliteSaver", saved: true });
    expect(existsSync(join(app, "checkpoints.sqlite"))).toBe(true);
    expect(printed.answer).toMatch(/391/);
    expect(r.stderr).toMatch(/SIMULATED model/);
  }, 300_000);
});
