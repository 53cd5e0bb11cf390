import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningLauncher, startLauncher } from "../dev/launcher/launcherProcess";
import { CHURN_EXAMPLE } from "../support/world";

/**
 * What a person sees: `npm start`'s launcher (dev host, Azurite, the AI Core emulator on free ports) and Debian's
 * Chromium, headless, driven by playwright-core (no browser download). Screenshots go to test-artifacts/browser.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAS_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = path.resolve(__dirname, "../../test-artifacts/browser");
const PHONE = { width: 390, height: 844 };
/** A refresh of the relay (every 2 s here), its record cache (5 s) and the page's own refresh (5 s), with slack. */
const PAGE_CATCHES_UP_MS = 30_000;

if (!HAS_CHROMIUM) {
  console.warn(
    `browser tests skipped: Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`,
  );
}

let launcher: RunningLauncher;
let context: BrowserContext;
let userDataDir: string;
/** Requests the browser tried to send anywhere but loopback (refused). */
const offLoopback: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  launcher = await startLauncher();
  if (!HAS_CHROMIUM) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  userDataDir = mkdtempSync(path.join(tmpdir(), "relay-chromium-"));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: [
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  await context.route("**/*", async (route) => {
    const { hostname } = new URL(route.request().url());
    if (hostname === "localhost" || /^127\./.test(hostname) || hostname === "[::1]") return route.continue();
    offLoopback.push(route.request().url());
    return route.abort();
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await launcher?.process.stop();
});

/** The text a person sees (Playwright's innerText, not the DOM's textContent with hidden parts). */
function visibleText(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator, where innerText is what is shown
  return locator.innerText();
}

async function open(url: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(`${url}: ${error.message}`));
  await page.setViewportSize(viewport);
  await page.goto(url);
  return page;
}

async function churnDeployment(): Promise<string> {
  const response = await fetch(`${launcher.base}/status?format=json`);
  const status = (await response.json()) as { models: { name: string; deploymentId: string | null }[] };
  const id = status.models.find((m) => m.name === "churn")?.deploymentId;
  if (!id) throw new Error("the churn model has no deployment yet");
  return id;
}

describe("traces through npm start", () => {
  it("a trace id sent in is seen by the emulator on the upstream predict call", async () => {
    const traceId = randomBytes(16).toString("hex");
    const response = await fetch(`${launcher.base}/models/churn/predict`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01`,
      },
      body: JSON.stringify(CHURN_EXAMPLE),
    });
    expect(response.status).toBe(200);
    const log = (await (await fetch(`${launcher.emulatorUrl}/__emulator/requests`)).json()) as {
      log: { kind: string; headers: Record<string, string> }[];
    };
    const traced = log.log.filter((entry) => entry.headers.traceparent?.includes(`-${traceId}-`));
    expect(traced.map((entry) => entry.kind)).toContain("predict");
    // The prediction's own line (a 2xx at the first attempt) is at debug level, below host.json's Information: the
    // dev host drops it as the Functions host does (test/integration/statusAndTraces.test.ts reads it).
  });
});

describe.skipIf(!HAS_CHROMIUM)("in a real browser (headless Chromium)", () => {
  it("GET /api/docs shows the reference of every model and webhook source, and Try it out scores SAP's churn example", async () => {
    const page = await open(`${launcher.base}/docs`);
    await page.getByText("Score with model churn").waitFor();
    await page.getByText("Receive a standard-webhooks webhook from crm").waitFor();
    expect(await visibleText(page.locator(".info .title"))).toContain("aicore-relay");
    await page.screenshot({ path: path.join(ARTIFACTS, "docs.png"), fullPage: true });

    await page.getByText("Score with model churn").click();
    const operation = page.locator(".opblock", { hasText: "Score with model churn" });
    await operation.locator("button.execute").click();
    const answer = operation.locator(".live-responses-table .response");
    await answer.waitFor();
    expect(await visibleText(answer.locator(".response-col_status"))).toContain("200");
    expect(await visibleText(answer.locator(".response-col_description"))).toContain("churn_probability");
    await page.screenshot({ path: path.join(ARTIFACTS, "docs-try-it-out.png"), fullPage: true });
  }, 60_000);

  it("GET /api/status shows the churn model's deployment on a phone, then shows it DEAD once the emulator kills it", async () => {
    const id = await churnDeployment();
    const page = await open(`${launcher.base}/status`, PHONE);
    const card = page.locator('[data-model="churn"]');
    await card.getByText("usable", { exact: true }).waitFor();
    expect(await visibleText(card)).toContain(id);
    expect(await visibleText(card)).toContain("RUNNING");
    const crm = page.locator('[data-entry="crm"]');
    expect(await visibleText(crm)).toContain("CRM_WEBHOOK_SECRET not set");
    await page.screenshot({ path: path.join(ARTIFACTS, "status-phone.png"), fullPage: true });

    const killed = await fetch(`${launcher.emulatorUrl}/__emulator/deployments/${id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        status: "DEAD",
        statusMessage: "Back-off restarting failed container",
        completionTime: new Date().toISOString(),
      }),
    });
    expect(killed.status).toBe(200);
    // Nobody reloads: the page refreshes itself.
    await card.getByText("not usable", { exact: true }).waitFor({ timeout: PAGE_CATCHES_UP_MS });
    const text = await visibleText(card);
    expect(text).toContain("DEAD");
    expect(text).toContain("Back-off restarting failed container");
    expect(text).toContain("deleted by AI Core");
    await page.screenshot({ path: path.join(ARTIFACTS, "status-dead-phone.png"), fullPage: true });
  }, 60_000);

  it("loaded nothing from outside this machine and raised no script error", () => {
    expect(offLoopback).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
