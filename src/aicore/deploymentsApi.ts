import type { AxiosInstance } from "axios";
import type * as z from "zod";
import { parseOnce } from "../shared/parseOnce";
import type { TraceHeaders } from "../shared/traceHeaders";
import { authorizedRequest } from "./authorizedRequest";
import { type AiDeployment, deploymentListSchema, deploymentSchema } from "./deploymentSchema";
import { parseJsonBytes } from "./jsonBytes";
import type { TokenProvider } from "./tokenProvider";
import { bodyExcerpt, UpstreamError } from "./upstreamError";
import type { UpstreamPolicy } from "./upstreamPolicy";

export interface DeploymentQuery {
  resourceGroup: string;
  scenarioId: string;
  executableIds: readonly string[];
  /** The trace the list call belongs to (a timer tick, or the request that looks a deployment up live). */
  trace?: TraceHeaders;
}

const PAGE_SIZE = 100;
const MAX_PAGES = 100;

/** The deployments part of the AI API: `GET /v2/lm/deployments` (paged) and `GET /v2/lm/deployments/{id}`. */
export class DeploymentsApi {
  constructor(
    private readonly http: AxiosInstance,
    private readonly tokens: TokenProvider,
    private readonly aiApiUrl: string,
    private readonly pageSize = PAGE_SIZE,
    private readonly policy?: UpstreamPolicy,
  ) {}

  /** Every deployment of a scenario with one of the executables: `$top` pages, `$skip` until `count` is reached. */
  async list(query: DeploymentQuery): Promise<AiDeployment[]> {
    const all: AiDeployment[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const params: Record<string, string> = { scenarioId: query.scenarioId, $top: String(this.pageSize) };
      if (query.executableIds.length > 0) params.executableIds = query.executableIds.join(",");
      if (all.length > 0) params.$skip = String(all.length);
      const answer = await this.send(
        query.resourceGroup,
        "/v2/lm/deployments",
        params,
        deploymentListSchema,
        false,
        query.trace,
      );
      all.push(...answer.resources);
      if (answer.resources.length === 0 || all.length >= answer.count) break;
    }
    return all;
  }

  /** One deployment, or undefined when AI Core says it does not exist (404). */
  async get(resourceGroup: string, id: string): Promise<AiDeployment | undefined> {
    return this.send(
      resourceGroup,
      `/v2/lm/deployments/${encodeURIComponent(id)}`,
      {},
      deploymentSchema,
      true,
    );
  }

  private async send<T extends z.ZodType>(
    resourceGroup: string,
    path: string,
    params: Record<string, string>,
    schema: T,
    notFoundIsUndefined = false,
    trace?: TraceHeaders,
  ): Promise<z.infer<T>> {
    const upstream = "AI Core deployments API";
    const request = (signal?: AbortSignal) =>
      authorizedRequest(
        this.tokens,
        (token) =>
          this.http.request<ArrayBuffer>({
            method: "GET",
            url: `${this.aiApiUrl}${path}`,
            params,
            headers: {
              Accept: "application/json",
              ...trace,
              Authorization: `Bearer ${token}`,
              "AI-Resource-Group": resourceGroup,
            },
            signal,
          }),
        upstream,
      );
    const response = this.policy
      ? await this.policy.execute(resourceGroup, ({ signal }) => request(signal))
      : await request();
    if (response.status === 404 && notFoundIsUndefined) return undefined as z.infer<T>;
    if (response.status !== 200) {
      throw new UpstreamError(
        "status",
        upstream,
        `${upstream} answered ${response.status} for resource group ${resourceGroup}`,
        response.status,
        bodyExcerpt(response.data),
      );
    }
    const parsed = parseOnce(schema, parseJsonBytes(response.data));
    if (!parsed.success) {
      throw new UpstreamError("status", upstream, `${upstream} answered 200 with an unexpected body`, 200);
    }
    return parsed.data;
  }
}
