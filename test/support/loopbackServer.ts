import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Responder = (request: RecordedRequest, response: http.ServerResponse) => void | Promise<void>;

/**
 * A real HTTP server on a free loopback port that records what it receives: requests, and every TCP connection
 * (so a test can show that nothing connected at all). `host` may be another loopback address, e.g. 127.0.0.2;
 * `port` a given one (0: a free one).
 */
export async function startLoopbackServer(
  respond: Responder,
  { host = "127.0.0.1", port: wantedPort = 0 }: { host?: string; port?: number } = {},
) {
  const requests: RecordedRequest[] = [];
  const connections = { count: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const recorded = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(recorded);
      Promise.resolve(respond(recorded, res)).catch(() => res.destroy());
    });
  });
  server.on("connection", () => {
    connections.count += 1;
  });
  await new Promise<void>((resolve) => server.listen(wantedPort, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    requests,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(value));
}
