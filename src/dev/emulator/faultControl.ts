import type { FaultInjector } from "./faultInjector";
import { parseFaultRules } from "./faultRules";
import { type EmulatorReply, type EmulatorRequest, emptyReply, jsonReply, parseJsonBody } from "./httpTypes";

export const FAULTS_PATH = "/__emulator/faults";

/**
 * `/__emulator/faults`: GET the rules with their counters, PUT `{"rules": [...]}` to replace them (counters
 * start over), DELETE to remove every rule. Requests already hanging keep hanging until their client gives up.
 */
export function handleFaultControl(request: EmulatorRequest, faults: FaultInjector): EmulatorReply {
  switch (request.method) {
    case "GET":
      return jsonReply(200, faults.snapshot());
    case "PUT": {
      const body = parseJsonBody(request.body);
      if (!body.ok) return jsonReply(400, { error: 'Body must be JSON: {"rules": [...]}' });
      const parsed = parseFaultRules(body.value);
      if (!parsed.ok) return jsonReply(400, { error: `Fault rules: ${parsed.message}` });
      faults.set(parsed.rules);
      return jsonReply(200, faults.snapshot());
    }
    case "DELETE":
      faults.clear();
      return emptyReply(204);
    default:
      return jsonReply(405, { error: "Use GET, PUT or DELETE" }, { allow: "GET, PUT, DELETE" });
  }
}
