/** The parts of `@azure/functions` the dev host builds invocations with: the app's own copy of the library. */
export interface FunctionsLibrary {
  HttpRequest: new (init: unknown) => unknown;
  HttpResponse: new (init?: unknown) => LibraryHttpResponse;
  InvocationContext: new (init: unknown) => unknown;
}

export interface LibraryHttpResponse {
  status: number;
  headers: Headers;
  cookies: LibraryCookie[];
  body: ReadableStream<Uint8Array> | null;
}

export interface LibraryCookie {
  name: string;
  value: string;
  domain?: string;
  path?: string;
  expires?: Date | number;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: "Strict" | "Lax" | "None";
  maxAge?: number;
}
