// A fleet that looks like one: client companies' production and staging databases on
// the Odoo versions in use, mostly running, with recent backups and deployments. The
// generator is seeded, so every start of the mock shows the same fleet.
import { createHash } from 'node:crypto';
import { seededRandom } from '../seeded-random.js';

export interface MockInstance {
  id: string;
  name: string;
  database: string;
  url: string;
  version: string;
  status: string;
  statusMessage: string | null;
  subscriptionTier: string;
  deploymentMethod: string;
  gitBranch: string;
  createdAt: string;
  health: { status: string; checkedAt: string; responseTimeMs: number };
  latestBackup: { status: string; completedAt: string; sizeBytes: string } | null;
  latestDeployment: { status: string; commitHash: string; finishedAt: string } | null;
}

const clients = [
  'acme',
  'globex',
  'initech',
  'umbrella',
  'hooli',
  'stark',
  'wayne',
  'wonka',
  'tyrell',
  'cyberdyne',
  'soylent',
  'vandelay',
];
const stages = ['prod', 'staging'];
const versions = ['16.0', '17.0', '17.0', '18.0', '18.0', '19.0'];
const tiers = ['STARTER', 'GROWTH', 'ENTERPRISE'];
/** most of a real fleet runs; a few are being worked on */
const statuses = ['RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'SUSPENDED', 'MAINTENANCE', 'ERROR'];
const EPOCH = Date.parse('2026-01-05T09:00:00Z');

/** A stable UUID from a name, so ids survive restarts of the mock. */
function uuidOf(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The real API's global ids: base64 of "Type:uuid". */
export const globalId = (type: string, name: string) => Buffer.from(`${type}:${uuidOf(name)}`).toString('base64');

export function createFleetData(seed: number) {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const iso = (ms: number) => new Date(ms).toISOString();
  const commit = () => Array.from({ length: 40 }, () => Math.floor(random() * 16).toString(16)).join('');

  function instance(name: string, createdAt: number, status: string, version: string, tier: string): MockInstance {
    return {
      id: globalId('OdooInstance', name),
      name,
      database: name.replace(/-/g, '_'),
      url: `https://${name}.odoo.com`,
      version,
      status,
      statusMessage: status === 'ERROR' ? 'The provider reports the instance in error' : null,
      subscriptionTier: tier,
      deploymentMethod: random() < 0.8 ? 'ODOO_SH' : 'SELF_HOSTED',
      gitBranch: name.endsWith('staging') ? 'staging' : 'main',
      createdAt: iso(createdAt),
      health: {
        status:
          status === 'RUNNING' ? (random() < 0.9 ? 'HEALTHY' : 'DEGRADED') : status === 'ERROR' ? 'DOWN' : 'UNKNOWN',
        checkedAt: iso(EPOCH + 30 * 86_400_000),
        responseTimeMs: 80 + Math.floor(random() * 400),
      },
      latestBackup:
        status === 'CREATING'
          ? null
          : {
              status: 'COMPLETED',
              completedAt: iso(createdAt + 86_400_000),
              sizeBytes: String(Math.floor((200 + random() * 4800) * 1_048_576)),
            },
      latestDeployment:
        status === 'CREATING'
          ? null
          : {
              status: random() < 0.9 ? 'SUCCESS' : 'FAILED',
              commitHash: commit(),
              finishedAt: iso(createdAt + 2 * 86_400_000),
            },
    };
  }

  const instances = clients.flatMap((client, index) =>
    stages.map((stage, stageIndex) =>
      instance(
        `${client}-${stage}`,
        EPOCH + (index * 2 + stageIndex) * 3_600_000 * 7,
        pick(statuses),
        pick(versions),
        pick(tiers),
      ),
    ),
  );

  return {
    companyId: globalId('Company', 'acme-demo'),
    instances,
    /** values for fields no fixture sets: plausible, not lorem ipsum */
    scalarMocks: {
      DateTime: () => iso(EPOCH + Math.floor(random() * 30 * 86_400_000)),
      BigInt: () => String(Math.floor((100 + random() * 5000) * 1_048_576)),
      JSON: () => ({}),
      String: () => pick(['main', 'acme-prod', 'nightly', 'Odoo Fleet']),
      Int: () => Math.floor(random() * 100),
    },
    validateNewInstance(input: { name: string; version: string }, takenNames: string[]) {
      const fieldErrors: Array<{ path: string[]; message: string }> = [];
      if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(input.name))
        fieldErrors.push({ path: ['input', 'name'], message: 'must be 2-63 lowercase letters, digits or -' });
      if (!/^\d{2}\.0$/.test(input.version))
        fieldErrors.push({ path: ['input', 'version'], message: 'must be an Odoo version such as 17.0' });
      const conflict = takenNames.includes(input.name) ? `An instance named "${input.name}" already exists.` : null;
      return { fieldErrors, conflict };
    },
    newInstance(input: { name: string; version: string; subscriptionTier?: string }): MockInstance {
      return {
        ...instance(input.name, Date.now(), 'CREATING', input.version, input.subscriptionTier ?? 'STARTER'),
        createdAt: new Date().toISOString(),
      };
    },
  };
}
