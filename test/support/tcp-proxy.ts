import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './redis-server.js';

/**
 * A TCP proxy between a client and Redis that can cut one connection right after Redis has
 * answered a command: the command ran, but its reply never reaches the client.
 */
export class TcpProxy {
  /** Replies swallowed, one per cut. */
  cuts = 0;
  private readonly sockets = new Set<Socket>();
  private armed: { name: string; onCut: () => void } | null = null;
  private holed = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const port = await freePort();
    let proxy!: TcpProxy;
    const server = createServer((client) => proxy.pipe(client, targetPort));
    proxy = new TcpProxy(server, port);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * The next reply Redis sends on a connection whose client named itself `connectionName` is
   * swallowed and that connection closed; resolves once that happened.
   */
  cutNextReply(connectionName: string): Promise<void> {
    return new Promise((resolve) => (this.armed = { name: connectionName, onCut: resolve }));
  }

  /**
   * From now on nothing passes either way on the connections open now, and none is closed: as a
   * connection cut without a RST (a peer gone behind a NAT or a firewall), which neither side notices.
   */
  blackhole(): void {
    this.holed = true;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private pipe(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    let sent = '';
    client.on('data', (chunk: Buffer) => {
      if (this.holed) return;
      // the client's name travels in its first commands (HELLO ... SETNAME / CLIENT SETNAME)
      if (sent.length < 4096) sent += chunk.toString('latin1');
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (this.holed) return;
      const armed = this.armed;
      if (armed && sent.includes(armed.name)) {
        this.armed = null;
        this.cuts++;
        client.destroy();
        upstream.destroy();
        armed.onCut();
        return;
      }
      client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }
}
