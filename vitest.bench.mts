import { defineConfig } from "vitest/config";

// Benchmarks are measurements, not tests: run on demand with `npm run bench`, never in `npm test`.
export default defineConfig({
  test: {
    include: ["bench/**/*.bench.ts"],
    environment: "node",
    pool: "forks",
    // One benchmark at a time: two would share the machine's cores and measure each other.
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 60_000,
  },
});
