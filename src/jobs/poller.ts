// The poller: on each tick, claims the instances that are due (leases in PostgreSQL, so
// replicas share the work), polls them with bounded concurrency and per-call timeouts,
// stores the samples of a whole batch at once, and publishes only what changed: a health
// status or its checks, new metric samples. An instance whose provider fails is polled
// again later and later (exponential backoff), without holding up the others. Samples
// older than the retention window are pruned.
import { hostname } from 'node:os';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { HealthStatus } from '../generated/prisma/enums.js';
import type { Logger } from '../logger.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { publishFleetEvent, type PubSub } from '../pubsub.js';
import { healthStatusOf, logCursorAfter, logLevelOf, pollErrors, pollInstance, sameChecks, type PollResult } from '../services/observability/poll-instance.js';
import { claimDueInstances, claimInstance, ensurePollStates, releaseWithOutcomes, type ClaimedPollState, type PollOutcome } from './poll-leases.js';

export interface PollerOptions {
  prisma: PrismaClient;
  pubsub: PubSub;
  providers: ProviderRegistry;
  logger: Logger;
  /** this replica's name in leases and `pollerStatus` */
  owner?: string;
  /** how often each instance is polled */
  intervalMs: number;
  concurrency: number;
  /** bound of one provider call */
  timeoutMs: number;
  /** how long a claimed instance stays ours if this replica dies */
  leaseMs?: number;
  /** instances claimed at a time */
  batchSize?: number;
  retentionDays: number;
  /** unchanged health is stored once in this long (changes always are); default 10 minutes */
  healthSampleEveryMs?: number;
  /** a tick stops claiming after this long, so it ends before the next one */
  tickBudgetMs?: number;
  now?: () => Date;
}

export interface TickReport {
  owner: string;
  startedAt: Date;
  durationMs: number;
  instancesPolled: number;
  failures: number;
  prunedSamples: number;
}

export interface Poller {
  readonly owner: string;
  tick(): Promise<TickReport>;
  /** polls one instance now; false when another poll of it is in progress */
  pollNow(instanceId: string): Promise<boolean>;
}

const MAX_BACKOFF_FACTOR = 32;

export function replicaName(): string {
  return `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Runs `work` over `items` with at most `limit` at once. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

export function createPoller(options: PollerOptions): Poller {
  const { prisma, pubsub } = options;
  const owner = options.owner ?? replicaName();
  const now = options.now ?? (() => new Date());
  const leaseMs = options.leaseMs ?? Math.max(30_000, options.timeoutMs * 4);
  const batchSize = options.batchSize ?? 200;
  const tickBudgetMs = options.tickBudgetMs ?? Math.max(options.intervalMs, 10_000);
  const healthSampleEveryMs = options.healthSampleEveryMs ?? 600_000;

  function nextPoll(at: Date, failures: number): Date {
    const factor = failures === 0 ? 1 : Math.min(2 ** failures, MAX_BACKOFF_FACTOR);
    // A little jitter keeps instances created together from staying in lockstep.
    const jitter = 1 + (Math.random() - 0.5) * 0.1;
    return new Date(at.getTime() + options.intervalMs * factor * jitter);
  }

  async function pollBatch(claimed: ClaimedPollState[], polledAt: Date): Promise<{ polled: number; failures: number }> {
    const instances = await prisma.odooInstance.findMany({ where: { id: { in: claimed.map((state) => state.instanceId) } } });
    const byId = new Map(instances.map((instance) => [instance.id, instance]));
    const results = new Map<string, PollResult | Error>();
    await eachLimited(claimed, options.concurrency, async (state) => {
      const instance = byId.get(state.instanceId);
      if (!instance?.instanceId) return;
      try {
        const provider = options.providers.providerFor(instance);
        results.set(state.instanceId, await pollInstance(provider, instance.instanceId, { metricAt: state.lastMetricAt, logAt: state.lastLogAt, logId: state.lastLogId }, { now: polledAt, timeoutMs: options.timeoutMs, intervalMs: options.intervalMs }));
      } catch (error) {
        results.set(state.instanceId, error instanceof Error ? error : new Error(String(error)));
      }
    });

    const healthRows: Prisma.HealthSampleCreateManyInput[] = [];
    const metricRows: Prisma.MetricSampleCreateManyInput[] = [];
    const logRows: Prisma.LogEntryCreateManyInput[] = [];
    const outcomes: PollOutcome[] = [];
    const healthChanges: Array<{ instanceId: string; companyId: string; status: HealthStatus; statusChanged: boolean }> = [];
    const metricChanges: Array<{ instanceId: string; sampledAt: Date }> = [];
    let failures = 0;

    for (const state of claimed) {
      const result = results.get(state.instanceId);
      const instance = byId.get(state.instanceId);
      if (!result || !instance) continue;
      if (result instanceof Error) {
        failures += 1;
        const consecutiveFailures = state.consecutiveFailures + 1;
        outcomes.push({ ...state, consecutiveFailures, nextPollAt: nextPoll(polledAt, consecutiveFailures), lastError: result.message.slice(0, 500) });
        continue;
      }
      // Metrics and logs are kept whatever became of the health check, and the reverse.
      const metrics = result.metrics.ok ? result.metrics.value : [];
      const logs = result.logs.ok ? result.logs.value : [];
      for (const sample of metrics) metricRows.push({ instanceId: instance.id, ...sample, memoryBytes: big(sample.memoryBytes), storageBytes: big(sample.storageBytes), dbSizeBytes: big(sample.dbSizeBytes) });
      const lastMetricAt = metrics.reduce<Date | null>((latest, sample) => (!latest || sample.sampledAt > latest ? sample.sampledAt : latest), state.lastMetricAt);
      if (lastMetricAt && lastMetricAt !== state.lastMetricAt) metricChanges.push({ instanceId: instance.id, sampledAt: lastMetricAt });
      for (const entry of logs) logRows.push({ instanceId: instance.id, timestamp: entry.timestamp, level: logLevelOf[entry.level], logger: entry.logger, message: entry.message });
      const logCursor = logCursorAfter(logs, state.lastLogAt ? { timestamp: state.lastLogAt, id: state.lastLogId } : null);
      const lastLogAt = logCursor?.timestamp ?? null;
      const lastLogId = logCursor?.id ?? null;
      if (!result.health.ok) {
        // No health means nothing is known of the instance: back off, keep its last status.
        failures += 1;
        const consecutiveFailures = state.consecutiveFailures + 1;
        outcomes.push({ ...state, consecutiveFailures, nextPollAt: nextPoll(polledAt, consecutiveFailures), lastMetricAt, lastLogAt, lastLogId, lastError: pollErrors(result) });
        continue;
      }
      const health = result.health.value;
      const status = healthStatusOf[health.status];
      const statusChanged = status !== state.lastHealthStatus;
      const changed = statusChanged || !sameChecks(health.checks, state.lastHealthChecks);
      if (changed) healthChanges.push({ instanceId: instance.id, companyId: instance.companyId, status, statusChanged });
      // History keeps every change and, while nothing changes, a sample now and then:
      // a row a poll would be ~1,440 rows an instance a day for nothing new.
      const heartbeatDue = !state.lastHealthSampleAt || polledAt.getTime() - state.lastHealthSampleAt.getTime() >= healthSampleEveryMs;
      if (changed || heartbeatDue) {
        // Stamped with our clock: samples of one instance stay in the order we took them.
        healthRows.push({ instanceId: instance.id, status, responseTimeMs: health.responseTimeMs, checks: health.checks, checkedAt: polledAt });
      }
      outcomes.push({
        instanceId: instance.id,
        nextPollAt: nextPoll(polledAt, 0),
        consecutiveFailures: 0,
        lastHealthStatus: status,
        lastHealthChecks: health.checks,
        lastHealthSampleAt: changed || heartbeatDue ? polledAt : state.lastHealthSampleAt,
        lastMetricAt,
        lastLogAt,
        lastLogId,
        lastError: pollErrors(result),
      });
    }

    // Samples first, then the poll states: a crash in between polls these again, and
    // duplicate metric samples are skipped by their unique key.
    await prisma.$transaction([
      prisma.healthSample.createMany({ data: healthRows }),
      prisma.metricSample.createMany({ data: metricRows, skipDuplicates: true }),
      prisma.logEntry.createMany({ data: logRows }),
    ]);
    await releaseWithOutcomes(prisma, owner, outcomes, polledAt);

    for (const change of healthChanges) {
      pubsub.publish('instanceHealth', change.instanceId, { instanceId: change.instanceId, status: change.status });
      if (change.statusChanged) {
        publishFleetEvent(pubsub, 'HEALTH', { id: change.instanceId, companyId: change.companyId, status: change.status });
      }
    }
    for (const change of metricChanges) pubsub.publish('instanceMetrics', change.instanceId, { instanceId: change.instanceId, sampledAt: change.sampledAt.toISOString() });
    return { polled: outcomes.length, failures };
  }

  async function prune(at: Date): Promise<number> {
    const cutoff = new Date(at.getTime() - options.retentionDays * 86_400_000);
    // Bounded deletes: a backlog is worked off over several ticks, never in one long lock.
    const counts = await Promise.all([
      prisma.$executeRaw`DELETE FROM "HealthSample" WHERE id IN (SELECT id FROM "HealthSample" WHERE "checkedAt" < ${cutoff} LIMIT 10000)`,
      prisma.$executeRaw`DELETE FROM "MetricSample" WHERE id IN (SELECT id FROM "MetricSample" WHERE "sampledAt" < ${cutoff} LIMIT 10000)`,
      prisma.$executeRaw`DELETE FROM "LogEntry" WHERE id IN (SELECT id FROM "LogEntry" WHERE "timestamp" < ${cutoff} LIMIT 10000)`,
      prisma.$executeRaw`DELETE FROM "PollerTick" WHERE "startedAt" < ${new Date(at.getTime() - 86_400_000)}`,
    ]);
    return counts.slice(0, 3).reduce((sum, count) => sum + count, 0);
  }

  return {
    owner,
    async tick() {
      const startedAt = now();
      const started = performance.now();
      await ensurePollStates(prisma);
      // Deployments being tracked are followed at least at the poll cadence.
      await prisma.$executeRaw`UPDATE "Operation" SET "runAfter" = now() WHERE kind = 'DEPLOY' AND step = 'track' AND status = 'PENDING' AND "runAfter" > now()`;
      let instancesPolled = 0;
      let failures = 0;
      while (performance.now() - started < tickBudgetMs) {
        const claimed = await claimDueInstances(prisma, owner, batchSize, leaseMs);
        if (claimed.length === 0) break;
        const batch = await pollBatch(claimed, now());
        instancesPolled += batch.polled;
        failures += batch.failures;
      }
      const prunedSamples = await prune(startedAt);
      const report = { owner, startedAt, durationMs: Math.round(performance.now() - started), instancesPolled, failures, prunedSamples };
      await prisma.pollerTick.create({ data: report });
      if (failures > 0) options.logger.warn('poll tick had failures', { polled: instancesPolled, failures });
      return report;
    },
    async pollNow(instanceId) {
      const claimed = await claimInstance(prisma, owner, instanceId, leaseMs);
      if (!claimed) return false;
      await pollBatch([claimed], now());
      return true;
    },
  };
}

function big(value: number | null): bigint | null {
  return value === null ? null : BigInt(Math.round(value));
}
