/**
 * The connect-time layer of the SSRF guard, proved on its own: requests go straight to the
 * guarded Agent (no pre-dispatch URL check in front), and IPv6 literals are refused before any
 * socket. Forbidden non-loopback addresses go to a connector that records and refuses, so even a
 * broken guard opens no connection to them; loopback ones have a counting listener behind them.
 */
import { createServer, type Server } from "node:net";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet } from "../../agents/tools/http_get.js";
import { createGuardedAgent } from "../../src/net/index.js";

const attempts: string[] = [];
const recordingConnector = ((opts: { hostname: string }, callback: (err: Error | null, socket: null) => void) => {
  attempts.push(opts.hostname);
  callback(new Error("recorded and refused by the test connector"), null);
}) as never;

let listener: Server;
let connections = 0;
let port = 0;
beforeAll(async () => {
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "::1", resolve));
  port = (listener.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

describe("the guarded Agent at connect time", () => {
  it("refuses http://[::1]:port with the real connector: the loopback listener sees no connection", async () => {
    const blocked: string[] = [];
    const agent = createGuardedAgent({ allowInsecureLoopback: false }, { onBlocked: (host) => blocked.push(host) });
    try {
      await expect(request(`http://[::1]:${port}/v1/models`, { dispatcher: agent })).rejects.toThrow(/refused: it resolves to a loopback address/);
      expect(connections).toBe(0);
      expect(blocked).toEqual(["::1"]);
    } finally {
      await agent.close();
    }
  });

  it.each(["fd00:ec2::254", "fd12:3456::1", "fe80::1", "::ffff:7f00:1", "::ffff:0:a00:1", "64:ff9b::a9fe:a9fe", "2002:a00:1::1"])(
    "refuses [%s] before its connector is ever called",
    async (address) => {
      attempts.length = 0;
      const agent = createGuardedAgent({ allowInsecureLoopback: false }, { connector: recordingConnector });
      try {
        await expect(request(`https://[${address}]/`, { dispatcher: agent })).rejects.toThrow(/refused/);
        expect(attempts).toEqual([]);
      } finally {
        await agent.close();
      }
    },
  );

  it("hands a public address to its connector (so the checks above can fail)", async () => {
    attempts.length = 0;
    const agent = createGuardedAgent({ allowInsecureLoopback: false }, { connector: recordingConnector });
    try {
      await expect(request("https://[2606:4700:4700::1111]/", { dispatcher: agent })).rejects.toThrow(/recorded and refused by the test connector/);
      expect(attempts).toEqual(["2606:4700:4700::1111"]);
    } finally {
      await agent.close();
    }
  });
});

describe("http_get at connect time", () => {
  const settings = { allowedHosts: ["intranet.example", "public.example"], allowHttpLoopback: false, maxBytes: 1_000, timeoutMs: 2_000 };
  const resolvesTo = (address: string) => async () => [{ address, family: (address.includes(":") ? 6 : 4) as 4 | 6 }];

  it.each(["10.0.0.5", "169.254.169.254", "fd00:ec2::254", "127.0.0.1"])("an allowlisted name resolving to %s is refused, with no connection attempted", async (address) => {
    attempts.length = 0;
    const text = await httpGet("https://intranet.example/status", settings, { lookup: resolvesTo(address), connector: recordingConnector });
    expect(text).toMatch(/^Error: request to intranet\.example refused: the host resolves to /);
    expect(attempts).toEqual([]);
  });

  it("an allowlisted name resolving to a public address reaches the connector", async () => {
    attempts.length = 0;
    // The recording connector refuses it too: no socket is ever opened by this test.
    const text = await httpGet("https://public.example/status", settings, { lookup: resolvesTo("93.184.216.34"), connector: recordingConnector });
    expect(text).toMatch(/^Error: request to public\.example failed/);
    expect(attempts).toEqual(["public.example"]);
  });
});
