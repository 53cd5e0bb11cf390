/**
 * The fetch `Request` behind the library's `HttpRequest`, built only when a handler first touches the body or
 * the headers: url and method are answered without it. Building an undici Request costs more than everything else
 * the dev host does per request, and a handler that only routes on its parameters never needs one. Whatever
 * touches the body gets a real Request (same bytes, headers, method and url), so body semantics stay undici's.
 */
export class LazyRequest {
  #real: Request | undefined;

  constructor(
    readonly url: string,
    readonly method: string,
    private readonly rawHeaders: Record<string, string>,
    private readonly bytes: Buffer,
  ) {}

  /** Whether a request can be deferred: GET/HEAD bodies and forbidden methods take the library's own path. */
  static suits(method: string, bytes: Buffer): boolean {
    if (method === "GET" || method === "HEAD") return bytes.byteLength === 0;
    return method !== "CONNECT" && method !== "TRACE" && method !== "TRACK";
  }

  /** Whoever reads the headers nearly always reads the body next: build the Request once, now. */
  get headers(): Headers {
    return this.real.headers;
  }

  private get real(): Request {
    this.#real ??= new Request(this.url, {
      method: this.method,
      headers: this.rawHeaders,
      body: this.method === "GET" || this.method === "HEAD" ? undefined : this.bytes,
    });
    return this.#real;
  }

  get body(): ReadableStream<Uint8Array> | null {
    return this.real.body;
  }

  get bodyUsed(): boolean {
    return this.#real?.bodyUsed ?? false;
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.real.arrayBuffer();
  }

  blob(): Promise<Blob> {
    return this.real.blob();
  }

  formData(): Promise<FormData> {
    return this.real.formData();
  }

  json(): Promise<unknown> {
    return this.real.json();
  }

  text(): Promise<string> {
    return this.real.text();
  }

  clone(): Request {
    return this.real.clone();
  }
}
