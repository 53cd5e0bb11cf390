import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type RecordedRequest, sendJson, startLoopbackServer } from "./loopbackServer";
import { CHURN_EXAMPLE, shippedCatalogJson } from "./world";

export const BP_TYPE = "sap.s4.beh.businesspartner.v1.BusinessPartner.Changed.v1";
export const BP_PATH =
  "/sap/opu/odata4/sap/api_business_partner/srvd_a2x/sap/businesspartner/0001/BusinessPartner";
export const TOKEN_PATH = "/sap/bc/sec/oauth2/token";
export const S4_CLIENT = { id: "relay-client", secret: "s4-secret-x" };

/** What the stand-in knows of a business partner: the churn features, as OData sends decimals (strings). */
export function partnerRecord(key: string, example: Record<string, number> = CHURN_EXAMPLE) {
  return {
    BusinessPartner: key,
    Region: String(example.region),
    TenureMonths: String(example.tenure),
    Age: String(example.age),
    YearsAtAddress: String(example.address),
    Income: String(example.income),
    YearsEmployed: String(example.employ),
    Gender: String(example.gender),
    EquipmentRental: String(example.equip),
  };
}

/**
 * S/4HANA Cloud's Business Partner OData API and its OAuth token endpoint, on loopback: client credentials as
 * HTTP Basic at the token endpoint, the bearer token on every GET. Partners not in `partners` are 404;
 * `failures` answers a key with these statuses first, one per GET.
 */
export async function startS4StandIn() {
  const partners = new Map<string, Record<string, string>>();
  const failures = new Map<string, number[]>();
  const tokens = new Set<string>();
  const server = await startLoopbackServer((request: RecordedRequest, response) => {
    if (request.method === "POST" && request.url === TOKEN_PATH) {
      const expected = `Basic ${Buffer.from(`${S4_CLIENT.id}:${S4_CLIENT.secret}`).toString("base64")}`;
      if (request.headers.authorization !== expected)
        return sendJson(response, 401, { error: "invalid_client" });
      const token = `s4-token-${tokens.size + 1}`;
      tokens.add(token);
      return sendJson(response, 200, { access_token: token, token_type: "Bearer", expires_in: 3600 });
    }
    const bearer = String(request.headers.authorization ?? "").replace(/^Bearer /, "");
    if (!tokens.has(bearer)) return sendJson(response, 401, { error: { message: "no valid token" } });
    if (request.method !== "GET" || !request.url.startsWith(`${BP_PATH}/`)) {
      return sendJson(response, 400, { error: { message: "not a business partner URL" } });
    }
    const key = decodeURIComponent(request.url.slice(BP_PATH.length + 1));
    const pending = failures.get(key);
    const status = pending?.shift();
    if (status !== undefined) return sendJson(response, status, { error: { message: `status ${status}` } });
    const record = partners.get(key);
    if (!record) return sendJson(response, 404, { error: { code: "404", message: "Resource not found" } });
    sendJson(response, 200, { "@odata.context": "$metadata#BusinessPartner/$entity", ...record });
  });
  return {
    ...server,
    partners,
    failures,
    /** The GETs of business partners the stand-in received (paths as sent). */
    gets: () => server.requests.filter((request) => request.method === "GET").map((request) => request.url),
    tokenRequests: () => server.requests.filter((request) => request.url === TOKEN_PATH),
  };
}

export type S4StandIn = Awaited<ReturnType<typeof startS4StandIn>>;

/** The settings the catalog's S/4 entry names. */
export function s4Settings(s4: S4StandIn): NodeJS.ProcessEnv {
  return {
    S4_TOKEN_URL: `${s4.url}${TOKEN_PATH}`,
    S4_CLIENT_ID: S4_CLIENT.id,
    S4_CLIENT_SECRET: S4_CLIENT.secret,
  };
}

/**
 * The shipped catalog (its webhook sources left out: their secrets are not set) plus an `s4-business-partner`
 * entry enriched from the stand-in and an `eventgrid-only` entry whose handshake grants only Event Grid, written
 * to a temporary file for MODEL_CATALOG.
 */
export function writeEventsCatalog(s4: S4StandIn): string {
  const shipped = shippedCatalogJson();
  const catalog = {
    models: shipped.models,
    events: {
      ...shipped.events,
      "s4-business-partner": {
        model: "churn",
        types: [BP_TYPE],
        enrich: {
          url: `${s4.url}${BP_PATH}/{/data/BusinessPartner}`,
          auth: {
            type: "oauth2-client-credentials",
            tokenUrlSetting: "S4_TOKEN_URL",
            clientIdSetting: "S4_CLIENT_ID",
            clientSecretSetting: "S4_CLIENT_SECRET",
          },
        },
        map: {
          region: "/enriched/Region",
          tenure: "/enriched/TenureMonths",
          age: "/enriched/Age",
          address: "/enriched/YearsAtAddress",
          income: "/enriched/Income",
          employ: "/enriched/YearsEmployed",
          gender: "/enriched/Gender",
          equip: "/enriched/EquipmentRental",
        },
        coerce: true,
      },
      "eventgrid-only": {
        model: "churn",
        types: ["com.example.customer.changed"],
        allowedOrigins: ["eventgrid.azure.net"],
        allowedRate: 120,
      },
    },
  };
  const file = path.join(mkdtempSync(path.join(tmpdir(), "relay-events-")), "models.json");
  writeFileSync(file, JSON.stringify(catalog, null, 2));
  return file;
}
