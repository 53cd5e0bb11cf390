// Preloaded into Azurite by bench/queueDrain.bench.ts (NODE_OPTIONS=--require, only while Azurite starts): counts
// the requests Azurite answers, by storage operation and the queue or table it names, and writes the counts so far
// to BENCH_STORAGE_COUNTS (a JSON file) at most every 100 ms while they change. Azure bills Storage per transaction
// (one per REST call), so these are the transactions the relay and the benchmark cost. Measurement only; a process
// other than Azurite that inherits the option does nothing.
const diagnostics = require("node:diagnostics_channel");
const { writeFileSync } = require("node:fs");

/** `POST /devstoreaccount1/jobs/messages` -> `queue put (jobs)`; entity keys and message ids dropped. */
function operation(method, url) {
  const [path = "", query = ""] = url.split("?");
  const parts = path.split("/").filter(Boolean); // [account, resource, ...]
  const resource = decodeURIComponent(parts[1] ?? "");
  if (parts[2] === "messages") {
    const name =
      method === "POST"
        ? "queue put"
        : method === "GET"
          ? /peekonly=true/i.test(query)
            ? "queue peek"
            : "queue receive"
          : method === "DELETE"
            ? parts[3]
              ? "queue delete"
              : "queue clear"
            : method === "PUT"
              ? "queue update"
              : `queue ${method}`;
    return `${name} (${resource})`;
  }
  if (/^Tables/.test(resource))
    return `table ${method === "POST" ? "create" : method === "DELETE" ? "delete" : "query tables"}`;
  const table = resource.replace(/\(.*$/, "");
  if (resource === "$batch") return "table batch";
  if (resource.includes("(")) {
    const name =
      method === "GET"
        ? "entity read"
        : method === "PUT"
          ? "entity replace/upsert"
          : method === "MERGE" || method === "PATCH"
            ? "entity merge"
            : method === "DELETE"
              ? "entity delete"
              : `entity ${method}`;
    return `${name} (${table})`;
  }
  if (/[?&]comp=metadata/.test(url)) return `queue properties (${resource})`;
  if (method === "PUT" && parts.length === 2) return `queue create (${resource})`;
  if (method === "POST") return `entity insert (${table})`;
  if (method === "GET" && parts.length === 2 && /\$filter|\$select|\$top/.test(query))
    return `entity query (${table})`;
  return `${method} /${parts.slice(1).join("/")}${query ? "?" : ""}`;
}

const file = process.env.BENCH_STORAGE_COUNTS;
if (file && /azurite/.test(process.argv[1] ?? "")) {
  const counts = {};
  let dirty = false;

  diagnostics.subscribe("http.server.request.start", ({ request }) => {
    const key = operation(request.method ?? "", request.url ?? "");
    counts[key] = (counts[key] ?? 0) + 1;
    dirty = true;
  });
  setInterval(() => {
    if (!dirty) return;
    dirty = false;
    writeFileSync(file, JSON.stringify(counts));
  }, 100).unref();
}
