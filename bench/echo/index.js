// Answers the emulator's churn prediction without calling anything: what the dev host itself costs per request.
const { app } = require("@azure/functions");

const PREDICTION = process.env.ECHO_BODY ?? '{"churn":0.5}';

app.http("predict", {
  route: "models/{model}/predict",
  methods: ["POST"],
  handler: async () => ({ status: 200, headers: { "Content-Type": "application/json" }, body: PREDICTION }),
});
