import { app, output } from "@azure/functions";
import { relayQueueFunction } from "../src/api/relayFunction";
import { resultsQueueName, scoringQueueName } from "../src/config/queueNames";

export const scoreJobs = relayQueueFunction(() =>
  import("../src/api/handlers.js").then((m) => m.loadScoreJobHandler()),
);

// Queue names are settings with defaults, read when the worker indexes the function (a %Setting% without a value
// would stop the host). Results go out through the queue output binding: the returned CloudEvent, plain JSON.
app.storageQueue("scoreJobs", {
  queueName: scoringQueueName(process.env),
  connection: "AzureWebJobsStorage",
  return: output.storageQueue({
    queueName: resultsQueueName(process.env),
    connection: "AzureWebJobsStorage",
  }),
  handler: scoreJobs,
});
