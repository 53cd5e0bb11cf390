// Preloaded into the dev host by bench/queueDrain.bench.ts (node --require): counts the process's outgoing HTTP
// requests (storage and model server) by method and path shape, and writes the counts so far as one stderr line
// `bench-requests {json}` on SIGUSR2. With BENCH_CPU_PROF=<dir> the first SIGUSR2 also starts a CPU profile and the
// second writes it to <dir>/dev-host-queue-drain.cpuprofile (--cpu-prof is not allowed in NODE_OPTIONS).
// Measurement only; nothing in the app knows about it.
const diagnostics = require("node:diagnostics_channel");
const { writeFileSync } = require("node:fs");
const { Session } = require("node:inspector");
const path = require("node:path");

const counts = {};

/** `/devstoreaccount1/jobs/messages/3f2a...` -> `/devstoreaccount1/jobs/messages/*`; entity keys -> `(*)`. */
function shape(url) {
  return url
    .split("?")[0]
    .replace(/\(PartitionKey=[^)]*\)/, "(*)")
    .replace(/\/messages\/[^/]+$/, "/messages/*");
}

diagnostics.subscribe("http.client.request.start", ({ request }) => {
  const key = `${request.method} ${request.getHeader("host")}${shape(request.path)}`;
  counts[key] = (counts[key] ?? 0) + 1;
});

// New TCP connections (the storage and inference clients keep theirs alive).
diagnostics.subscribe("net.client.socket", () => {
  counts["new TCP connections"] = (counts["new TCP connections"] ?? 0) + 1;
});

const profileDir = process.env.BENCH_CPU_PROF;
let session;

process.on("SIGUSR2", () => {
  process.stderr.write(`bench-requests ${JSON.stringify(counts)}\n`);
  if (!profileDir) return;
  if (!session) {
    session = new Session();
    session.connect();
    session.post("Profiler.enable", () => session.post("Profiler.start"));
    return;
  }
  session.post("Profiler.stop", (error, result) => {
    if (!error) {
      writeFileSync(path.join(profileDir, "dev-host-queue-drain.cpuprofile"), JSON.stringify(result.profile));
    }
  });
});
