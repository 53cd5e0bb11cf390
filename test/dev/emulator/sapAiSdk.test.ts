import { DeploymentApi } from "@sap-ai-sdk/ai-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmulatorProcess, startEmulatorProcess } from "../../support/emulatorProcess";

/**
 * SAP's own client, `@sap-ai-sdk/ai-api`, drives the emulator process through the lifecycle the relay must cope
 * with: what SAP's SDK accepts from the emulator, the relay will meet in AI Core. The SDK reads the service key
 * from AICORE_SERVICE_KEY, as the relay does.
 */

const GROUP = { "AI-Resource-Group": "default" };
let emulator: EmulatorProcess;

beforeAll(async () => {
  emulator = await startEmulatorProcess({
    EMULATOR_PATCH_DELAY_MS: "60000",
    EMULATOR_DELETE_DELAY_MS: "60000",
  });
  process.env.AICORE_SERVICE_KEY = JSON.stringify(emulator.serviceKey);
});

afterAll(async () => {
  delete process.env.AICORE_SERVICE_KEY;
  await emulator?.stop();
});

describe("the emulator driven by SAP's AI API SDK", () => {
  it("lists and counts deployments; a new one is UNKNOWN or PENDING without a URL until it runs", async () => {
    const listed = await DeploymentApi.deploymentQuery({ scenarioId: "churn" }, GROUP).execute();
    expect(listed.count).toBe(1);
    expect(listed.resources[0]).toMatchObject({ id: "d0churn00001", status: "RUNNING" });
    expect(await DeploymentApi.deploymentCount({}, GROUP).execute()).toBe(1);

    await emulator.control.addDeployment({
      id: "dsdk00001",
      scenarioId: "churn",
      executableId: "churn-serving",
    });
    const fresh = await DeploymentApi.deploymentGet("dsdk00001", {}, GROUP).execute();
    expect(fresh.status).toBe("RUNNING"); // EMULATOR_START_DELAY_MS is 0 here: it ran at once
    expect(fresh.latestRunningConfigurationId).toBe(fresh.configurationId);
    expect(await DeploymentApi.deploymentCount({ scenarioId: "churn" }, GROUP).execute()).toBe(2);
  });

  it("refuses a configuration change to a configuration that does not exist", async () => {
    await expect(
      DeploymentApi.deploymentModify("d0churn00001", { configurationId: "cmissing01" }, GROUP).execute(),
    ).rejects.toMatchObject({ cause: { response: { status: 404 } } });
  });

  it("stops (completionTime set) and deletes: Deletion scheduled, listed with targetStatus DELETED", async () => {
    await DeploymentApi.deploymentModify("dsdk00001", { targetStatus: "STOPPED" }, GROUP).execute();
    const stopped = await DeploymentApi.deploymentGet("dsdk00001", {}, GROUP).execute();
    expect(stopped).toMatchObject({ status: "STOPPED", targetStatus: "STOPPED" });
    expect(stopped.completionTime).toEqual(expect.any(String));
    const deletion = await DeploymentApi.deploymentDelete("dsdk00001", GROUP).execute();
    expect(deletion).toMatchObject({
      id: "dsdk00001",
      message: "Deletion scheduled",
      targetStatus: "DELETED",
    });
    const listed = await DeploymentApi.deploymentQuery({}, GROUP).execute();
    expect(listed.resources.find((d) => d.id === "dsdk00001")).toMatchObject({ targetStatus: "DELETED" });
    await emulator.control.completeTransitions();
    expect(await DeploymentApi.deploymentCount({}, GROUP).execute()).toBe(1);
  });
});
