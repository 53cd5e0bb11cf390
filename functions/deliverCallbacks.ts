import { app } from "@azure/functions";
import { createDeliverCallbackHandler } from "../src/api/deliverCallbackHandler";
import { relayQueueFunction } from "../src/api/relayFunction";
import { callbackQueueName } from "../src/callbacks/callbackSettings";

export const deliverCallbacks = relayQueueFunction(createDeliverCallbackHandler);

// One attempt per message; the next attempt is a new message the handler queues, hidden for the schedule's delay.
// The queue name is read when the worker indexes the function, as for scoreJobs (no %Setting% the host would need).
app.storageQueue("deliverCallbacks", {
  queueName: callbackQueueName(process.env),
  connection: "AzureWebJobsStorage",
  handler: deliverCallbacks,
});
