import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config/settings";
import { checkRelaySettings } from "../../src/relay/relay";
import { messageOf } from "../support/thrown";

const serviceKey = JSON.stringify({
  clientid: "id",
  clientsecret: "very-secret-value",
  url: "http://127.0.0.1:1",
  serviceurls: { AI_API_URL: "http://127.0.0.1:1" },
});

describe("settings", () => {
  it("applies the documented defaults", () => {
    const settings = loadSettings({ AICORE_SERVICE_KEY: serviceKey }, "/app");
    expect(settings).toMatchObject({
      resourceGroup: "default",
      modelCatalogPath: path.resolve("/app", "models.json"),
      refreshSchedule: "0 */1 * * * *",
      storage: { kind: "connectionString", connectionString: "UseDevelopmentStorage=true" },
      maxBodyBytes: 1048576,
      port: 7071,
      storageTimeoutMs: 2000,
    });
  });

  it("reads every setting", () => {
    const settings = loadSettings(
      {
        AICORE_SERVICE_KEY: serviceKey,
        AICORE_RESOURCE_GROUP: "team-a",
        MODEL_CATALOG: "conf/catalog.json",
        DEPLOYMENT_REFRESH_SCHEDULE: "*/5 * * * * *",
        AzureWebJobsStorage: "DefaultEndpointsProtocol=http;AccountName=x",
        MAX_BODY_BYTES: "2048",
        PORT: "8080",
        STORAGE_TIMEOUT_MS: "500",
      },
      "/app",
    );
    expect(settings.resourceGroup).toBe("team-a");
    expect(settings.modelCatalogPath).toBe(path.resolve("/app", "conf/catalog.json"));
    expect(settings.refreshSchedule).toBe("*/5 * * * * *");
    expect(settings.maxBodyBytes).toBe(2048);
    expect(settings.port).toBe(8080);
    expect(settings.storageTimeoutMs).toBe(500);
  });

  it.each([
    [{}, /^AICORE_SERVICE_KEY is not set/],
    [{ MAX_BODY_BYTES: "1mb" }, /^MAX_BODY_BYTES is not a whole number$/],
    [{ MAX_BODY_BYTES: "0" }, /^MAX_BODY_BYTES /],
    [{ PORT: "70000" }, /^PORT /],
    [{ STORAGE_TIMEOUT_MS: "60000" }, /^STORAGE_TIMEOUT_MS /],
    [
      { DEPLOYMENT_REFRESH_SCHEDULE: "*/5 * * * *" },
      /^DEPLOYMENT_REFRESH_SCHEDULE is not an NCRONTAB expression of six fields/,
    ],
    [{ AICORE_RESOURCE_GROUP: "bad group!" }, /^AICORE_RESOURCE_GROUP is not a resource group id$/],
  ])("stops with one line naming the setting: %j", (env, pattern) => {
    const withKey =
      "AICORE_SERVICE_KEY" in env || Object.keys(env).length === 0
        ? env
        : { AICORE_SERVICE_KEY: serviceKey, ...env };
    const message = messageOf(() => loadSettings(withKey as NodeJS.ProcessEnv, "/app"));
    expect(message).toMatch(pattern);
    expect(message).not.toContain("very-secret-value");
    expect(message).not.toContain("\n");
  });
});

describe("the start-up check (npm start runs it before it starts anything)", () => {
  it("stops on identity-based storage that gives the queue functions no queue endpoint, naming the setting", async () => {
    const env = {
      AICORE_SERVICE_KEY: serviceKey,
      AzureWebJobsStorage__credential: "managedidentity",
      AzureWebJobsStorage__blobServiceUri: "https://strelay01.blob.core.windows.net",
      AzureWebJobsStorage__tableServiceUri: "https://strelay01.table.core.windows.net",
    };
    const root = path.resolve(__dirname, "..", "fixtures", "catalog");
    await expect(checkRelaySettings(env, root)).rejects.toThrowError(
      /^AzureWebJobsStorage__queueServiceUri is not set .*scoreJobs, deliverCallbacks/,
    );
    await expect(
      checkRelaySettings(
        { ...env, AzureWebJobsStorage__queueServiceUri: "https://strelay01.queue.core.windows.net" },
        root,
      ),
    ).resolves.toBeUndefined();
  });
});
