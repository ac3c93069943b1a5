// The Odoo.sh client against its simulator over real HTTP: every route of the contract,
// every error status, retries, timeouts, the circuit breaker and idempotent replays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../src/providers/circuit-breaker.js';
import { ProviderError } from '../src/providers/errors.js';
import { collectAll, type InstanceProvider } from '../src/providers/provider.js';
import { startSimulator, type SimulatorHarness } from './support/odoo-sh.js';
import { rejectionOf } from './support/rejection.js';

let sim: SimulatorHarness;
let provider: InstanceProvider;

beforeAll(async () => {
  sim = await startSimulator();
  provider = sim.client().provider;
});
afterAll(async () => {
  await sim?.close();
});

const failure = (promise: Promise<unknown>) => rejectionOf(promise, ProviderError);

let names = 0;
const newInstance = (target = provider) =>
  target.createInstance({
    name: `shop-${(names += 1)}`,
    database: `shop_${names}`,
    version: '17.0',
    subscriptionTier: 'growth',
  });

describe('instances', () => {
  it('go from creating to running, and are listed across pages', async () => {
    const created = await newInstance();
    expect(created).toMatchObject({
      status: 'creating',
      url: `https://${created.name}.odoo.sh`,
      gitBranch: 'master',
      subscriptionTier: 'growth',
    });
    sim.advance(1000);
    expect((await provider.getInstance(created.id)).status).toBe('running');
    await Promise.all([newInstance(), newInstance(), newInstance()]);
    const firstPage = await provider.listInstances({ limit: 2 });
    expect(firstPage.items).toHaveLength(2);
    expect(firstPage.nextCursor).not.toBeNull();
    const all = await collectAll((cursor) => provider.listInstances({ limit: 2, cursor }));
    expect(all.map((instance) => instance.id)).toContain(created.id);
    expect(new Set(all.map((instance) => instance.id)).size).toBe(all.length);
  });

  it('are updated, suspended, resumed and deleted', async () => {
    const instance = await newInstance();
    sim.advance(1000);
    const updated = await provider.updateInstance(instance.id, {
      subscriptionTier: 'enterprise',
      gitBranch: 'production',
    });
    expect(updated).toMatchObject({ subscriptionTier: 'enterprise', gitBranch: 'production' });
    expect((await provider.suspendInstance(instance.id)).status).toBe('suspended');
    expect((await provider.suspendInstance(instance.id)).status).toBe('suspended');
    expect((await provider.getHealth(instance.id)).status).toBe('down');
    expect((await provider.resumeInstance(instance.id)).status).toBe('running');
    expect((await provider.deleteInstance(instance.id)).status).toBe('deleting');
    sim.advance(1000);
    expect((await failure(provider.getInstance(instance.id))).kind).toBe('not_found');
  });
});

describe('backups', () => {
  it('complete over time, can be downloaded and restored', async () => {
    const instance = await newInstance();
    const target = await newInstance();
    sim.advance(1000);
    const backup = await provider.createBackup(instance.id);
    expect(backup).toMatchObject({ status: 'pending', sizeBytes: null, type: 'manual' });
    expect((await failure(provider.getBackupDownloadUrl(instance.id, backup.id))).kind).toBe('conflict');
    sim.advance(1000);
    expect((await provider.getBackup(instance.id, backup.id)).status).toBe('in_progress');
    sim.advance(1000);
    const done = await provider.getBackup(instance.id, backup.id);
    expect(done.status).toBe('completed');
    expect(done.sizeBytes).toBeGreaterThan(0);
    expect(done.completedAt).toBeInstanceOf(Date);
    expect((await provider.listBackups(instance.id)).items.map((item) => item.id)).toEqual([backup.id]);
    const download = await provider.getBackupDownloadUrl(instance.id, backup.id);
    expect(download.url).toMatch(new RegExp(`/_files/${backup.id}\\.zip\\?expires=`));
    let downloaded = 0;
    for await (const chunk of await provider.downloadBackup(instance.id, backup.id))
      downloaded += (chunk as Buffer).length;
    expect(downloaded).toBe(done.sizeBytes);
    expect(download.expiresAt.getTime()).toBeGreaterThan(Date.parse('2026-06-01T12:00:00Z'));

    const restore = await provider.restoreBackup(instance.id, backup.id, { targetInstanceId: target.id });
    expect(restore).toMatchObject({ status: 'in_progress', restoreId: expect.stringMatching(/^rst_/) });
    expect((await provider.getInstance(target.id)).status).toBe('maintenance');
    expect((await failure(provider.restoreBackup(instance.id, backup.id, { targetInstanceId: target.id }))).kind).toBe(
      'conflict',
    );
    sim.advance(1000);
    expect((await provider.getInstance(target.id)).status).toBe('running');
  });
});

describe('deployments', () => {
  it('move through queued, building, deploying to success', async () => {
    const instance = await newInstance();
    sim.advance(1000);
    const deployment = await provider.triggerDeployment(instance.id, { branch: 'master', commit: 'a1b2c3d4e5f6' });
    const seen = [deployment.status];
    for (let step = 0; step < 3; step += 1) {
      sim.advance(1000);
      seen.push((await provider.getDeployment(instance.id, deployment.id)).status);
    }
    expect(seen).toEqual(['queued', 'building', 'deploying', 'success']);
    const finished = await provider.getDeployment(instance.id, deployment.id);
    expect(finished.finishedAt).toBeInstanceOf(Date);
    expect((await provider.listDeployments(instance.id)).items).toHaveLength(1);
  });

  it('end failed with the reason when the commit carries the failure marker, one at a time', async () => {
    const instance = await newInstance();
    sim.advance(1000);
    const deployment = await provider.triggerDeployment(instance.id, { branch: 'master', commit: 'FAIL_DEPLOY' });
    const conflict = await failure(provider.triggerDeployment(instance.id, { branch: 'master' }));
    expect(conflict).toMatchObject({ kind: 'conflict', details: { status: 409, code: 'operation_running' } });
    sim.advance(2000);
    const failed = await provider.getDeployment(instance.id, deployment.id);
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/FAIL_DEPLOY/) });
  });
});

describe('health, metrics and logs', () => {
  it('report what the instance shows', async () => {
    const instance = await newInstance();
    sim.advance(1000);
    expect(await provider.getHealth(instance.id)).toMatchObject({
      status: 'healthy',
      checks: { http: 'ok', database: 'ok' },
    });
    await fetch(`${sim.baseUrl.replace('/api/v1', '')}/_simulator/instances/${instance.id}/health`, {
      method: 'POST',
      body: JSON.stringify({ status: 'degraded', checks: { workers: 'fail' } }),
    });
    expect(await provider.getHealth(instance.id)).toMatchObject({
      status: 'degraded',
      checks: { workers: 'fail', http: 'ok' },
    });

    const to = new Date(Date.parse('2026-06-01T12:00:00Z') + 3_600_000);
    const metrics = await provider.getMetrics(instance.id, {
      from: new Date(to.getTime() - 1_800_000),
      to,
      stepSeconds: 300,
    });
    expect(metrics.length).toBeGreaterThanOrEqual(6);
    expect(metrics[0]!.cpuPercent).toBeTypeOf('number');

    for (const [level, message] of [
      ['info', 'started'],
      ['error', 'boom'],
      ['warning', 'slow'],
      ['error', 'boom again'],
    ]) {
      await fetch(`${sim.baseUrl.replace('/api/v1', '')}/_simulator/instances/${instance.id}/logs`, {
        method: 'POST',
        body: JSON.stringify({ level, message, logger: 'odoo.http' }),
      });
    }
    const errors = await collectAll((cursor) => provider.getLogs(instance.id, { level: 'error', limit: 1, cursor }));
    expect(errors.map((entry) => entry.message)).toEqual(['boom', 'boom again']);
  });
});

describe('errors', () => {
  it('map every status of the contract to a typed error', async () => {
    const instance = await newInstance();
    expect(await failure(provider.listInstances({ limit: 500 }))).toMatchObject({
      kind: 'invalid_input',
      details: { status: 400 },
    });
    expect(await failure(provider.getInstance('inst_missing'))).toMatchObject({
      kind: 'not_found',
      details: { status: 404 },
    });
    expect(
      await failure(
        provider.createInstance({ name: instance.name, database: 'x', version: '17.0', subscriptionTier: 'starter' }),
      ),
    ).toMatchObject({
      kind: 'conflict',
      details: { status: 409, code: 'name_taken' },
    });
    const invalid = await failure(
      provider.createInstance({ name: 'Bad Name!', database: 'x', version: 'seventeen', subscriptionTier: 'starter' }),
    );
    expect(invalid).toMatchObject({ kind: 'invalid_input', details: { status: 422, code: 'invalid_field' } });
    expect(invalid.message).toMatch(/name: .*version: /);

    const guarded = await startSimulator({ tokens: { 'token-a': '*', 'token-b': [] } });
    try {
      const a = guarded.client({ token: 'token-a' }).provider;
      const owned = await a.createInstance({
        name: 'guarded',
        database: 'g',
        version: '17.0',
        subscriptionTier: 'starter',
      });
      expect(await failure(guarded.client({ token: 'nope' }).provider.getInstance(owned.id))).toMatchObject({
        kind: 'unauthorized',
        details: { status: 401 },
      });
      expect(await failure(guarded.client({ token: 'token-b' }).provider.getInstance(owned.id))).toMatchObject({
        kind: 'unauthorized',
        details: { status: 403 },
      });
    } finally {
      await guarded.close();
    }
  });

  it('retries 429 after Retry-After and 503 with jittered backoff, then succeeds', async () => {
    const instance = await newInstance();
    const { provider: retrying, sleeps } = sim.client({ random: () => 0.5, baseDelayMs: 200 });
    sim.simulator.setFaults({ next: [429, 503], retryAfterSeconds: 2 });
    expect((await retrying.getInstance(instance.id)).id).toBe(instance.id);
    expect(sleeps).toEqual([2000, 200]); // Retry-After honoured; then 0.5 × 200·2¹
  });

  it('gives up after the last attempt with the typed error', async () => {
    const instance = await newInstance();
    const { provider: retrying, sleeps } = sim.client({ maxAttempts: 3 });
    sim.simulator.setFaults({ next: [503, 503, 503] });
    expect(await failure(retrying.getInstance(instance.id))).toMatchObject({
      kind: 'unavailable',
      details: { status: 503 },
    });
    expect(sleeps).toHaveLength(2);
    sim.simulator.setFaults({ next: [429, 429, 429], retryAfterSeconds: 1 });
    expect(await failure(retrying.getInstance(instance.id))).toMatchObject({
      kind: 'rate_limited',
      details: { status: 429, retryAfterMs: 1000 },
    });
  });

  it('does not retry a PATCH answered 503, which may have been applied', async () => {
    const instance = await newInstance();
    const { provider: once, sleeps } = sim.client();
    sim.simulator.setFaults({ next: [503] });
    expect((await failure(once.updateInstance(instance.id, { subscriptionTier: 'starter' }))).kind).toBe('unavailable');
    expect(sleeps).toEqual([]);
  });

  it('times out a slow call and retries it', async () => {
    const instance = await newInstance();
    const { provider: impatient, sleeps } = sim.client({ timeoutMs: 100 });
    sim.simulator.setFaults({ slowNext: 1, slowMs: 400 });
    expect((await impatient.getInstance(instance.id)).id).toBe(instance.id);
    expect(sleeps).toHaveLength(1);
    sim.simulator.setFaults({ slowNext: 2, slowMs: 400 });
    const timedOut = await failure(sim.client({ timeoutMs: 100, maxAttempts: 2 }).provider.getInstance(instance.id));
    expect(timedOut).toMatchObject({ kind: 'unavailable', details: { code: 'timeout' } });
  });

  it('replays a POST whose answer was lost, instead of doing it twice', async () => {
    const { provider: impatient } = sim.client({ timeoutMs: 150 });
    const before = sim.simulator.instances.size;
    // The first attempt is processed but answered too late; the retry carries the same key.
    sim.simulator.setFaults({ slowNext: 1, slowMs: 400 });
    const created = await impatient.createInstance({
      name: 'replayed',
      database: 'r',
      version: '17.0',
      subscriptionTier: 'starter',
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(sim.simulator.instances.size).toBe(before + 1);
    // An explicit key gives the first answer again, and the work is done once.
    sim.advance(1000);
    const first = await provider.createBackup(created.id, { idempotencyKey: 'nightly-2026-06-01' });
    const second = await provider.createBackup(created.id, { idempotencyKey: 'nightly-2026-06-01' });
    expect(second.id).toBe(first.id);
    expect((await provider.listBackups(created.id)).items).toHaveLength(1);
    const other = await provider.createBackup(created.id, { idempotencyKey: 'nightly-2026-06-02' });
    expect(other.id).not.toBe(first.id);
  });

  it('opens the circuit after repeated failures, fails fast, and closes after a good trial', async () => {
    const instance = await newInstance();
    let clock = 0;
    const breaker = createCircuitBreaker({ failureThreshold: 3, minimumCalls: 3, cooldownMs: 5000, now: () => clock });
    const { provider: guarded } = sim.client({ breaker, maxAttempts: 1 });
    sim.simulator.setFaults({ next: [503, 503, 503] });
    for (let call = 0; call < 3; call += 1) await failure(guarded.getInstance(instance.id));
    expect(breaker.state).toBe('open');
    const requestsBefore = sim.simulator.requestCounts.get('GET /instances/:id');
    expect(await failure(guarded.getInstance(instance.id))).toMatchObject({
      kind: 'unavailable',
      details: { code: 'circuit_open' },
    });
    expect(sim.simulator.requestCounts.get('GET /instances/:id')).toBe(requestsBefore);
    clock += 5000;
    expect(breaker.state).toBe('half-open');
    expect((await guarded.getInstance(instance.id)).id).toBe(instance.id);
    expect(breaker.state).toBe('closed');
  });
});
