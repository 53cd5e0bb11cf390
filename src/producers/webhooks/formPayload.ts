import { ProblemError, problem } from "../../shared/problem";

const FORM = "application/x-www-form-urlencoded";
const utf8 = new TextDecoder("utf-8", { fatal: true });

function invalid(detail: string): ProblemError {
  return new ProblemError(problem("invalid-body", 400, detail));
}

/** Whether the Content-Type is GitHub's form encoding. */
export function isFormEncoded(headers: Headers): boolean {
  return headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() === FORM;
}

/**
 * GitHub's form encoding: the body is exactly one field, `payload`, whose value is the JSON. Anything else — a
 * second field, a field of another name, a `&payload=` that is really inside a JSON string, a charset other than
 * UTF-8, percent-escapes that are not UTF-8 — is refused, so the bytes signed can be read one way only.
 */
export function formPayload(headers: Headers, body: Buffer): Buffer {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i
    .exec(headers.get("content-type") ?? "")?.[1]
    ?.toLowerCase();
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
    throw new ProblemError(
      problem(
        "unsupported-media-type",
        415,
        `${FORM} is accepted in UTF-8 only, not ${charset.slice(0, 40)}`,
      ),
    );
  }
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw invalid("The request body is not valid UTF-8");
  }
  const [field, ...more] = text.split("&");
  const separator = field?.indexOf("=") ?? -1;
  if (more.length > 0 || field === undefined || separator < 0 || field.slice(0, separator) !== "payload") {
    throw invalid("A form-encoded body must be exactly one field, payload=<the JSON>");
  }
  try {
    return Buffer.from(decodeURIComponent(field.slice(separator + 1).replace(/\+/g, " ")), "utf8");
  } catch {
    throw invalid("The payload field is not percent-encoded UTF-8");
  }
}
