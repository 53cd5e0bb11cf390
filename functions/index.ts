// The app's one entry (package.json `main` names its bundle, dist/app.js): every function registers itself.
import "./deliverCallbacks";
import "./deployments";
import "./docs";
import "./events";
import "./health";
import "./job";
import "./openapi";
import "./predict";
import "./purgeJobs";
import "./purgeWebhookDeliveries";
import "./refreshDeployments";
import "./scoreJobs";
import "./status";
import "./webhook";
