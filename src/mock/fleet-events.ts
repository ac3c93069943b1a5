// What a dashboard sees live: deployments moving through their statuses, health flapping
// and instances changing state, one event every interval, written to the mock store so
// a query after an event shows the same state.
import type { IMockStore } from '@graphql-tools/mock';
import { globalId } from './fleet-data.js';

const deploymentSteps = ['QUEUED', 'BUILDING', 'DEPLOYING', 'SUCCESS'];
const healthCycle = ['HEALTHY', 'DEGRADED', 'HEALTHY', 'DOWN', 'HEALTHY'];

export async function* fleetEventStream(
  store: IMockStore,
  instanceIds: string[],
  intervalMs: number,
): AsyncGenerator<Record<string, string>> {
  for (let tick = 0; ; tick += 1) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    const instanceId = instanceIds[tick % instanceIds.length]!;
    const occurredAt = new Date().toISOString();
    if (tick % 3 === 0) {
      const status = deploymentSteps[Math.floor(tick / 3) % deploymentSteps.length]!;
      yield {
        kind: 'DEPLOYMENT',
        subjectId: globalId('Deployment', `mock-deployment-${Math.floor(tick / 12)}`),
        status,
        occurredAt,
      };
    } else if (tick % 3 === 1) {
      const status = healthCycle[tick % healthCycle.length]!;
      store.set('OdooInstance', instanceId, 'health', { status, checkedAt: occurredAt });
      yield { kind: 'HEALTH', subjectId: instanceId, status, occurredAt };
    } else {
      // A creation finishes: the instance a frontend just created turns RUNNING.
      const creating = instanceIds.find((id) => store.get('OdooInstance', id, 'status') === 'CREATING');
      if (creating) {
        store.set('OdooInstance', creating, 'status', 'RUNNING');
        yield { kind: 'INSTANCE', subjectId: creating, status: 'RUNNING', occurredAt };
      } else {
        yield { kind: 'BACKUP', subjectId: globalId('Backup', `mock-backup-${tick}`), status: 'COMPLETED', occurredAt };
      }
    }
  }
}
