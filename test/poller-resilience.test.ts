// The poller when providers misbehave: the breaker opens on a provider that mostly fails,
// not on one that fails now and then; an instance whose call was not made is not backed
// off; a tick ends within its budget and what it did not finish stays due, oldest first.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPoller, type PollerOptions } from '../src/jobs/poller.js';
import { nextPollAt, phaseOf, pollsPerTick } from '../src/jobs/poll-schedule.js';
import { createLogger } from '../src/logger.js';
import { CircuitBreakers, createCircuitBreaker } from '../src/providers/circuit-breaker.js';
import { ProviderError } from '../src/providers/errors.js';
import type { InstanceProvider } from '../src/providers/provider.js';
import { createProviderRegistry, type ProviderRegistry } from '../src/providers/registry.js';
import { createFleetPubSub } from '../src/pubsub.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { startSimulator, type SimulatorHarness } from './support/odoo-sh.js';
import { seedCompany, seedRunningInstance } from './support/seed.js';
import { seededRandom } from '../src/seeded-random.js';
import { testKeyRing } from './support/server.js';

let db: TestDatabase;
let sim: SimulatorHarness;
let companyId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  sim = await startSimulator({}, Date.now());
  companyId = (await seedCompany(db.prisma, 'resilient')).id;
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});
beforeEach(async () => {
  await db.prisma.instancePollState.deleteMany();
  await db.prisma.odooInstance.deleteMany();
});

function registry(breakers = new CircuitBreakers()): ProviderRegistry {
  return createProviderRegistry({
    keyRing: testKeyRing,
    odooShBaseUrl: sim.baseUrl,
    odooShDefaultToken: 'account-token',
    timeoutMs: 2000,
    breakers,
  });
}

function poller(overrides: Partial<PollerOptions> & Pick<PollerOptions, 'providers'>) {
  return createPoller({
    prisma: db.prisma,
    pubsub: createFleetPubSub(),
    logger: createLogger('silent'),
    intervalMs: 60_000,
    concurrency: 4,
    timeoutMs: 2000,
    retentionDays: 7,
    ...overrides,
  });
}

/** `count` instances running at the simulator, due in the order of their names. */
async function fleet(count: number, prefix: string) {
  const { provider } = sim.client();
  const rows = [];
  for (let index = 0; index < count; index += 1) {
    rows.push(await seedRunningInstance(db.prisma, provider, companyId, `${prefix}-${index}`));
  }
  sim.advance(1000);
  const dueSince = Date.now() - 3_600_000;
  await db.prisma.instancePollState.createMany({
    data: rows.map((row, index) => ({ instanceId: row.id, nextPollAt: new Date(dueSince + index * 1000) })),
  });
  return rows;
}

const states = async () =>
  new Map((await db.prisma.instancePollState.findMany()).map((state) => [state.instanceId, state]));

describe('circuit breaker', () => {
  it('stays closed at 30 % failures and opens when most calls fail', () => {
    const breaker = createCircuitBreaker();
    const random = seededRandom(7);
    for (let call = 0; call < 5000; call += 1) {
      expect(breaker.allow()).toBe(true);
      if (random() < 0.3) breaker.recordFailure();
      else breaker.recordSuccess();
    }
    expect(breaker.state).toBe('closed');
    for (let call = 0; call < 50 && breaker.state === 'closed'; call += 1) {
      if (call % 4 === 0) breaker.recordSuccess();
      else breaker.recordFailure();
    }
    expect(breaker.state).toBe('open');
  });

  it('is shared by every base URL and token of one host', () => {
    const breakers = new CircuitBreakers();
    expect(breakers.for('http://api.example.test/api/v1')).toBe(breakers.for('http://API.example.test/other'));
    expect(breakers.for('http://api.example.test/api/v1')).not.toBe(breakers.for('http://other.example.test/api/v1'));
  });
});

describe('poll schedule', () => {
  const at = new Date('2026-06-01T12:00:00Z');
  const delay = (failures: number, definite: boolean) =>
    nextPollAt(at, 60_000, failures, definite, { random: () => 0 }).getTime() - at.getTime();
  it('polls again at the normal interval after the first transient failures, then backs off', () => {
    expect([0, 1, 2, 3, 4, 8].map((failures) => delay(failures, false))).toEqual([
      60_000, 60_000, 60_000, 120_000, 240_000, 1_920_000,
    ]);
  });
  it('moves each answering instance towards its own slot of the interval, so a fleet polled at once spreads out', () => {
    const ids = Array.from({ length: 400 }, (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`);
    // never sooner than 0.95 intervals, never later than 1.05
    for (const instanceId of ids) {
      const gap = nextPollAt(at, 10_000, 0, false, { instanceId }).getTime() - at.getTime();
      expect(gap >= 9500 && gap <= 10_500).toBe(true);
    }
    // the slots themselves are spread: each tenth of the interval holds a share of the fleet
    const perSecond = new Map<number, number>();
    for (const instanceId of ids) {
      const second = Math.floor(phaseOf(instanceId, 10_000) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    expect(perSecond.size).toBe(10);
    expect(Math.max(...perSecond.values())).toBeLessThan(80);
    // polled in lockstep, after eleven rounds every instance is on its slot, and stays there
    const settled = ids.map((instanceId) => {
      let next = at;
      for (let round = 0; round < 11; round += 1) next = nextPollAt(next, 10_000, 0, false, { instanceId });
      return next.getTime();
    });
    ids.forEach((instanceId, index) =>
      expect(((settled[index]! % 10_000) + 10_000) % 10_000).toBe(phaseOf(instanceId, 10_000)),
    );
    // polled a little late (a tick's lag), the next poll is back on the slot
    const onSlot = new Date(settled[0]!);
    expect(nextPollAt(new Date(onSlot.getTime() + 400), 10_000, 1, false, { instanceId: ids[0] }).getTime()).toBe(
      onSlot.getTime() + 10_000,
    );
  });
  it('lets a tick start twice its share of the fleet', () => {
    expect(pollsPerTick(100, 1000, 10_000)).toBe(20);
    expect(pollsPerTick(3, 1000, 60_000)).toBe(1);
    expect(pollsPerTick(100, 30_000, 10_000)).toBe(200); // ticks rarer than the interval: all of it
  });
  it('backs off at once when the provider refuses the instance itself', () => {
    expect([1, 2, 6].map((failures) => delay(failures, true))).toEqual([120_000, 240_000, 1_920_000]);
  });
});

describe('ticks', () => {
  it('do not back off instances whose calls were not made because the circuit is open', async () => {
    let clock = 0;
    const breakers = new CircuitBreakers({ cooldownMs: 30_000, now: () => clock });
    for (let failure = 0; failure < 20; failure += 1) breakers.for(sim.baseUrl).recordFailure();
    expect(breakers.for(sim.baseUrl).state).toBe('open');
    const rows = await fleet(4, 'paused');
    const before = await states();
    const callsBefore = sim.simulator.healthCalls.length;

    const report = await poller({ providers: registry(breakers) }).tick();
    expect(report).toMatchObject({ instancesPolled: 0, failures: 0, deferred: 4 });
    expect(sim.simulator.healthCalls.length).toBe(callsBefore);
    const after = await states();
    for (const row of rows) {
      expect(after.get(row.id)).toMatchObject({
        consecutiveFailures: 0,
        nextPollAt: before.get(row.id)!.nextPollAt,
        leaseOwner: null,
        lastPolledAt: null,
      });
    }

    clock += 30_000; // half-open: the trial call succeeds, and the rest follow
    const resumed = await poller({ providers: registry(breakers), concurrency: 1 }).tick();
    expect(resumed).toMatchObject({ instancesPolled: 4, failures: 0, deferred: 0 });
    expect(breakers.for(sim.baseUrl).state).toBe('closed');
  });

  it('come back gently after an open circuit: one poll (the trial), then twice as many each tick', async () => {
    let clock = 0;
    const breakers = new CircuitBreakers({ cooldownMs: 30_000, now: () => clock });
    for (let failure = 0; failure < 20; failure += 1) breakers.for(sim.baseUrl).recordFailure();
    await fleet(12, 'ramp');
    const work = poller({ providers: registry(breakers), concurrency: 8 });
    expect(await work.tick()).toMatchObject({ instancesPolled: 0, deferred: 12 });
    clock += 30_000;
    const polled = [];
    for (let tick = 0; tick < 4; tick += 1) polled.push((await work.tick()).instancesPolled);
    expect(polled).toEqual([1, 2, 4, 5]); // the last: what was left
    expect(breakers.for(sim.baseUrl).state).toBe('closed');
  });

  it('work off a fleet that is due all at once over several ticks, not in one burst', async () => {
    const rows = await fleet(20, 'herd');
    const work = poller({ providers: registry(), intervalMs: 10_000, tickBudgetMs: 1000, concurrency: 16 });
    // 20 instances every 10 s, a tick a second: 2 a tick, so at most 4 start
    expect(await work.tick()).toMatchObject({ instancesPolled: 4, deferred: 0 });
    const after = await states();
    expect(rows.filter((row) => after.get(row.id)!.lastPolledAt !== null)).toHaveLength(4);
    expect(await work.tick()).toMatchObject({ instancesPolled: 4 });
    expect([...(await states()).values()].filter((state) => state.lastPolledAt !== null)).toHaveLength(8);
  });

  it('end within their budget; what is not finished stays due and goes first next time', async () => {
    const rows = await fleet(6, 'slow');
    const order = new Map(rows.map((row) => [row.instanceId!, row.id]));
    let hang = true;
    const polled: string[] = [];
    const base = registry();
    const providers: ProviderRegistry = {
      ...base,
      providerFor(row) {
        const real = base.providerFor(row);
        const getHealth: InstanceProvider['getHealth'] = (id) => {
          if (hang) return new Promise(() => {});
          polled.push(order.get(id)!);
          return real.getHealth(id);
        };
        return Object.assign(Object.create(real) as InstanceProvider, { getHealth });
      },
    };
    const before = await states();
    // Two lanes: two polls start and hang (until their 1 s timeout); the tick does not
    // wait for them past its 300 ms budget, and claims nothing it could not start.
    // (A 1 s interval: with a 300 ms budget a tick owes ~2 of the 6 instances, and may start 4.)
    const work = poller({ providers, timeoutMs: 1000, tickBudgetMs: 300, intervalMs: 1000, concurrency: 2 });
    const cut = await work.tick();
    expect(cut).toMatchObject({ instancesPolled: 0, failures: 0, deferred: 0 });
    expect(cut.durationMs).toBeLessThan(1000);
    const after = await states();
    for (const row of rows.slice(2))
      expect(after.get(row.id)).toMatchObject({
        consecutiveFailures: 0,
        nextPollAt: before.get(row.id)!.nextPollAt,
        leaseOwner: null,
      });
    // The two hanging polls finish (timed out) after the tick and count in the next report.
    await work.drain();
    const timedOut = await states();
    for (const row of rows.slice(0, 2))
      expect(timedOut.get(row.id)).toMatchObject({ consecutiveFailures: 1, leaseOwner: null });
    // (they are due again a second on, at the 1 s interval: kept out of what follows)
    await db.prisma.instancePollState.updateMany({
      where: { instanceId: { in: rows.slice(0, 2).map((row) => row.id) } },
      data: { nextPollAt: new Date(Date.now() + 3_600_000) },
    });

    hang = false;
    const resumed = await poller({ providers, concurrency: 1, batchSize: 2 }).tick();
    expect(resumed).toMatchObject({ instancesPolled: 4, deferred: 0 });
    const next = await work.tick();
    expect(next).toMatchObject({ instancesPolled: 2, failures: 2 }); // the carried-over polls
    expect(polled).toEqual(rows.slice(2).map((row) => row.id)); // longest due first
  });

  it("count a definite refusal as the instance's failure, and keep polling a provider that fails now and then", async () => {
    const [refused] = await fleet(1, 'refused');
    await db.prisma.odooInstance.update({ where: { id: refused!.id }, data: { instanceId: 'inst_missing0000' } });
    const flaky = await fleet(3, 'flaky');
    const base = registry();
    const providers: ProviderRegistry = {
      ...base,
      providerFor(row) {
        const real = base.providerFor(row);
        const getHealth: InstanceProvider['getHealth'] = () =>
          Promise.reject(new ProviderError('unavailable', 'answered 503', { status: 503 }));
        return flaky.some((instance) => instance.id === row.id)
          ? Object.assign(Object.create(real) as InstanceProvider, { getHealth })
          : real;
      },
    };
    const started = Date.now();
    await poller({ providers }).tick();
    const after = await states();
    const delay = (id: string) => after.get(id)!.nextPollAt.getTime() - started;
    expect(after.get(refused!.id)!.consecutiveFailures).toBe(1);
    expect(delay(refused!.id)).toBeGreaterThan(100_000); // twice the interval
    for (const row of flaky) {
      expect(after.get(row.id)!.consecutiveFailures).toBe(1);
      expect(delay(row.id)).toBeLessThan(70_000); // the normal interval
    }
  });
});
