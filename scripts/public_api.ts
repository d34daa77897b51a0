/**
 * The package's public API as a list: for each entry point in package.json `exports` (the root
 * and every subpath), every exported name with its kind, type-only exports included. The
 * TypeScript compiler reads the entry files' sources, so the list needs no build.
 * `npm run api` rewrites test/fixtures/public_api.json; test/unit/public_api.test.ts fails when
 * the committed list and the code disagree, so every change to the API is a visible diff.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Where the committed list lives. */
export const PUBLIC_API_FILE = join(root, "test", "fixtures", "public_api.json");

/** The command that rewrites the committed list. */
export const REGENERATE_COMMAND = "npm run api";

/** Exported name -> kind (`class`, `function`, `const`, `interface`, `type`, ...), per import specifier. */
export type PublicApi = Record<string, Record<string, string>>;

/** Import specifier (`ai-gateway-agents`, `ai-gateway-agents/gateway`) -> the source file its declarations are built from. */
export function entryPoints(): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; exports: Record<string, string | Record<string, string>> };
  const entries: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    const types = typeof target === "string" ? undefined : target.types;
    if (!types) continue; // ./package.json: data, not code
    const specifier = subpath === "." ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
    // tsconfig.build.json compiles `<dir>/x.ts` to `dist/<dir>/x.d.ts` (rootDir ".").
    entries[specifier] = join(root, types.replace(/^\.\/dist\//, "").replace(/\.d\.ts$/, ".ts"));
  }
  return entries;
}

/** Kind of a resolved symbol; `valueExport` says whether the name exists at run time. */
function kindOf(symbol: ts.Symbol, valueExport: boolean): string {
  const f = symbol.flags;
  const S = ts.SymbolFlags;
  const valueKind = f & S.Class ? "class" : f & S.Enum ? "enum" : f & S.Function ? "function" : f & S.Variable ? "const" : f & S.ValueModule ? "namespace" : undefined;
  const typeKind = f & S.Interface ? "interface" : f & S.TypeAlias ? "type" : undefined;
  if (valueExport && valueKind) return typeKind && valueKind !== "class" ? `${valueKind} & ${typeKind}` : valueKind;
  // A class or a constant exported with `export type` is a type to the importer.
  return typeKind ?? (valueKind ? `${valueKind} (type only)` : "type");
}

/**
 * The package's own sources, each file a root, with `noResolve`: a relative import finds its file
 * among the roots, and no dependency's declarations are read. Names and kinds come from the
 * declarations alone, and skipping node_modules makes the read about five times faster.
 */
function createProgram(): ts.Program {
  const configFile = ts.readConfigFile(join(root, "tsconfig.build.json"), (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  return ts.createProgram(parsed.fileNames, { ...parsed.options, noEmit: true, noResolve: true, types: [] });
}

const resolve = (symbol: ts.Symbol, checker: ts.TypeChecker) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);

/** Whether an import or export declaration says `type` for its names. */
function isTypeOnlyAlias(declaration: ts.Declaration): boolean {
  if (ts.isExportSpecifier(declaration)) return declaration.isTypeOnly || declaration.parent.parent.isTypeOnly;
  if (ts.isImportSpecifier(declaration)) return declaration.isTypeOnly || declaration.parent.parent.isTypeOnly;
  if (ts.isImportClause(declaration)) return declaration.isTypeOnly;
  return false;
}

/**
 * For a name the package re-exports from a dependency (whose declarations `noResolve` leaves
 * unread): `type from <module>` or `value from <module>`. Undefined for the package's own names.
 */
function dependencyKind(exported: ts.Symbol, checker: ts.TypeChecker): string | undefined {
  let typeOnly = false;
  for (let symbol: ts.Symbol | undefined = exported; symbol && symbol.flags & ts.SymbolFlags.Alias; ) {
    const declaration = symbol.declarations?.[0];
    if (!declaration) return undefined;
    typeOnly ||= isTypeOnlyAlias(declaration);
    const next = checker.getImmediateAliasedSymbol(symbol);
    if (!next || next.declarations === undefined) {
      const statement = ts.findAncestor(declaration, (n) => ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) as ts.ImportDeclaration | ts.ExportDeclaration | undefined;
      const from = statement?.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier) ? statement.moduleSpecifier.text : "an unresolved module";
      return `${typeOnly ? "type" : "value"} from ${from}`;
    }
    symbol = next;
  }
  return undefined;
}

/** What the compiler sees of each entry: kinds by name, and the names whose declaration has no doc comment. */
export function readPublicApi(): { api: PublicApi; undocumented: Record<string, string[]> } {
  const entries = entryPoints();
  const program = createProgram();
  const checker = program.getTypeChecker();
  const api: PublicApi = {};
  const undocumented: Record<string, string[]> = {};
  for (const [specifier, file] of Object.entries(entries)) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`${specifier}: ${file} is not a module of tsconfig.build.json; fix the "types" path in package.json exports.`);
    // The module object's properties are the names an importer gets at run time. (The compiler
    // counts a value reached through `export type *` among them; test/e2e/package.test.ts compares
    // these names with the packed package's, so such a slip shows there.)
    const values = new Set(checker.getPropertiesOfType(checker.getTypeOfSymbol(moduleSymbol)).map((s) => s.name));
    const kinds: Record<string, string> = {};
    const missingDocs: string[] = [];
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const fromDependency = dependencyKind(exported, checker);
      if (fromDependency) {
        // Documented by the dependency that declares it.
        kinds[exported.name] = fromDependency;
        continue;
      }
      const target = resolve(exported, checker);
      kinds[exported.name] = kindOf(target, values.has(exported.name));
      if (target.getDocumentationComment(checker).length === 0) missingDocs.push(exported.name);
    }
    api[specifier] = Object.fromEntries(Object.entries(kinds).sort(([a], [b]) => a.localeCompare(b, "en")));
    undocumented[specifier] = missingDocs.sort((a, b) => a.localeCompare(b, "en"));
  }
  return { api, undocumented };
}

/** Whether a kind from the list names something that exists at run time. */
export const isValueKind = (kind: string) => !/^(interface|type)\b|\(type only\)$/.test(kind);

const names = (entry: Record<string, string>) => `${Object.keys(entry).length} name${Object.keys(entry).length === 1 ? "" : "s"}`;

/** One line per difference between two lists (added, removed, changed kind), empty when equal. */
export function diffPublicApi(committed: PublicApi, live: PublicApi): string[] {
  const lines: string[] = [];
  for (const specifier of [...new Set([...Object.keys(committed), ...Object.keys(live)])].sort()) {
    const before = committed[specifier];
    const after = live[specifier];
    if (!before) lines.push(`+ entry point ${specifier} (${names(after!)})`);
    else if (!after) lines.push(`- entry point ${specifier} (${names(before)})`);
    else {
      for (const name of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
        if (!(name in before)) lines.push(`+ ${specifier}: ${name} (${after[name]})`);
        else if (!(name in after)) lines.push(`- ${specifier}: ${name} (${before[name]})`);
        else if (before[name] !== after[name]) lines.push(`~ ${specifier}: ${name} (${before[name]} -> ${after[name]})`);
      }
    }
  }
  return lines;
}

/** The committed list. */
export function readCommittedApi(): PublicApi {
  return JSON.parse(readFileSync(PUBLIC_API_FILE, "utf8")) as PublicApi;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { api } = readPublicApi();
  let previous: PublicApi = {};
  try {
    previous = readCommittedApi();
  } catch {
    // No list yet, or one a merge left unreadable: it is written afresh.
  }
  writeFileSync(PUBLIC_API_FILE, `${JSON.stringify(api, null, 2)}\n`);
  const changes = diffPublicApi(previous, api);
  console.log(changes.length ? changes.join("\n") : "The public API is unchanged.");
  console.log(`Wrote ${PUBLIC_API_FILE.slice(root.length)}: ${Object.entries(api).map(([specifier, entry]) => `${specifier} ${Object.keys(entry).length}`).join(", ")}.`);
}
