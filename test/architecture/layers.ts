/**
 * One direction of travel (docs/layout.md): producers → jobs → scoring → deliveries, shared leaves below, the
 * handlers (src/api) and functions/ on top, src/relay the composition root that wires them. Each folder names
 * the folders it may import; a folder not named is forbidden. Producers are `producers/<name>`: one producer
 * never imports another.
 */
const SHARED = ["shared"];
const SETTINGS = ["config", ...SHARED];
const STORAGE = ["storage", ...SETTINGS];
const AI_CORE = ["aicore", ...SETTINGS];
const DEPLOYMENTS = ["deployments", "aicore", ...STORAGE];
const SCORING = ["scoring", ...DEPLOYMENTS];
const DELIVERIES = ["deliveries", "aicore", ...STORAGE];
const JOBS = ["jobs", ...SCORING, "deliveries"];
const HTTP = ["http", "scoring", ...SETTINGS];
const PAYLOAD_MAPPING = ["payloadMapping", "scoring", ...SETTINGS];
const PRODUCER_NEEDS = [...JOBS, "http", "payloadMapping"];
const PRODUCERS = ["producers/predict", "producers/webhooks", "producers/events", "producers/queue"];
const OPENAPI = ["openapi", "docs", ...PRODUCERS, ...PRODUCER_NEEDS];
const RELAY = ["relay", "openapi", "docs", ...PRODUCERS, ...PRODUCER_NEEDS];

export const MAY_IMPORT: Record<string, readonly string[]> = {
  shared: SHARED,
  config: SETTINGS,
  storage: STORAGE,
  aicore: AI_CORE,
  deployments: DEPLOYMENTS,
  scoring: SCORING,
  deliveries: DELIVERIES,
  jobs: JOBS,
  http: HTTP,
  payloadMapping: PAYLOAD_MAPPING,
  "producers/predict": ["producers/predict", ...PRODUCER_NEEDS],
  "producers/webhooks": ["producers/webhooks", ...PRODUCER_NEEDS],
  "producers/events": ["producers/events", ...PRODUCER_NEEDS],
  "producers/queue": ["producers/queue", ...PRODUCER_NEEDS],
  openapi: OPENAPI,
  docs: ["docs"],
  codeCache: ["codeCache"],
  relay: RELAY,
  api: ["api", ...RELAY],
  functions: ["functions", "api", ...SETTINGS],
};

/** The folder a file belongs to for the rules: `src/dev` is local tooling and may import anything. */
export function layerOf(file: string): string {
  if (file.startsWith("functions/")) return "functions";
  const parts = file.split("/");
  if (parts[0] !== "src") return parts[0] as string;
  if (parts.length === 2) return "src (top level)";
  if (parts[1] === "producers" && parts.length > 3) return `producers/${parts[2]}`;
  return parts[1] as string;
}
