// The function a user would write instead of the relay (the benchmark's baseline): no validation, no
// deployment discovery, no resilience. PREDICT_URL is the deployment's predict URL, copied by hand.
const http = require("node:http");
const { app } = require("@azure/functions");
const axios = require("axios");

const key = JSON.parse(process.env.AICORE_SERVICE_KEY ?? "{}");
const client = axios.create({ maxRedirects: 0, httpAgent: new http.Agent({ keepAlive: true }) });
let token;

async function bearer() {
  token ??= client
    .post(
      `${key.url}/oauth/token`,
      new URLSearchParams({
        grant_type: "client_credentials",
        client_id: key.clientid,
        client_secret: key.clientsecret,
      }),
    )
    .then((answer) => answer.data.access_token);
  return token;
}

app.http("predict", {
  route: "models/{model}/predict",
  methods: ["POST"],
  handler: async (request) => {
    const headers = { Authorization: `Bearer ${await bearer()}`, "AI-Resource-Group": "default" };
    const answer = await client.post(process.env.PREDICT_URL ?? "", await request.json(), { headers });
    return { status: answer.status, jsonBody: answer.data };
  },
});
