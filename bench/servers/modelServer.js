// A plain model server, another upstream than the AI Core emulator: answers every POST with a churn prediction
// computed from the body, the way model servers write their answers. MODEL_SERVER_WRITES picks how:
// - `content-length`: headers and body in one write with Content-Length (as the emulator does);
// - `chunked`: the headers first, then the body in a write of its own, no length (Transfer-Encoding: chunked);
// - `raw`: not node:http at all: a `net` server that parses the request itself and writes a Content-Length
//   answer in two writes (status line and headers, then the body), as servers of other stacks do.
// Keep-alive as a real model server keeps it: node:http's defaults (5 s idle timeout).
const http = require("node:http");
const net = require("node:net");

const writes = process.env.MODEL_SERVER_WRITES ?? "content-length";

/** @param {string} text */
function predict(text) {
  let logit = 2;
  try {
    const instance = JSON.parse(text);
    logit += 0.05 * instance.region - 0.045 * instance.tenure - 0.02 * instance.age + 0.8 * instance.equip;
  } catch {
    return undefined;
  }
  const probability = Math.round((1 / (1 + Math.exp(-logit))) * 10_000) / 10_000;
  return JSON.stringify({ churn_probability: probability, churn: probability >= 0.5 ? 1 : 0 });
}

/** @param {import("node:net").Server} server */
function ready(server) {
  server.listen(0, "127.0.0.1", () => {
    const address = /** @type {import("node:net").AddressInfo} */ (server.address());
    process.stdout.write(`listening at http://127.0.0.1:${address.port}\n`);
  });
  process.on("SIGTERM", () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1_000).unref();
  });
}

/** A minimal HTTP/1.1 keep-alive server on `net`: requests with Content-Length bodies, answers in two writes. */
function rawServer() {
  return net.createServer((socket) => {
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString("latin1");
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const body = buffered.subarray(end + 4, end + 4 + length).toString("utf8");
        buffered = buffered.subarray(end + 4 + length);
        const answer = predict(body) ?? '{"error":"invalid JSON"}';
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(answer)}\r\n` +
            "Connection: keep-alive\r\n\r\n",
        );
        socket.write(answer);
      }
    });
    socket.on("error", () => socket.destroy());
  });
}

function httpServer() {
  return http.createServer((request, response) => {
    /** @type {Buffer[]} */
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const answer = predict(Buffer.concat(chunks).toString("utf8"));
      if (answer === undefined) {
        response.writeHead(400, { "Content-Type": "text/plain" });
        response.end("Invalid JSON in request body");
        return;
      }
      if (writes === "chunked") {
        response.writeHead(200, { "Content-Type": "application/json" });
        response.flushHeaders();
        response.write(answer);
        response.end();
        return;
      }
      response.writeHead(200, {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(answer),
      });
      response.end(answer);
    });
  });
}

ready(writes === "raw" ? rawServer() : httpServer());
