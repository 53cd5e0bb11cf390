import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../../../src/dev/emulator/server";

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: unknown;
}

export interface CallOptions {
  body?: unknown;
  /** Omit the Authorization header when null; default: a valid token. */
  token?: string | null;
  /** Omit AI-Resource-Group when null; default: "default". */
  resourceGroup?: string | null;
  headers?: Record<string, string>;
}

async function toAnswer(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", text, json };
}

/** An in-process emulator with a token, and small helpers to call it as a client and as a test. */
export class EmulatorClient {
  private constructor(
    readonly emulator: RunningEmulator,
    readonly token: string,
  ) {}

  static async start(options: EmulatorOptions = {}): Promise<EmulatorClient> {
    const emulator = await startEmulator(options);
    const token = await fetchToken(emulator);
    return new EmulatorClient(emulator, token);
  }

  get url(): string {
    return this.emulator.url;
  }

  /** An AI API or inference call, authorized and with the resource group unless told otherwise. */
  async call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.token : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const resourceGroup = options.resourceGroup === undefined ? "default" : options.resourceGroup;
    if (resourceGroup !== null) headers["ai-resource-group"] = resourceGroup;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    return toAnswer(await fetch(`${this.url}${path}`, { method, headers, body }));
  }

  /** A control API call (`/__emulator/...`). */
  async control(method: string, path: string, body?: unknown): Promise<Answer> {
    return toAnswer(
      await fetch(`${this.url}/__emulator${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
  }

  close(): Promise<void> {
    return this.emulator.close();
  }
}

export async function requestToken(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return toAnswer(
    await fetch(`${url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(form).toString(),
    }),
  );
}

export async function fetchToken(emulator: RunningEmulator): Promise<string> {
  const answer = await requestToken(emulator.url, {
    grant_type: "client_credentials",
    client_id: emulator.serviceKey.clientid,
    client_secret: emulator.serviceKey.clientsecret,
  });
  if (answer.status !== 200) throw new Error(`token request failed: ${answer.status} ${answer.text}`);
  return (answer.json as { access_token: string }).access_token;
}

/** SAP's example instance from the Inferencing page of the SAP AI Core guide. */
export { CHURN_EXAMPLE as SAP_EXAMPLE_INSTANCE } from "../../support/world";

export const PREDICT_PATH = "/v2/inference/deployments/d0churn00001/v1/models/churn:predict";
