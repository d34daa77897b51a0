/**
 * The connect-time layer of the SSRF guard, proved on its own: requests go straight to the
 * guarded Agent (no pre-dispatch URL check in front), and IPv6 literals are refused before any
 * socket. Forbidden non-loopback addresses go to a connector that records and refuses, so even a
 * broken guard opens no connection to them; loopback ones have a counting listener behind them.
 */
import { createServer, type Server } from "node:net";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuardedAgent } from "../../src/server/ssrf.js";

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
