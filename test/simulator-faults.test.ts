// The simulator's fault rate: a share of requests fails with the configured statuses or
// hangs, optionally only on some routes, and the control API refuses nonsense settings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../src/providers/errors.js';
import { startSimulator, type SimulatorHarness } from './support/odoo-sh.js';
import { seededRandom } from '../src/seeded-random.js';

let sim: SimulatorHarness;
let instanceId: string;

beforeAll(async () => {
  sim = await startSimulator({ random: seededRandom(17) });
  const created = await sim
    .client()
    .provider.createInstance({ name: 'faulty', database: 'faulty', version: '17.0', subscriptionTier: 'starter' });
  instanceId = created.id;
  sim.advance(1000);
});
afterAll(async () => {
  sim.simulator.setFaults({ rate: 0 });
  await sim.close();
});

async function rawGet(path: string): Promise<number> {
  const response = await fetch(`${sim.baseUrl}${path}`, { headers: { authorization: 'Bearer t' } });
  await response.arrayBuffer();
  return response.status;
}

describe('simulator fault rate', () => {
  it('fails about the configured share of requests, with the configured statuses', async () => {
    sim.simulator.setFaults({ rate: 0.3, statuses: [429, 503], routes: [] });
    const statuses: number[] = [];
    for (let call = 0; call < 400; call += 1) statuses.push(await rawGet(`/instances/${instanceId}`));
    sim.simulator.setFaults({ rate: 0 });
    const failed = statuses.filter((status) => status !== 200);
    expect(new Set(failed)).toEqual(new Set([429, 503]));
    // 400 draws at 30 %: the count lies well inside 90-150 (about 5 standard deviations).
    expect(failed.length).toBeGreaterThan(90);
    expect(failed.length).toBeLessThan(150);
    expect((sim.simulator.injectedFaults['429'] ?? 0) + (sim.simulator.injectedFaults['503'] ?? 0)).toBe(failed.length);
    expect(await rawGet(`/instances/${instanceId}`)).toBe(200);
  });

  it('limits faults to the listed routes', async () => {
    sim.simulator.setFaults({ rate: 1, statuses: [503], routes: ['GET /instances/:id/health'] });
    try {
      expect(await rawGet(`/instances/${instanceId}/health`)).toBe(503);
      expect(await rawGet(`/instances/${instanceId}`)).toBe(200);
    } finally {
      sim.simulator.setFaults({ rate: 0, routes: [] });
    }
  });

  it('hangs without answering, so the client times out', async () => {
    sim.simulator.setFaults({ rate: 1, statuses: ['hang'], hangMs: 1000 });
    try {
      const error = await sim
        .client({ timeoutMs: 150, maxAttempts: 1 })
        .provider.getHealth(instanceId)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ kind: 'unavailable', details: { code: 'timeout' } });
    } finally {
      sim.simulator.setFaults({ rate: 0, statuses: [429, 503] });
    }
  });

  it('is set through the control API, which refuses invalid settings', async () => {
    const origin = sim.baseUrl.replace(/\/api\/v1$/, '');
    const post = (body: unknown) =>
      fetch(`${origin}/_simulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ rate: 1.5 })).status).toBe(400);
    expect((await post({ rate: 0.5, statuses: [200] })).status).toBe(400);
    expect((await post({ rate: 0.5, statuses: [] })).status).toBe(400);
    expect(await rawGet(`/instances/${instanceId}`)).toBe(200); // nothing of the refused settings applied
    expect((await post({ rate: 1, statuses: [502] })).status).toBe(200);
    expect(await rawGet(`/instances/${instanceId}`)).toBe(502);
    expect((await post({ rate: 0 })).status).toBe(200);
    const stats = (await (await fetch(`${origin}/_simulator/stats`)).json()) as {
      injectedFaults: Record<string, number>;
    };
    expect(stats.injectedFaults['502']).toBe(1);
  });
});
