import type http from "node:http";
import { type RecordedRequest, sendJson, startLoopbackServer } from "./loopbackServer";

/** The token the fake token endpoint issues (no "Bearer" anywhere near it when a model server echoes it). */
export const FAKE_TOKEN = "eyJhbGciOiJub25lIn0.eyJ6aWQiOiJmYWtlIn0.fake-token-signature-0123456789";
export const FAKE_CLIENT_SECRET = "fake-client-secret-9c1f0b2e";

/**
 * A whole AI Core on one loopback server, for answers the bundled emulator will not give: a token endpoint, a
 * deployments list with one RUNNING churn deployment served by this same server, and its predict route answered
 * by `predict`.
 */
export async function startFakeAiCore(
  predict: (request: RecordedRequest, response: http.ServerResponse) => void,
) {
  let base = "";
  const server = await startLoopbackServer((request, response) => {
    if (request.url.startsWith("/oauth/token")) {
      return sendJson(response, 200, { access_token: FAKE_TOKEN, token_type: "bearer", expires_in: 3600 });
    }
    if (request.url.startsWith("/v2/lm/deployments")) {
      return sendJson(response, 200, {
        count: 1,
        resources: [
          {
            id: "dfake1",
            deploymentUrl: `${base}/v2/inference/deployments/dfake1`,
            scenarioId: "churn",
            executableId: "churn-serving",
            status: "RUNNING",
            targetStatus: "RUNNING",
            startTime: "2026-11-27T08:00:00Z",
          },
        ],
      });
    }
    return predict(request, response);
  });
  base = server.url;
  const serviceKey = {
    clientid: "fake-client",
    clientsecret: FAKE_CLIENT_SECRET,
    url: server.url,
    serviceurls: { AI_API_URL: server.url },
  };
  return { ...server, serviceKey };
}
