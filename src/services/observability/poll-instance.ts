// One poll of one instance: its health, the metric samples since the last poll and the
// new log lines, each call bounded by a timeout. Pure of storage: the poller writes the
// results of a whole batch at once.
import type { HealthStatus, LogLevel } from '../../generated/prisma/enums.js';
import type { InstanceProvider, ProviderHealth, ProviderLogEntry, ProviderMetric } from '../../providers/provider.js';

export interface PollResult {
  health: ProviderHealth;
  metrics: ProviderMetric[];
  logs: ProviderLogEntry[];
}

class PollTimeoutError extends Error {}

function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PollTimeoutError(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const MAX_LOG_LINES_PER_POLL = 500;
const METRIC_STEP_SECONDS = 60;

export async function pollInstance(
  provider: InstanceProvider,
  providerInstanceId: string,
  since: { metricAt: Date | null; logAt: Date | null },
  options: { now: Date; timeoutMs: number; intervalMs: number },
): Promise<PollResult> {
  const health = await within(options.timeoutMs, 'health check', provider.getHealth(providerInstanceId));
  const from = since.metricAt ? new Date(since.metricAt.getTime() + 1) : new Date(options.now.getTime() - Math.max(options.intervalMs, METRIC_STEP_SECONDS * 1000));
  const metrics = from < options.now
    ? (await within(options.timeoutMs, 'metrics', provider.getMetrics(providerInstanceId, { from, to: options.now, stepSeconds: METRIC_STEP_SECONDS }))).filter(
        (sample) => !since.metricAt || sample.sampledAt > since.metricAt,
      )
    : [];
  const page = await within(
    options.timeoutMs,
    'logs',
    provider.getLogs(providerInstanceId, { since: since.logAt ?? new Date(options.now.getTime() - options.intervalMs), limit: 200 }),
  );
  // `since` is inclusive at the providers: lines at the last seen instant were stored already.
  const logs = page.items.filter((entry) => !since.logAt || entry.timestamp > since.logAt).slice(0, MAX_LOG_LINES_PER_POLL);
  return { health, metrics, logs };
}

export const healthStatusOf: Record<ProviderHealth['status'], HealthStatus> = {
  healthy: 'HEALTHY',
  degraded: 'DEGRADED',
  down: 'DOWN',
};

export const logLevelOf: Record<ProviderLogEntry['level'], LogLevel> = {
  debug: 'DEBUG',
  info: 'INFO',
  warning: 'WARNING',
  error: 'ERROR',
  critical: 'CRITICAL',
};

/** Whether two sets of named checks say the same thing. */
export function sameChecks(a: unknown, b: unknown): boolean {
  const left = (a ?? {}) as Record<string, unknown>;
  const right = (b ?? {}) as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  return [...keys].every((key) => left[key] === right[key]);
}
