import type { OpenApiObject } from "./routeFamily";

/** Function keys, as the Functions host takes them: the `x-functions-key` header or the `code` query parameter. */
export const SECURITY_SCHEMES: Record<string, OpenApiObject> = {
  functionKeyHeader: {
    type: "apiKey",
    in: "header",
    name: "x-functions-key",
    description: "A function key (or the host key) of the Function App. Not checked by the local dev host.",
  },
  functionKeyQuery: {
    type: "apiKey",
    in: "query",
    name: "code",
    description: "The same key as a query parameter, for senders that cannot set headers.",
  },
};

/** `authLevel: "function"`: either form of the key. */
export const FUNCTION_KEY = [{ functionKeyHeader: [] }, { functionKeyQuery: [] }];

/** `authLevel: "anonymous"`. */
export const ANONYMOUS: never[] = [];

/** The answer of the Functions host (not the relay) to a missing or wrong key: 401 with no body. */
export const KEY_REFUSED = {
  description:
    "The function key is missing or wrong. Answered by the Azure Functions host itself, with no body; the local dev host does not check keys.",
};
