/** Helpers of the provider integration tests: log capture, a DNS-failing dispatcher, registry env. */
import type { LookupAddress, LookupOptions } from "node:dns";
import { Writable } from "node:stream";
import { Agent, type Dispatcher } from "undici";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { createLogger, type Logger } from "../../src/logging/index.js";

/** A JSON logger whose lines are kept in memory, parsed. */
export function captureLogger(level = "debug"): { logger: Logger; lines: Record<string, unknown>[]; events: (name: string) => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ level, format: "json", destination }), lines, events: (name) => lines.filter((l) => l.event === name) };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address?: string | LookupAddress[], family?: number) => void;

/**
 * An undici Agent whose name resolution is in the test's hands: while `dns.up` is false every
 * lookup fails with ENOTFOUND (as with the VPN down), else every name resolves to 127.0.0.1.
 * No DNS query leaves the machine either way.
 */
export function controlledDnsAgent(): { agent: Agent; dns: { up: boolean; lookups: number } } {
  const dns = { up: false, lookups: 0 };
  const lookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    dns.lookups++;
    if (!dns.up) {
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", errno: -3008, syscall: "getaddrinfo", hostname });
      process.nextTick(() => callback(err));
      return;
    }
    if (options?.all) process.nextTick(() => callback(null, [{ address: "127.0.0.1", family: 4 }]));
    else process.nextTick(() => callback(null, "127.0.0.1", 4));
  };
  return { agent: new Agent({ connect: { lookup: lookup as never } }), dns };
}

/** Environment for a registry: `gateway` (or a URL + credentials) as the gateway, `secondary` behind OPENAI_*. */
export function fallbackEnv(
  gateway: { baseUrl: string; clientId: string; clientSecret: string },
  secondary: EmulatorHandle,
  staticKey: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    AI_GATEWAY_BASE_URL: gateway.baseUrl,
    AI_GATEWAY_CLIENT_ID: gateway.clientId,
    AI_GATEWAY_CLIENT_SECRET: gateway.clientSecret,
    OPENAI_BASE_URL: secondary.apiUrl,
    OPENAI_API_KEY: staticKey,
    PROVIDER_ORDER: "gateway,openai",
    BREAKER_FAILURES: "1",
    BREAKER_COOLDOWN_MS: "60000",
    ...extra,
  };
}

/** Milliseconds taken by `fn`, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/** An undici Agent that counts the requests it carries. */
export class CountingAgent extends Agent {
  requests = 0;
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.requests++;
    return super.dispatch(options, handler);
  }
}
