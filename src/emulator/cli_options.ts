/**
 * Command-line options of the emulator CLI, parsed with commander. Kept apart from cli.ts,
 * which starts a server on import, so parsing can be unit-tested.
 */
import { Command, InvalidArgumentError } from "commander";
import type { EmulatorOptions } from "./types.js";

function nonNegative(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative number.`);
    return n;
  };
}

function rate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError("fault rate must be between 0 and 1.");
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Parses the CLI arguments (without node and script paths) into emulator options; throws CommanderError on bad input. */
export function parseCliOptions(argv: readonly string[], writeErr: (text: string) => void = (t) => process.stderr.write(t)): EmulatorOptions {
  const program = new Command()
    .name("ai-gateway-emulator")
    .description("Local AI-gateway emulator: OAuth2 token endpoint + OpenAI-compatible API with a SIMULATED model.")
    .option("--host <host>", "interface to bind (loopback only: the control plane has no auth)", "127.0.0.1")
    .option("--port <n>", "port to listen on (default: ephemeral)", nonNegative("port"))
    .option("--ttft-ms <n>", "simulated time to first token", nonNegative("ttft-ms"))
    .option("--per-token-ms <n>", "simulated delay between streamed tokens", nonNegative("per-token-ms"))
    .option("--fault-rate <r>", "probability (0..1) of a random transient fault per chat request", rate)
    .option("--fault-seed <s>", "seed of the fault PRNG", nonNegative("fault-seed"))
    .option("--token-ttl <s>", "access token lifetime in seconds", nonNegative("token-ttl"))
    .option("--client-id <id>", "OAuth2 client id to accept")
    .option("--client-secret <secret>", "OAuth2 client secret to accept (default: random)")
    .option("--static-api-key <key>", "static bearer key to accept besides OAuth2 tokens (repeatable)", collect, [] as string[])
    .option("--omit-expires-in", "leave expires_in out of token responses")
    .exitOverride()
    // Help goes to stderr too: stdout carries only the JSON "ready" line.
    .configureOutput({ writeOut: writeErr, writeErr });
  program.parse([...argv], { from: "user" });
  const o = program.opts<{
    host: string;
    port?: number;
    ttftMs?: number;
    perTokenMs?: number;
    faultRate?: number;
    faultSeed?: number;
    tokenTtl?: number;
    clientId?: string;
    clientSecret?: string;
    staticApiKey: string[];
    omitExpiresIn?: boolean;
  }>();
  return {
    host: o.host,
    port: o.port,
    latency: { ttftMs: o.ttftMs, perTokenMs: o.perTokenMs },
    faultRate: o.faultRate,
    faultSeed: o.faultSeed,
    tokenTtlSeconds: o.tokenTtl,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    staticApiKeys: o.staticApiKey.length > 0 ? o.staticApiKey : undefined,
    omitExpiresIn: o.omitExpiresIn,
  };
}

