import net, { type AddressInfo } from "node:net";

type Pair = [client: net.Socket, upstream: net.Socket];

function flow([client, upstream]: Pair): void {
  client.pipe(upstream);
  upstream.pipe(client);
}

function stop([client, upstream]: Pair): void {
  client.unpipe(upstream);
  upstream.unpipe(client);
  client.pause();
  upstream.pause();
}

/**
 * A TCP pass-through on loopback in front of one endpoint (say Azurite's table service) that can hang: while held,
 * the bytes of every connection, open or new, are kept back in both directions, as a storage endpoint that stops
 * answering (the kernel still accepts). `release()` lets them flow again; `release({ drop: true })` resets the
 * connections that were held instead, so what the client sent meanwhile never arrives.
 */
export async function startTcpPassThrough(targetPort: number, targetHost = "127.0.0.1") {
  let held = false;
  const pairs = new Set<Pair>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    const pair: Pair = [client, upstream];
    pairs.add(pair);
    if (held) stop(pair);
    else flow(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hold(): void {
      held = true;
      for (const pair of pairs) stop(pair);
    },
    release(options: { drop?: boolean } = {}): void {
      held = false;
      for (const pair of pairs) {
        if (options.drop) {
          pair[0].resetAndDestroy();
          pair[1].resetAndDestroy();
        } else flow(pair);
      }
    },
    close(): Promise<void> {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
