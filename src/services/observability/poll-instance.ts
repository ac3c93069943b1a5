// One poll of one instance: its health, the metric samples since the last poll and the
// new log lines, each call bounded by a timeout. The three are independent results: a
// server that refuses the fleet's login still answers its health (DEGRADED) while its
// metrics and logs fail, and that health must not be thrown away with them. Pure of
// storage: the poller writes the results of a whole batch at once.
import type { HealthStatus, LogLevel } from '../../generated/prisma/enums.js';
import type {
  InstanceProvider,
  Page,
  ProviderHealth,
  ProviderLogEntry,
  ProviderMetric,
} from '../../providers/provider.js';

/** What one part of a poll gave: its value, or why it failed. */
export type PollPart<T> = { ok: true; value: T } | { ok: false; error: Error };

export interface PollResult {
  health: PollPart<ProviderHealth>;
  metrics: PollPart<ProviderMetric[]>;
  logs: PollPart<ProviderLogEntry[]>;
}

class PollTimeoutError extends Error {}

function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PollTimeoutError(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function settle<T>(work: () => Promise<T>): Promise<PollPart<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/** The failures of a poll, one line each, for the poll state's `lastError`. */
export function pollErrors(result: PollResult): string | null {
  const parts = (['health', 'metrics', 'logs'] as const).flatMap((name) => {
    const part = result[name];
    return part.ok ? [] : [`${name}: ${part.error.message}`];
  });
  return parts.length ? parts.join('\n').slice(0, 500) : null;
}

const MAX_LOG_LINES_PER_POLL = 500;

export interface LogCursor {
  timestamp: Date;
  /** the provider's line id; null for providers without ids (the timestamp alone then) */
  id: string | null;
}

/** Line ids are compared as numbers when they are numbers (Odoo's record ids). */
function compareIds(a: string, b: string): number {
  return /^\d+$/.test(a) && /^\d+$/.test(b) ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a line comes after the cursor in (timestamp, id) order. */
function isAfter(entry: ProviderLogEntry, cursor: LogCursor): boolean {
  const byTime = entry.timestamp.getTime() - cursor.timestamp.getTime();
  if (byTime !== 0) return byTime > 0;
  return entry.id !== undefined && cursor.id !== null && compareIds(entry.id, cursor.id) > 0;
}

/** The cursor after these lines: the last of them in (timestamp, id) order, or the previous cursor. */
export function logCursorAfter(logs: ProviderLogEntry[], previous: LogCursor | null): LogCursor | null {
  return logs.reduce<LogCursor | null>(
    (latest, entry) =>
      !latest || isAfter(entry, latest) ? { timestamp: entry.timestamp, id: entry.id ?? null } : latest,
    previous,
  );
}
const METRIC_STEP_SECONDS = 60;

export async function pollInstance(
  provider: InstanceProvider,
  providerInstanceId: string,
  since: { metricAt: Date | null; logAt: Date | null; logId?: string | null },
  options: { now: Date; timeoutMs: number; intervalMs: number },
): Promise<PollResult> {
  const from = since.metricAt
    ? new Date(since.metricAt.getTime() + 1)
    : new Date(options.now.getTime() - Math.max(options.intervalMs, METRIC_STEP_SECONDS * 1000));
  // The three calls run side by side: none waits for, or depends on, another.
  const [health, metrics, logs] = await Promise.all([
    settle(() => within(options.timeoutMs, 'health check', provider.getHealth(providerInstanceId))),
    settle(async () =>
      from < options.now
        ? (
            await within(
              options.timeoutMs,
              'metrics',
              provider.getMetrics(providerInstanceId, { from, to: options.now, stepSeconds: METRIC_STEP_SECONDS }),
            )
          ).filter((sample) => !since.metricAt || sample.sampledAt > since.metricAt)
        : [],
    ),
    settle(async () => {
      const cursor = since.logAt ? { timestamp: since.logAt, id: since.logId ?? null } : null;
      const fresh: ProviderLogEntry[] = [];
      let page: string | null = null;
      // `since` is inclusive at the providers: the lines up to the cursor were stored already.
      do {
        const answer: Page<ProviderLogEntry> = await within(
          options.timeoutMs,
          'logs',
          provider.getLogs(providerInstanceId, {
            since: since.logAt ?? new Date(options.now.getTime() - options.intervalMs),
            limit: 200,
            cursor: page,
          }),
        );
        fresh.push(...answer.items.filter((entry) => !cursor || isAfter(entry, cursor)));
        page = answer.nextCursor;
      } while (page && fresh.length < MAX_LOG_LINES_PER_POLL);
      return fresh.slice(0, MAX_LOG_LINES_PER_POLL);
    }),
  ]);
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
