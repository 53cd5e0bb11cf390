// A bare node:http keep-alive pass-through proxy to PREDICT_URL with the two AI Core headers: the least any
// relay can cost. The token is fetched once at start.
const http = require("node:http");

const key = JSON.parse(process.env.AICORE_SERVICE_KEY ?? "{}");
const target = new URL(process.env.PREDICT_URL ?? "");
const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

async function fetchToken() {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: key.clientid,
    client_secret: key.clientsecret,
  });
  const answer = await fetch(`${key.url}/oauth/token`, { method: "POST", body: form });
  return /** @type {{access_token: string}} */ (await answer.json()).access_token;
}

fetchToken().then((token) => {
  const headers = {
    Authorization: `Bearer ${token}`,
    "AI-Resource-Group": "default",
    "Content-Type": "application/json",
  };
  const server = http.createServer((request, response) => {
    const upstream = http.request(target, { method: "POST", agent, headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, { "Content-Type": answer.headers["content-type"] ?? "" });
      answer.pipe(response);
    });
    upstream.on("error", () => response.destroy());
    request.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => {
    const address = /** @type {import("node:net").AddressInfo} */ (server.address());
    process.stdout.write(`listening at http://127.0.0.1:${address.port}\n`);
  });
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
});
