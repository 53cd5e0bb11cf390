import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planAzurite, startAzurite } from "../../../src/dev/launcher/azurite";
import type { AzuritePorts } from "../../../src/dev/launcher/azuriteIdentity";
import type { Child } from "../../../src/dev/launcher/child";
import { startLoopbackServer } from "../../support/loopbackServer";

/** Real servers on loopback: a real Azurite, and plain HTTP servers that merely listen on the same kind of ports. */

let azurite: { child: Child; ports: AzuritePorts };
let plain: Awaited<ReturnType<typeof startLoopbackServer>>[];

beforeAll(async () => {
  [azurite, ...plain] = await Promise.all([
    startAzurite("free", { echo: false }),
    ...[0, 1, 2].map(() =>
      startLoopbackServer((_request, response) => {
        response.writeHead(200, { Server: "nginx" });
        response.end("hello");
      }),
    ),
  ]);
});

afterAll(async () => {
  await Promise.all([azurite?.child.stop(5_000), ...(plain ?? []).map((server) => server.close())]);
});

describe("reusing an Azurite that already listens", () => {
  it("reuses a real Azurite (each service names itself in its Server header)", async () => {
    expect(await planAzurite(azurite.ports)).toEqual({ action: "reuse", ports: azurite.ports });
  });

  it("refuses three plain HTTP servers on the ports, naming each, in one line", async () => {
    const [blob, queue, table] = plain.map((server) => server.port) as [number, number, number];
    const plan = await planAzurite({ blob, queue, table });
    expect(plan).toEqual({
      action: "fail",
      reason:
        `port ${blob} (blob), ${queue} (queue), ${table} (table) is already in use by something other than a ` +
        `complete Azurite (Azurite needs ${blob}, ${queue} and ${table}); free it, set RELAY_AZURITE_PORTS=0 for ` +
        "free ports, or set AzureWebJobsStorage",
    });
  });

  it("refuses an Azurite whose services sit on the wrong ports (its table service where blob should be)", async () => {
    const { blob, queue, table } = azurite.ports;
    const plan = await planAzurite({ blob: table, queue, table: blob });
    expect(plan.action).toBe("fail");
  });
});
