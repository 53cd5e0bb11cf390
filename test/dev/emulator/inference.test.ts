import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EmulatorClient, PREDICT_PATH, SAP_EXAMPLE_INSTANCE } from "./emulatorClient";

let client: EmulatorClient;
beforeEach(async () => {
  client = await EmulatorClient.start();
});
afterEach(async () => {
  await client.close();
});

const predict = (body: unknown, path = PREDICT_PATH) => client.call("POST", path, { body });

describe("inference of the churn deployment", () => {
  it("scores SAP's example instance with a probability between 0 and 1", async () => {
    const answer = await predict(SAP_EXAMPLE_INSTANCE);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    const { churn_probability, churn } = answer.json as { churn_probability: number; churn: number };
    expect(churn_probability).toBeGreaterThan(0);
    expect(churn_probability).toBeLessThan(1);
    expect(churn).toBe(churn_probability >= 0.5 ? 1 : 0);
    expect((await predict(SAP_EXAMPLE_INSTANCE)).json).toEqual(answer.json);
  });

  it("answers a batch of instances with predictions in order", async () => {
    const risky = { ...SAP_EXAMPLE_INSTANCE, tenure: 1, age: 20, address: 0, employ: 0, equip: 1 };
    const answer = await predict({ instances: [SAP_EXAMPLE_INSTANCE, risky] });
    expect(answer.status).toBe(200);
    const { predictions } = answer.json as { predictions: Array<{ churn: number }> };
    expect(predictions.map((p) => p.churn)).toEqual([0, 1]);
    expect(predictions[0]).toEqual((await predict(SAP_EXAMPLE_INSTANCE)).json);
  });

  it("serves at any model path below the deployment URL", async () => {
    expect(
      (await predict(SAP_EXAMPLE_INSTANCE, "/v2/inference/deployments/d0churn00001/v2/predict")).status,
    ).toBe(200);
  });

  it.each([
    ["invalid JSON", "{not json", /JSON/],
    ["a missing feature", { ...SAP_EXAMPLE_INSTANCE, tenure: undefined }, /'tenure' is missing/],
    ["a non-numeric feature", { ...SAP_EXAMPLE_INSTANCE, age: "old" }, /'age'/],
    ["a bad instance in a batch", { instances: [SAP_EXAMPLE_INSTANCE, { region: 1 }] }, /instances\[1\]/],
    ["instances that are not an array", { instances: {} }, /array/],
  ])("answers 400 in plain text for %s", async (_label, body, message) => {
    const answer = await predict(body);
    expect(answer.status).toBe(400);
    expect(answer.contentType).toMatch(/^text\/plain/);
    expect(answer.text).toMatch(message);
  });

  it("requires the bearer token and the resource group", async () => {
    expect(
      (await client.call("POST", PREDICT_PATH, { body: SAP_EXAMPLE_INSTANCE, token: null })).status,
    ).toBe(401);
    expect(
      (await client.call("POST", PREDICT_PATH, { body: SAP_EXAMPLE_INSTANCE, resourceGroup: null })).status,
    ).toBe(400);
  });

  it("answers 404 for an unknown deployment and for one of another resource group", async () => {
    expect(
      (await predict(SAP_EXAMPLE_INSTANCE, "/v2/inference/deployments/dmissing01/v1/models/churn:predict"))
        .status,
    ).toBe(404);
    await client.control("POST", "/resource-groups", { id: "team-b" });
    const other = await client.call("POST", PREDICT_PATH, {
      body: SAP_EXAMPLE_INSTANCE,
      resourceGroup: "team-b",
    });
    expect(other.status).toBe(404);
  });

  it.each([
    ["STOPPED", "CREATE", 404],
    ["DEAD", "CREATE", 404],
    ["COMPLETED", "CREATE", 404],
    ["PENDING", "CREATE", 503],
    ["STOPPING", "UPDATE", 503],
    ["UNKNOWN", "CREATE", 503],
    ["PENDING", "UPDATE", 200],
    ["RUNNING", "CREATE", 200],
  ])("a %s deployment (lastOperation %s) answers %i", async (status, lastOperation, expected) => {
    await client.control("PATCH", "/deployments/d0churn00001", { status, lastOperation });
    expect((await predict(SAP_EXAMPLE_INSTANCE)).status).toBe(expected);
  });
});
