import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback in front of a real server, for what the kernel
 * here cannot do (it has no netem qdisc): round-trip time added by holding
 * each chunk `delayMs` in each direction, and a connection cut in the middle
 * of a server's answer. Chunks keep their order.
 */
export interface TcpProxy {
  port: number;
  /** Chunks passed in each direction, so far. */
  readonly chunks: { toServer: number; toClient: number };
  /** Cuts every connection once the server has sent this many more bytes to the client. */
  cutAfterServerBytes(bytes: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }, delayMs = 0): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const chunks = { toServer: 0, toClient: 0 };
  let cutAfter: number | null = null;
  const cutAll = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  const pipe = (from: Socket, to: Socket, toClient: boolean): void => {
    // One chain per direction, so that a chunk never overtakes the one before it; each is held until
    // `delayMs` after it arrived, as on a link with that latency, so chunks in flight overlap as packets do.
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      if (toClient) chunks.toClient += 1;
      else chunks.toServer += 1;
      const due = performance.now() + delayMs;
      chain = chain.then(async () => {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (to.destroyed) return;
        if (toClient && cutAfter !== null) {
          if (chunk.length >= cutAfter) {
            to.write(chunk.subarray(0, cutAfter));
            cutAfter = null;
            cutAll();
            return;
          }
          cutAfter -= chunk.length;
        }
        to.write(chunk);
      });
    });
    from.on('end', () => {
      void chain.then(() => to.end());
    });
    from.on('error', () => to.destroy());
    from.on('close', () => {
      void chain.then(() => to.destroy());
    });
  };
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    pipe(client, upstream, false);
    pipe(upstream, client, true);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    port: address.port,
    chunks,
    cutAfterServerBytes(bytes) {
      cutAfter = bytes;
    },
    close: () =>
      new Promise((resolve) => {
        cutAll();
        server.close(() => resolve());
      }),
  };
}
