import axios, {
  type AxiosAdapter,
  AxiosError,
  type AxiosInstance,
  type AxiosRequestConfig,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
  type RawAxiosRequestHeaders,
} from "axios";

export interface PreparedRequest {
  url: string;
  data: string | Buffer;
  headers: RawAxiosRequestHeaders;
  /**
   * Milliseconds for this call (a request's remaining budget); never longer than the instance's timeout. It bounds
   * the whole call, the body's last byte included.
   */
  timeout?: number;
}

/**
 * One method of an axios instance on the hot path: the instance's config is merged once, and each call hands
 * axios's own transport (the adapter its config names: `http` in Node) a config that inherits from it, with only
 * the URL, body, headers and timeout of its own. What `instance.request` would add per call — merging the
 * defaults into a new config, header buckets, interceptors, transforms — is what a prediction does not need
 * (no interceptors are registered, and bodies go out and come back as bytes); the adapter still does everything
 * that touches the wire: headers, Content-Length, keep-alive agents, timeout, maxContentLength, status checks.
 * The adapter reads a config through its own properties and those it inherits from a template like this one.
 */
export class PreparedRequests {
  private readonly template: InternalAxiosRequestConfig;
  private readonly adapter: AxiosAdapter;
  private readonly maxTimeoutMs: number;

  constructor(instance: AxiosInstance, method: "post" | "get") {
    const merged = axios.mergeConfig(instance.defaults as AxiosRequestConfig, {
      method,
    }) as InternalAxiosRequestConfig;
    // An ordinary object: the adapter does not read through a null-prototype one (mergeConfig's result).
    this.template = { ...merged };
    this.maxTimeoutMs = merged.timeout ? merged.timeout : Number.POSITIVE_INFINITY;
    this.adapter = axios.getAdapter(merged.adapter, merged);
  }

  send<T = Buffer>(request: PreparedRequest): Promise<AxiosResponse<T>> {
    const config: InternalAxiosRequestConfig = Object.create(this.template);
    config.url = request.url;
    config.data = request.data;
    // The adapter turns these into its own AxiosHeaders; the header buckets of the defaults (common, post, ...)
    // are not consulted: every call brings all of its headers.
    config.headers = request.headers as InternalAxiosRequestConfig["headers"];
    // At least 1 ms: axios reads 0 as "no timeout".
    const timeout = Math.max(1, Math.ceil(Math.min(request.timeout ?? this.maxTimeoutMs, this.maxTimeoutMs)));
    if (request.timeout !== undefined) config.timeout = timeout;
    // axios's timeout is an idle timer once connected; this one signal ends the call at its time whatever the
    // server does with its body (a request's remaining budget is a point in time, so one timer covers both).
    // The timer is cleared when the call settles: the hot path leaves no timer behind per prediction.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout);
    config.signal = controller.signal;
    return (this.adapter(config) as Promise<AxiosResponse<T>>)
      .catch((error: unknown) => {
        // Cut off by this timer: a timeout, as axios's own idle timer says it.
        if (!controller.signal.aborted || !axios.isCancel(error)) throw error;
        throw new AxiosError(`timeout of ${timeout}ms exceeded`, AxiosError.ETIMEDOUT, config);
      })
      .finally(() => clearTimeout(timer));
  }
}
