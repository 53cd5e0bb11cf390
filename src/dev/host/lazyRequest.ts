import type { IncomingHttpHeaders } from "node:http";

/** Node's parsed request headers as the fetch Headers init the library's own path takes (repeats joined). */
export function headerRecord(headers: IncomingHttpHeaders): Record<string, string> {
  const record: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    record[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return record;
}

/**
 * The fetch `Request` behind the library's `HttpRequest`, built only when a handler needs one: url, method and
 * headers are answered without it (Headers built on first use), and so are the whole-body reads `arrayBuffer()`, `text()` and `json()` (from the
 * bytes the dev host has already read, as a fresh copy each, consumed once as a fetch body is). Building an undici
 * Request costs more than everything else the dev host does per request. What needs the body as a stream, a blob,
 * form data or a clone gets a real Request (same bytes, headers, method and url), so those keep undici's semantics.
 */
export class LazyRequest {
  #real: Request | undefined;
  #headers: Headers | undefined;
  /** Consumed by one of the direct reads below. */
  #used = false;

  constructor(
    readonly url: string,
    readonly method: string,
    private readonly incomingHeaders: IncomingHttpHeaders,
    private readonly bytes: Buffer,
  ) {}

  /** Whether a request can be deferred: GET/HEAD bodies and forbidden methods take the library's own path. */
  static suits(method: string, bytes: Buffer): boolean {
    if (method === "GET" || method === "HEAD") return bytes.byteLength === 0;
    return method !== "CONNECT" && method !== "TRACE" && method !== "TRACK";
  }

  get headers(): Headers {
    this.#headers ??= this.#real?.headers ?? new Headers(headerRecord(this.incomingHeaders));
    return this.#headers;
  }

  private get real(): Request {
    if (this.#used) throw new TypeError("Body is unusable: Body has already been read");
    this.#real ??= new Request(this.url, {
      method: this.method,
      headers: this.#headers ?? headerRecord(this.incomingHeaders),
      body: this.method === "GET" || this.method === "HEAD" ? undefined : this.bytes,
    });
    return this.#real;
  }

  get body(): ReadableStream<Uint8Array> | null {
    return this.real.body;
  }

  get bodyUsed(): boolean {
    return this.#used || (this.#real?.bodyUsed ?? false);
  }

  /** The bytes, once: a second read rejects as undici's does. */
  private consume(): Promise<Buffer> {
    if (this.#used) return Promise.reject(new TypeError("Body is unusable: Body has already been read"));
    this.#used = true;
    return Promise.resolve(this.bytes);
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    // Once a real Request exists its body is the one to read (it may have been read already).
    if (this.#real) return this.#real.arrayBuffer();
    return this.consume().then((bytes) => {
      const copy = new ArrayBuffer(bytes.byteLength);
      new Uint8Array(copy).set(bytes);
      return copy;
    });
  }

  text(): Promise<string> {
    if (this.#real) return this.#real.text();
    return this.consume().then((bytes) => new TextDecoder().decode(bytes));
  }

  json(): Promise<unknown> {
    return this.text().then((text) => JSON.parse(text));
  }

  blob(): Promise<Blob> {
    return this.real.blob();
  }

  formData(): Promise<FormData> {
    return this.real.formData();
  }

  clone(): Request {
    return this.real.clone();
  }
}
