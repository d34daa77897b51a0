/**
 * The run console: a small offline page at `/` over the same HTTP API any client uses. Its
 * files sit in src/console (a checkout) or dist/src/console (the package). The package ships
 * the script built; in a checkout `app.ts` is bundled with esbuild on the first request, so
 * the page follows source edits after a restart with no build step. Every response carries a
 * content security policy that allows nothing but this server.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "console");

/** Nothing outside this server: no CDN, no font service, no beacon, no framing. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

let script: Promise<string> | undefined;

/** The page's script: the shipped build, else a bundle of app.ts made once. */
function consoleScript(): Promise<string> {
  script ??= (async () => {
    const built = join(DIR, "app.js");
    if (existsSync(built)) return readFile(built, "utf8");
    const { build } = await import("esbuild");
    const out = await build({ entryPoints: [join(DIR, "app.ts")], bundle: true, write: false, format: "iife", target: "es2022", minify: true, logLevel: "silent" });
    return out.outputFiles[0].text;
  })();
  script.catch(() => (script = undefined));
  return script;
}

const send = (reply: FastifyReply, type: string, body: string) =>
  reply.header("content-type", type).header("content-security-policy", CSP).header("x-content-type-options", "nosniff").header("referrer-policy", "no-referrer").header("cache-control", "no-cache").send(body);

/** Registers `/`, `/console.js` and `/console.css`. */
export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  app.get("/", async (_request, reply) => send(reply, "text/html; charset=utf-8", await readFile(join(DIR, "index.html"), "utf8")));
  app.get("/console.css", async (_request, reply) => send(reply, "text/css; charset=utf-8", await readFile(join(DIR, "console.css"), "utf8")));
  app.get("/console.js", async (_request, reply) => send(reply, "text/javascript; charset=utf-8", await consoleScript()));
}
