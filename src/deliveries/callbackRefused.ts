import { problem } from "../shared/problem";

/** 422: the job names a callback the relay will not call. */
export function callbackRefused(reason: string) {
  return problem("callback-refused", 422, `The callback URL is refused: ${reason}`);
}
