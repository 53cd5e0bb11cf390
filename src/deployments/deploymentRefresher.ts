import type { DeploymentsApi } from "../aicore/deploymentsApi";
import type { Catalog, ModelDefinition } from "../config/catalog";
import { errorLine } from "../shared/errorLine";
import type { Logger } from "../shared/logger";
import { traceHeadersOf } from "../shared/traceHeaders";
import type { CachedRecords } from "./cachedRecords";
import { type DeploymentRecord, describeChange, recordFromSelection } from "./deploymentRecord";
import { selectDeployment } from "./selection";
import { SharedLog } from "./sharedLog";

export interface RefreshSummary {
  groups: number;
  failedGroups: number;
  records: number;
}

/**
 * Polls AI Core and writes one record per catalog model. Models that share (resource group, scenario) share
 * one list call, so a tick costs one call per group whatever the number of models.
 */
export class DeploymentRefresher {
  private readonly inflightGroups = new Map<string, Promise<DeploymentRecord[]>>();
  /** Record writes of lookups still in flight: the timer waits for them, a request does not. */
  private readonly writes = new Set<Promise<void>>();
  /** Lines of the shared list calls, written through an invocation that still waits for them. */
  private readonly log = new SharedLog();

  constructor(
    private readonly catalog: Catalog,
    private readonly api: DeploymentsApi,
    private readonly records: CachedRecords,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Catalog models grouped by (resource group, scenario). */
  groups(): ModelDefinition[][] {
    const groups = new Map<string, ModelDefinition[]>();
    for (const model of this.catalog.models.values()) {
      const key = JSON.stringify([model.resourceGroup, model.scenarioId]);
      groups.set(key, [...(groups.get(key) ?? []), model]);
    }
    return [...groups.values()];
  }

  /** One tick of the timer. A failed group keeps its last good records, marked with the failure. */
  async refreshAll(logger: Logger): Promise<RefreshSummary> {
    const groups = this.groups();
    let failedGroups = 0;
    let records = 0;
    await Promise.all(
      groups.map(async (models) => {
        try {
          records += (await this.refreshGroup(models, logger)).length;
        } catch {
          failedGroups++;
        }
      }),
    );
    // The records' writes, with their lines (a write that fails says so through this tick's log).
    const leave = this.log.join(logger);
    try {
      await Promise.all(this.writes);
    } finally {
      leave();
    }
    return { groups: groups.length, failedGroups, records };
  }

  /**
   * Looks a model's deployment up now (no record yet, or its URL answered 404). Throws when AI Core fails, or
   * when `signal` (the request's deadline) aborts the wait; the shared call goes on for the others.
   */
  async refreshModel(
    model: ModelDefinition,
    logger: Logger,
    signal?: AbortSignal,
  ): Promise<DeploymentRecord> {
    const group = this.groups().find((g) => g.includes(model)) ?? [model];
    const records = await this.refreshGroup(group, logger, signal);
    const record = records.find((r) => r.model === model.name);
    if (!record) throw new Error(`no record produced for model ${model.name}`);
    return record;
  }

  /** Concurrent refreshes of one group (many requests missing the same record) share one list call. */
  private async refreshGroup(
    models: ModelDefinition[],
    logger: Logger,
    signal?: AbortSignal,
  ): Promise<DeploymentRecord[]> {
    const first = models[0] as ModelDefinition;
    const key = JSON.stringify([first.resourceGroup, first.scenarioId]);
    let pending = this.inflightGroups.get(key);
    if (!pending) {
      // The list call belongs to the trace of the invocation that starts it (the log is shared; a trace is not).
      pending = this.listAndRecord(models, traceHeadersOf(logger)).finally(() =>
        this.inflightGroups.delete(key),
      );
      this.inflightGroups.set(key, pending);
    }
    const leave = this.log.join(logger);
    try {
      return await (signal ? abortable(pending, signal) : pending);
    } finally {
      leave();
    }
  }

  private async listAndRecord(
    models: ModelDefinition[],
    trace: ReturnType<typeof traceHeadersOf>,
  ): Promise<DeploymentRecord[]> {
    const logger = this.log;
    const first = models[0] as ModelDefinition;
    const executableIds = [...new Set(models.map((m) => m.executableId))].sort();
    let deployments: Awaited<ReturnType<DeploymentsApi["list"]>>;
    try {
      deployments = await this.api.list({
        resourceGroup: first.resourceGroup,
        scenarioId: first.scenarioId,
        executableIds,
        trace,
      });
    } catch (error) {
      logger.error(
        `deployment refresh failed for resource group ${first.resourceGroup}, scenario ${first.scenarioId}: ${errorLine(error)}; last records kept`,
      );
      await this.markFailed(models, errorLine(error));
      throw error;
    }
    const now = this.now();
    return Promise.all(
      models.map(async (model) => {
        const candidates = deployments.filter(
          (d) =>
            (d.executableId ?? model.executableId) === model.executableId &&
            (d.scenarioId ?? model.scenarioId) === model.scenarioId,
        );
        const record = recordFromSelection(model, selectDeployment(candidates), now);
        const previous = (await this.records.get(model.name)).record;
        const change = describeChange(previous, record);
        // A warning: the line that says a model changed deployment or status must not be filtered as routine.
        if (change) logger.warn(change);
        // In memory at once; the request that waits for this lookup does not wait for storage too (the timer's
        // refresh does, see refreshAll).
        const stored = this.records.put(record).catch((error: unknown) => {
          logger.warn(
            `deployment record of model ${model.name} not stored: ${errorLine(error)}; kept in memory`,
          );
        });
        this.writes.add(stored);
        stored.finally(() => this.writes.delete(stored));
        return record;
      }),
    );
  }

  private async markFailed(models: ModelDefinition[], message: string): Promise<void> {
    const logger = this.log;
    const at = this.now().toISOString();
    await Promise.all(
      models.map(async (model) => {
        const previous = (await this.records.get(model.name)).record;
        if (!previous) return;
        await this.records
          .put({ ...previous, lastError: message, lastAttemptAt: at })
          .catch((error: unknown) => {
            logger.warn(`deployment record of model ${model.name} not stored: ${errorLine(error)}`);
          });
      }),
    );
  }
}

/** `promise`, or a rejection as soon as `signal` aborts (the promise itself goes on). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
