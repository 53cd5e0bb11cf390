import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionString } from "../../../src/dev/launcher/azurite";
import { FAILED_TYPE, type ResultEvent, SUCCEEDED_TYPE } from "../../../src/jobs/jobResult";
import { type RunningLauncher, startLauncher } from "../../dev/launcher/launcherProcess";
import { QueueReader, queueClient } from "../../support/queues";
import {
  BP_PATH,
  BP_TYPE,
  partnerRecord,
  type S4StandIn,
  s4Settings,
  startS4StandIn,
  writeEventsCatalog,
} from "../../support/s4StandIn";

// Black box: `npm start` (the launcher: Azurite, the emulator, the dev host) with a catalog that adds an S/4HANA
// entry enriched from a loopback stand-in; the curls of docs/events.md ("Try it with curl"), sent as written; results
// read from the default results queue.
const EVENTS_PAGE = readFileSync(path.resolve(__dirname, "../../../docs/events.md"), "utf8");

let s4: S4StandIn;
let launcher: RunningLauncher;
let results: QueueReader<ResultEvent>;

beforeAll(async () => {
  s4 = await startS4StandIn();
  launcher = await startLauncher({ MODEL_CATALOG: writeEventsCatalog(s4), ...s4Settings(s4) });
  const [blob, queue, table] = launcher.azuritePorts as [number, number, number];
  results = new QueueReader<ResultEvent>(
    queueClient(connectionString({ blob, queue, table }), "scoring-results"),
  );
}, 90_000);

afterAll(async () => {
  await results?.stop();
  await launcher?.process.stop();
  await s4?.close();
});

interface Curl {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** Shell words of each command of a script: single quotes (which may span lines), `\` continuations, comments. */
function commandsOf(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  let quoted = false;
  const endWord = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let index = 0; index < script.length; index++) {
    const char = script[index] ?? "";
    if (quoted) {
      if (char === "'") quoted = false;
      else word = (word ?? "") + char;
    } else if (char === "'") {
      quoted = true;
      word ??= "";
    } else if (char === "\\" && script[index + 1] === "\n") {
      index++;
      endWord();
    } else if (char === "\n") endCommand();
    else if (char === "#" && word === undefined) {
      while (index + 1 < script.length && script[index + 1] !== "\n") index++;
    } else if (char === " " || char === "\t") endWord();
    else word = (word ?? "") + char;
  }
  endCommand();
  return commands;
}

/** The curl commands of the page's "Try it with curl" block, as requests: `-X`, `-H`, `-d`, the URL. */
function curlsOf(page: string): Curl[] {
  const block = /^## Try it with curl$[\s\S]*?```sh\n([\s\S]*?)```/m.exec(page)?.[1] ?? "";
  return commandsOf(block)
    .filter((words) => words[0] === "curl")
    .map((words) => {
      const curl: Curl = { method: "GET", url: "", headers: {} };
      for (let index = 1; index < words.length; index++) {
        const word = words[index] ?? "";
        if (word === "-X") curl.method = words[++index] ?? "";
        else if (word === "-H") {
          const [name = "", ...value] = (words[++index] ?? "").split(":");
          curl.headers[name.trim()] = value.join(":").trim();
        } else if (word === "-d") {
          curl.body = words[++index];
          if (curl.method === "GET") curl.method = "POST";
        } else if (word.startsWith("http")) curl.url = word;
      }
      return curl;
    });
}

function resultOf(source: string, id: string): Promise<ResultEvent> {
  const find = () => results.messages.find((e) => e.data.event?.source === source && e.data.event.id === id);
  return results
    .waitFor(() => find() !== undefined, 30_000, `the result of ${id}`)
    .then(() => find() as ResultEvent);
}

describe("events against npm start", () => {
  it("the curls of docs/events.md: structured, batched, binary, Event Grid and both handshakes; one result per event", async () => {
    const curls = curlsOf(EVENTS_PAGE);
    expect(curls.map((curl) => curl.method)).toEqual(["POST", "POST", "POST", "POST", "OPTIONS", "POST"]);
    const answers = [];
    for (const curl of curls) {
      const response = await fetch(curl.url.replace("http://localhost:7071/api", launcher.base), {
        method: curl.method,
        headers: curl.headers,
        body: curl.body,
      });
      answers.push({ status: response.status, headers: response.headers, text: await response.text() });
    }
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 200, 200]);
    expect(answers[4]?.headers.get("webhook-allowed-origin")).toBe("eventgrid.azure.net");
    expect(JSON.parse(answers[5]?.text ?? "")).toEqual({ validationResponse: "512d38b6" });
    for (const id of ["c-1", "c-2", "c-4"]) expect((await resultOf("/crm", id)).type).toBe(SUCCEEDED_TYPE);
    expect((await resultOf("/crm", "c-3")).type).toBe(FAILED_TYPE);
    const topic = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.EventGrid/topics/scoring";
    expect((await resultOf(topic, "g-1")).type).toBe(SUCCEEDED_TYPE);
  });

  it("a thin S/4HANA business event is enriched from the source system and scored once", async () => {
    s4.partners.set("1000746", partnerRecord("1000746"));
    const event = {
      specversion: "1.0",
      type: BP_TYPE,
      source: "/default/sap.s4.beh/730431274",
      id: "1fad4742-26e5-1eed-adb4-f1b2d27e3a11",
      time: "2026-11-27T09:19:54Z",
      datacontenttype: "application/json",
      data: { BusinessPartner: "1000746" },
    };
    const send = () =>
      fetch(`${launcher.base}/events/s4-business-partner?code=any`, {
        method: "POST",
        headers: { "content-type": "application/cloudevents+json" },
        body: JSON.stringify(event),
      });
    expect((await send()).status).toBe(202);
    const result = await resultOf(event.source, event.id);
    expect(result).toMatchObject({ type: SUCCEEDED_TYPE, data: { event: { type: BP_TYPE } } });
    const again = (await (await send()).json()) as { events: { status: string; duplicate?: boolean }[] };
    expect(again.events[0]).toMatchObject({ status: "succeeded", duplicate: true });
    expect(s4.gets().filter((url) => url === `${BP_PATH}/1000746`)).toHaveLength(1);
  });
});
