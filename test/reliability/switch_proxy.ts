/**
 * A TCP proxy on a fixed loopback port that a test switches between "forward" (to a target
 * port) and "down" (nothing listens: connections are refused, open ones are cut), so a gateway
 * can be taken down hard and brought back on the same address without restarting it.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

/** A switchable proxy in front of `127.0.0.1:<targetPort>`. */
export class SwitchProxy {
  /** Connections accepted while forwarding. */
  accepted = 0;
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly targetPort: number,
    /** The port the proxy listens on (stays the same across down/up). */
    public port: number,
  ) {}

  /** Starts forwarding on an ephemeral port. */
  static async start(targetPort: number): Promise<SwitchProxy> {
    const proxy = new SwitchProxy(targetPort, 0);
    await proxy.up();
    return proxy;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Whether the proxy forwards. */
  get isUp(): boolean {
    return this.server !== undefined;
  }

  /**
   * Stops listening (new connections are refused by the OS) and cuts every open connection,
   * as when the gateway's host dies. Synchronous up to the returned promise, so no connection
   * is accepted after the call.
   */
  down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    return closed;
  }

  /** Listens again on the same port (a few tries, should the OS still hold it briefly). */
  async up(): Promise<void> {
    if (this.server) return;
    for (let attempt = 0; ; attempt++) {
      const server = createServer((client) => this.forward(client));
      try {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(this.port, "127.0.0.1", () => {
            server.off("error", reject);
            resolve();
          });
        });
        this.port = (server.address() as { port: number }).port;
        this.server = server;
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== "EADDRINUSE" || attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Stops for good. */
  close(): Promise<void> {
    return this.down();
  }

  private forward(client: Socket): void {
    this.accepted++;
    const upstream = connect(this.targetPort, "127.0.0.1");
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(a);
      a.on("error", () => b.destroy());
      a.on("close", () => {
        this.sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  }
}
