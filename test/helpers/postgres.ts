/**
 * Starts a throwaway PostgreSQL cluster for one test file: its own data directory in a temp
 * dir, a free port on 127.0.0.1 only, trust auth, fsync off. As root (CI), initdb refuses to
 * run, so the server runs as the `postgres` system user in a directory that user owns.
 */
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

/** A running cluster. */
export interface PostgresCluster {
  /** Connection URL of the `postgres` database (trust auth, so no password). */
  url: string;
  port: number;
  /** Temp directory holding the data directory, socket and log. */
  dir: string;
  /** Stops the server at once and removes the directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Directory holding initdb and pg_ctl: PG_BIN_DIR, else the newest /usr/lib/postgresql/<v>/bin. */
export function findPostgresBinDir(): string | undefined {
  const fromEnv = process.env.PG_BIN_DIR;
  if (fromEnv && existsSync(join(fromEnv, "initdb"))) return fromEnv;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")) && existsSync(join(root, v, "bin", "pg_ctl")))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions.length > 0 ? join(root, versions[0], "bin") : undefined;
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** uid and gid of a system user, from /etc/passwd. */
function lookupUser(name: string): { uid: number; gid: number } | undefined {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** Runs a PostgreSQL program, as the postgres user when we are root. */
async function runPg(binDir: string, program: string, args: string[], cwd: string, asPostgres: boolean) {
  const path = join(binDir, program);
  const [cmd, argv] = asPostgres ? ["runuser", ["-u", "postgres", "--", path, ...args]] : [path, args];
  try {
    return await run(cmd, argv, { cwd, timeout: 60_000, env: { ...process.env, LC_ALL: "C", LANG: "C" } });
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(`${program} failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

/** Retries a connection until the server answers a query (pg_ctl -w already waits; this confirms TCP). */
async function waitUntilReady(url: string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query("select 1");
      await client.end();
      return;
    } catch (err) {
      lastError = err;
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`PostgreSQL did not become ready at ${url}: ${String(lastError)}`);
}

/**
 * Creates, starts and waits for a new cluster. Throws with instructions when the server
 * binaries are missing (`bash scripts/ensure-postgres.sh` installs them).
 */
export async function startPostgres(): Promise<PostgresCluster> {
  const binDir = findPostgresBinDir();
  if (!binDir) {
    throw new Error(
      "PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin. " +
        "Install them with `bash scripts/ensure-postgres.sh` (as root; `npm test` runs it first) " +
        "or `apt-get install postgresql-15`, or point PG_BIN_DIR at the directory that holds them.",
    );
  }
  const asPostgres = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "pg-test-"));
  if (asPostgres) {
    const user = lookupUser("postgres");
    if (!user) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error("Running as root, but there is no `postgres` system user to run the server as (initdb refuses root).");
    }
    chownSync(dir, user.uid, user.gid);
  }
  const dataDir = join(dir, "data");
  const port = await freePort();
  let started = false;
  const stop = async () => {
    if (started) {
      started = false;
      await runPg(binDir, "pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"], dir, asPostgres).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await runPg(binDir, "initdb", ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"], dir, asPostgres);
    const serverOptions = [
      `-p ${port}`,
      "-c listen_addresses=127.0.0.1",
      `-c unix_socket_directories=${dir}`,
      "-c fsync=off",
      "-c synchronous_commit=off",
      "-c full_page_writes=off",
    ].join(" ");
    await runPg(binDir, "pg_ctl", ["-D", dataDir, "-l", join(dir, "server.log"), "-o", serverOptions, "-w", "-t", "30", "start"], dir, asPostgres);
    started = true;
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await waitUntilReady(url, 15_000);
    return { url, port, dir, stop };
  } catch (err) {
    const log = existsSync(join(dir, "server.log")) ? readFileSync(join(dir, "server.log"), "utf8").slice(-2000) : "";
    await stop();
    throw new Error(`${(err as Error).message}${log ? `\nserver log:\n${log}` : ""}`);
  }
}
