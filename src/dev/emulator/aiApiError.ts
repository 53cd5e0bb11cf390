import { type EmulatorReply, type EmulatorRequest, jsonReply } from "./httpTypes";

/**
 * Error answers of the AI API, shaped like the spec's AiBadRequest / AiNotFound / AiPreconditionFailed
 * responses: `{"error": AiApiError}` with a descriptive code (not the HTTP status), the request id and target.
 */
export function aiApiError(
  request: EmulatorRequest,
  status: number,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): EmulatorReply {
  const error: Record<string, unknown> = {
    code,
    message,
    requestId: request.requestId,
    target: request.path,
  };
  if (details !== undefined) error.details = details;
  return jsonReply(status, { error });
}

export const badRequest = (request: EmulatorRequest, message: string): EmulatorReply =>
  aiApiError(request, 400, "BadRequest", message);

export const notFound = (request: EmulatorRequest, message: string): EmulatorReply =>
  aiApiError(request, 404, "NotFound", message);

export const preconditionFailed = (request: EmulatorRequest, message: string): EmulatorReply =>
  aiApiError(request, 412, "PreconditionFailed", message);
