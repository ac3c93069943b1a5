// The poller: on each tick, claims the instances that are due (leases in PostgreSQL, so
// replicas share the work), polls them with bounded concurrency and per-call timeouts,
// stores the samples of a whole batch at once, and publishes only what changed: a health
// status or its checks, new metric samples. An instance whose provider fails is polled
// again later and later (see poll-schedule.ts), without holding up the others; an
// instance whose call was not made (its provider host's circuit is open) or not finished
// within the tick's budget stays due, first in line for the next tick. A tick starts at
// most twice its share of the fleet, and an instance that answers moves towards its own
// slot of the interval, so polls are spread over time rather than sent in bursts
// (see poll-schedule.ts). Samples older
// than the retention window are pruned.
import { hostname } from 'node:os';
import type { OdooInstance, Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { HealthStatus } from '../generated/prisma/enums.js';
import type { Logger } from '../logger.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { PubSub } from '../pubsub.js';
import { fleetEventRows, publishRecorded, toPayload } from '../services/events/outbox.js';
import { errorLineEvents, type StoredLogLine } from '../services/observability/log-events.js';
import {
  healthStatusOf,
  logCursorAfter,
  logLevelOf,
  pollErrors,
  pollInstance,
  sameChecks,
  type PollResult,
} from '../services/observability/poll-instance.js';
import {
  claimDueInstances,
  claimInstance,
  ensurePollStates,
  releaseUnpolled,
  releaseWithOutcomes,
  type ClaimedPollState,
  type PollOutcome,
} from './poll-leases.js';
import { createLanes } from './lanes.js';
import { isCircuitOpen, isDefiniteFailure, nextPollAt, pollsPerTick, rampAfterCircuit } from './poll-schedule.js';

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
  /** a tick ends after this long (polls not finished by then stay due), so it ends before the next one */
  tickBudgetMs?: number;
  now?: () => Date;
}

export interface TickReport {
  owner: string;
  startedAt: Date;
  durationMs: number;
  instancesPolled: number;
  failures: number;
  /** claimed but not polled: circuit open, or the budget ran out; they stay due */
  deferred: number;
  prunedSamples: number;
}

export interface Poller {
  readonly owner: string;
  /** how often each instance is polled (a live replica ticks at least this often) */
  readonly intervalMs: number;
  tick(): Promise<TickReport>;
  /** polls one instance now; false when another poll of it is in progress */
  pollNow(instanceId: string): Promise<boolean>;
  /** resolves when every poll started so far has been written (for shutdown and tests) */
  drain(): Promise<void>;
}

interface BatchResult {
  polled: number;
  failures: number;
  deferred: number;
}

export function replicaName(): string {
  return `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
}

export function createPoller(options: PollerOptions): Poller {
  const { prisma, pubsub } = options;
  const owner = options.owner ?? replicaName();
  const now = options.now ?? (() => new Date());
  const leaseMs = options.leaseMs ?? Math.max(30_000, options.timeoutMs * 4);
  const batchSize = options.batchSize ?? 200;
  const tickBudgetMs = options.tickBudgetMs ?? Math.max(options.intervalMs, 10_000);
  const healthSampleEveryMs = options.healthSampleEveryMs ?? 600_000;
  /** results of polls that finished after their tick ended, reported by the next tick */
  let carried: BatchResult = { polled: 0, failures: 0, deferred: 0 };
  /** when the previous tick started (performance.now()), to know the share of the fleet a tick owes */
  let previousTickAt: number | null = null;
  /** by provider scope (a host): polls a tick may start there while it comes back from an open circuit */
  const ramps = new Map<string, number>();
  /** provider scopes where a poll found the circuit open since the last tick began */
  const circuitOpenIn = new Set<string>();
  /** polls this tick started, by provider scope (null outside a tick) */
  let startedIn: Map<string, number> | null = null;

  // Polls in flight, across ticks: a tick that ends leaves its running polls their lanes.
  const lanes = createLanes(options.concurrency);
  const pending = new Set<Promise<unknown>>();

  /**
   * Starts the polls of `claimed` as lanes free up, none after `startBy`
   * (performance.now()) and, when `paced` (a tick), none beyond the ramp of a provider
   * scope coming back from an open circuit; the ones not started are given back at
   * once, still due. The result resolves when the started polls are done and written.
   */
  async function pollBatch(
    claimed: ClaimedPollState[],
    polledAt: Date,
    startBy = Number.POSITIVE_INFINITY,
    paced = false,
  ): Promise<{ notStarted: number; done: Promise<BatchResult> }> {
    const instances = await prisma.odooInstance.findMany({
      where: { id: { in: claimed.map((state) => state.instanceId) } },
    });
    const byId = new Map(instances.map((instance) => [instance.id, instance]));
    const results = new Map<string, PollResult | Error>();
    const polls: Array<Promise<void>> = [];
    const started: ClaimedPollState[] = [];
    const notStarted: string[] = [];
    for (const state of claimed) {
      const instance = byId.get(state.instanceId);
      if (!instance?.instanceId) continue;
      const scope = instance.providerScope;
      const rampedOut = paced && (startedIn?.get(scope) ?? 0) >= (ramps.get(scope) ?? Number.POSITIVE_INFINITY);
      if (rampedOut || performance.now() >= startBy || !(await lanes.take(startBy))) {
        notStarted.push(state.instanceId);
        continue;
      }
      started.push(state);
      if (paced) startedIn?.set(scope, (startedIn.get(scope) ?? 0) + 1);
      const providerInstanceId = instance.instanceId;
      polls.push(
        (async () => {
          try {
            const provider = options.providers.providerFor(instance);
            const since = { metricAt: state.lastMetricAt, logAt: state.lastLogAt, logId: state.lastLogId };
            results.set(
              state.instanceId,
              await pollInstance(provider, providerInstanceId, since, {
                now: polledAt,
                timeoutMs: options.timeoutMs,
                intervalMs: options.intervalMs,
              }),
            );
          } catch (error) {
            results.set(state.instanceId, error instanceof Error ? error : new Error(String(error)));
          } finally {
            lanes.free();
          }
        })(),
      );
    }
    await releaseUnpolled(prisma, owner, notStarted);
    const done = Promise.all(polls).then(() => record(started, byId, results, polledAt));
    pending.add(done);
    void done.catch(() => {}).finally(() => pending.delete(done));
    return { notStarted: notStarted.length, done };
  }

  async function record(
    claimed: ClaimedPollState[],
    byId: Map<string, OdooInstance>,
    results: Map<string, PollResult | Error>,
    polledAt: Date,
  ): Promise<BatchResult> {
    const healthRows: Prisma.HealthSampleCreateManyInput[] = [];
    const metricRows: Prisma.MetricSampleCreateManyInput[] = [];
    const logRows: StoredLogLine[] = [];
    const outcomes: PollOutcome[] = [];
    const healthChanges: Array<{
      instanceId: string;
      companyId: string;
      status: HealthStatus;
      statusChanged: boolean;
    }> = [];
    const metricChanges: Array<{ instanceId: string; sampledAt: Date }> = [];
    const unpolled: string[] = [];
    let failures = 0;

    for (const state of claimed) {
      const result = results.get(state.instanceId);
      const instance = byId.get(state.instanceId);
      if (!instance) continue;
      if (!result || (result instanceof Error && isCircuitOpen(result))) {
        // Not asked: its provider host's circuit is open. Not the instance's failure.
        if (result) circuitOpenIn.add(instance.providerScope);
        unpolled.push(state.instanceId);
        continue;
      }
      if (result instanceof Error) {
        failures += 1;
        const consecutiveFailures = state.consecutiveFailures + 1;
        const next = nextPollAt(polledAt, options.intervalMs, consecutiveFailures, isDefiniteFailure(result), {
          instanceId: state.instanceId,
        });
        outcomes.push({ ...state, consecutiveFailures, nextPollAt: next, lastError: result.message.slice(0, 500) });
        continue;
      }
      // Metrics and logs are kept whatever became of the health check, and the reverse.
      const metrics = result.metrics.ok ? result.metrics.value : [];
      const logs = result.logs.ok ? result.logs.value : [];
      for (const sample of metrics)
        metricRows.push({
          instanceId: instance.id,
          ...sample,
          memoryBytes: big(sample.memoryBytes),
          storageBytes: big(sample.storageBytes),
          dbSizeBytes: big(sample.dbSizeBytes),
        });
      const lastMetricAt = metrics.reduce<Date | null>(
        (latest, sample) => (!latest || sample.sampledAt > latest ? sample.sampledAt : latest),
        state.lastMetricAt,
      );
      if (lastMetricAt && lastMetricAt !== state.lastMetricAt)
        metricChanges.push({ instanceId: instance.id, sampledAt: lastMetricAt });
      for (const entry of logs)
        logRows.push({
          instanceId: instance.id,
          timestamp: entry.timestamp,
          level: logLevelOf[entry.level],
          logger: entry.logger,
          message: entry.message,
        });
      const logCursor = logCursorAfter(
        logs,
        state.lastLogAt ? { timestamp: state.lastLogAt, id: state.lastLogId } : null,
      );
      const lastLogAt = logCursor?.timestamp ?? null;
      const lastLogId = logCursor?.id ?? null;
      if (!result.health.ok) {
        if (isCircuitOpen(result.health.error)) {
          // Not asked: its provider host's circuit is open. Not the instance's failure.
          circuitOpenIn.add(instance.providerScope);
          unpolled.push(state.instanceId);
          continue;
        }
        // No health means nothing is known of the instance: back off, keep its last status.
        failures += 1;
        const consecutiveFailures = state.consecutiveFailures + 1;
        const next = nextPollAt(
          polledAt,
          options.intervalMs,
          consecutiveFailures,
          isDefiniteFailure(result.health.error),
          { instanceId: state.instanceId },
        );
        outcomes.push({
          ...state,
          consecutiveFailures,
          nextPollAt: next,
          lastMetricAt,
          lastLogAt,
          lastLogId,
          lastError: pollErrors(result),
        });
        continue;
      }
      const health = result.health.value;
      const status = healthStatusOf[health.status];
      const statusChanged = status !== state.lastHealthStatus;
      const changed = statusChanged || !sameChecks(health.checks, state.lastHealthChecks);
      if (changed)
        healthChanges.push({ instanceId: instance.id, companyId: instance.companyId, status, statusChanged });
      // History keeps every change and, while nothing changes, a sample now and then:
      // a row a poll would be ~1,440 rows an instance a day for nothing new.
      const heartbeatDue =
        !state.lastHealthSampleAt || polledAt.getTime() - state.lastHealthSampleAt.getTime() >= healthSampleEveryMs;
      if (changed || heartbeatDue) {
        // Stamped with our clock: samples of one instance stay in the order we took them.
        healthRows.push({
          instanceId: instance.id,
          status,
          responseTimeMs: health.responseTimeMs,
          checks: health.checks,
          checkedAt: polledAt,
        });
      }
      outcomes.push({
        instanceId: instance.id,
        nextPollAt: nextPollAt(polledAt, options.intervalMs, 0, false, { instanceId: instance.id }),
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
    // duplicate metric samples are skipped by their unique key. Status changes go to the
    // event outbox with their samples.
    const statusEvents = fleetEventRows(
      'HEALTH',
      healthChanges
        .filter((change) => change.statusChanged)
        .map((change) => ({ id: change.instanceId, companyId: change.companyId, status: change.status })),
    );
    await prisma.$transaction([
      prisma.fleetEventOutbox.createMany({ data: statusEvents }),
      prisma.healthSample.createMany({ data: healthRows }),
      prisma.metricSample.createMany({ data: metricRows, skipDuplicates: true }),
      prisma.logEntry.createMany({ data: logRows }),
    ]);
    await releaseWithOutcomes(prisma, owner, outcomes, polledAt);
    await releaseUnpolled(prisma, owner, unpolled);

    for (const change of healthChanges)
      pubsub.publish('instanceHealth', change.instanceId, { instanceId: change.instanceId, status: change.status });
    for (const event of statusEvents) publishRecorded(pubsub, toPayload(event));
    for (const instanceId of new Set(logRows.map((row) => row.instanceId)))
      pubsub.publish('instanceLogs', instanceId, { instanceId });
    for (const event of errorLineEvents(logRows, (instanceId) => byId.get(instanceId)?.companyId))
      publishRecorded(pubsub, event);
    for (const change of metricChanges)
      pubsub.publish('instanceMetrics', change.instanceId, {
        instanceId: change.instanceId,
        sampledAt: change.sampledAt.toISOString(),
      });
    return { polled: outcomes.length, failures, deferred: unpolled.length };
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
    intervalMs: options.intervalMs,
    async tick() {
      const startedAt = now();
      const started = performance.now();
      await ensurePollStates(prisma);
      // Deployments being tracked are followed at least at the poll cadence.
      await prisma.$executeRaw`UPDATE "Operation" SET "runAfter" = now() WHERE kind = 'DEPLOY' AND step = 'track' AND status = 'PENDING' AND "runAfter" > now()`;
      const tally = { polled: carried.polled, failures: carried.failures, deferred: carried.deferred };
      carried = { polled: 0, failures: 0, deferred: 0 };
      let tickEnded = false;
      const count = (result: BatchResult) => {
        const into = tickEnded ? carried : tally;
        into.polled += result.polled;
        into.failures += result.failures;
        into.deferred += result.deferred;
      };
      const deadline = started + tickBudgetMs;
      const batches: Array<Promise<unknown>> = [];
      // Each instance is tried at most once a tick: one whose call was not made stays due
      // for the next tick instead of being claimed again and again in this one.
      const tried: string[] = [];
      // Polls are paced: a tick starts at most twice its share of the fleet (see pollsPerTick).
      // Ticks come at least a budget apart (the budget is set below their spacing).
      const spacingMs = Math.max(tickBudgetMs, previousTickAt === null ? 0 : started - previousTickAt);
      previousTickAt = started;
      for (const scope of new Set([...ramps.keys(), ...circuitOpenIn])) {
        const ramp = rampAfterCircuit(ramps.get(scope) ?? Number.POSITIVE_INFINITY, circuitOpenIn.has(scope));
        if (Number.isFinite(ramp)) ramps.set(scope, ramp);
        else ramps.delete(scope);
      }
      circuitOpenIn.clear();
      startedIn = new Map();
      let allowance = pollsPerTick(await prisma.instancePollState.count(), spacingMs, options.intervalMs);
      while (performance.now() < deadline) {
        // Claim only what free lanes can start: a claim waiting for lanes would hold
        // leases for nothing and be given back.
        if (lanes.inUse >= options.concurrency) {
          if (!(await lanes.take(deadline))) break;
          lanes.free();
        }
        const free = Math.max(1, options.concurrency - lanes.inUse);
        if (allowance <= 0) break;
        const claimed = await claimDueInstances(prisma, owner, Math.min(batchSize, free, allowance), leaseMs, tried);
        if (claimed.length === 0) break;
        allowance -= claimed.length;
        tried.push(...claimed.map((state) => state.instanceId));
        const { notStarted, done } = await pollBatch(claimed, now(), deadline, true);
        tally.deferred += notStarted;
        batches.push(
          done.then(count, (error: unknown) =>
            options.logger.warn('poll results not written', {
              error: error instanceof Error ? error.message : String(error),
            }),
          ),
        );
      }
      // The tick ends at its deadline; polls still running finish into the next report.
      await untilDeadline(Promise.all(batches), deadline);
      tickEnded = true;
      startedIn = null;
      const { polled: instancesPolled, failures, deferred } = tally;
      const prunedSamples = await prune(startedAt);
      const report = {
        owner,
        startedAt,
        durationMs: Math.round(performance.now() - started),
        instancesPolled,
        failures,
        deferred,
        prunedSamples,
      };
      await prisma.pollerTick.create({
        data: { owner, startedAt, durationMs: report.durationMs, instancesPolled, failures, prunedSamples },
      });
      if (failures > 0 || deferred > 0)
        options.logger.warn('poll tick had failures', { polled: instancesPolled, failures, deferred });
      return report;
    },
    async pollNow(instanceId) {
      const claimed = await claimInstance(prisma, owner, instanceId, leaseMs);
      if (!claimed) return false;
      await (
        await pollBatch([claimed], now())
      ).done;
      return true;
    },
    async drain() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

/** Waits for `work`, but not past `deadline` (performance.now()). */
async function untilDeadline(work: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const cut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
  });
  await Promise.race([work, cut]).finally(() => clearTimeout(timer));
}

function big(value: number | null): bigint | null {
  return value === null ? null : BigInt(Math.round(value));
}
