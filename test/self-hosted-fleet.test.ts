// Self-hosted Odoo servers driven through the GraphQL API against the Odoo double:
// health that tells the truth (a refused login is DEGRADED, a stopped server DOWN).
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckInstanceHealthDocument, FleetEventsDocument, SelfHostedObservabilityDocument, SetInstanceCredentialsDocument } from './generated/graphql.js';
import { startFleet, type Fleet } from './support/fleet.js';
import { OdooServerDouble } from './support/odoo-double.js';
import { wsClient } from './support/server.js';

let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet('onprem-fleet');
});
afterAll(async () => {
  await fleet?.stop();
});

/** A self-hosted instance on `serverUrl`, created by the fleet and RUNNING. */
function selfHosted(name: string, serverUrl: string, passwords = { odoo: 'odoo-admin-pw', master: 'master-pw' }) {
  return fleet.runningInstance({ name, version: '17.0', deploymentMethod: 'SELF_HOSTED', serverUrl }, async (id) => {
    await fleet.gql(SetInstanceCredentialsDocument, { input: { instanceId: id, odooLogin: 'admin', odooPassword: passwords.odoo, masterPassword: passwords.master } });
  });
}

async function observed(id: string) {
  const result = await fleet.gql(SelfHostedObservabilityDocument, { id });
  if (!result.data?.instance) throw new Error(JSON.stringify(result));
  return result.data.instance;
}

async function checkHealth(id: string) {
  const result = await fleet.gql(CheckInstanceHealthDocument, { input: { instanceId: id } });
  expect(result.data?.checkInstanceHealth.__typename).toBe('CheckInstanceHealthSuccess');
}

describe('health of a self-hosted instance', () => {
  it('is DEGRADED when Odoo refuses the login and DOWN when the server stops, each a sample and a HEALTH event', async () => {
    const odoo = new OdooServerDouble({ masterPassword: 'master-pw' });
    const url = await odoo.listen();
    try {
      const id = await selfHosted('health-watch', url);
      const events: Array<{ kind: string; status: string }> = [];
      const client = wsClient(fleet.server.wsUrl, fleet.company.token, true);
      client.subscribe({ query: print(FleetEventsDocument) }, {
        next: (value) => events.push((value.data as { fleetEvents: { kind: string; status: string } }).fleetEvents),
        error: () => {},
        complete: () => {},
      });
      try {
        await new Promise((resolve) => setTimeout(resolve, 200));
        await checkHealth(id);
        expect((await observed(id)).health).toMatchObject({ status: 'HEALTHY' });
        // With the login working, the same poll also brings a metrics sample.
        expect((await observed(id)).metrics.length).toBeGreaterThan(0);

        // Someone changes the admin password on the server: Odoo still answers, but refuses us.
        odoo.databases.get('health_watch')!.users[0]!.password = 'changed-by-someone';
        await checkHealth(id);
        const degraded = await observed(id);
        expect(degraded.health).toMatchObject({ status: 'DEGRADED', checks: expect.arrayContaining([{ name: 'http', ok: true }, { name: 'database', ok: false }]) });

        await odoo.close();
        await checkHealth(id);
        const down = await observed(id);
        expect(down.health).toMatchObject({ status: 'DOWN' });
        expect(down.healthHistory.edges.map((edge) => edge.node.status)).toEqual(['DOWN', 'DEGRADED', 'HEALTHY']);
        await expect.poll(() => events.filter((event) => event.kind === 'HEALTH').map((event) => event.status)).toEqual(['HEALTHY', 'DEGRADED', 'DOWN']);
      } finally {
        await client.dispose();
      }
    } finally {
      await odoo.close();
    }
  });
});
