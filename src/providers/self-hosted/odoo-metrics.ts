// One metrics sample of a self-hosted Odoo database, from what Odoo exposes over RPC.
// Each figure is read on its own: a module that is not installed (mail) or a field an
// older version lacks (ir.cron.failure_count, 17.3+) leaves that figure null, never the
// whole sample. A refused login fails the sample: nothing is known then.
import { type Domain, type ModelCalls, type OdooClient, orm } from '../../odoo/client.js';
import { OdooError } from '../../odoo/errors.js';
import type { ProviderMetric } from '../provider.js';

/** How late a scheduled action may be before it counts as overdue. */
const CRON_GRACE_MS = 10 * 60 * 1000;

const odooDatetime = (at: Date) => at.toISOString().replace('T', ' ').slice(0, 19);

async function optional(read: () => Promise<number>): Promise<number | null> {
  try {
    return await read();
  } catch (error) {
    // Unknown model or field (fault 1/2), access rights: this figure is not available here.
    if (error instanceof OdooError && error.kind !== 'unavailable' && error.kind !== 'access_denied') return null;
    throw error;
  }
}

export async function sampleOdooMetrics(
  client: OdooClient,
  calls: ModelCalls,
  now = new Date(),
): Promise<ProviderMetric> {
  const started = performance.now();
  await client.version();
  const rpcRoundTripMs = Math.round(performance.now() - started);
  const count = (model: string, domain: Domain) => optional(() => orm.searchCount(calls, model, domain));
  const [activeUsers, installedModules, storageBytes, mailQueued, mailFailed, cronsOverdue, cronsFailing] =
    await Promise.all([
      orm.searchCount(calls, 'res.users', [['share', '=', false]]),
      count('ir.module.module', [['state', '=', 'installed']]),
      optional(async () => {
        const [total] = (await calls.execute('ir.attachment', 'read_group', [[], ['file_size:sum'], []], {
          lazy: false,
        })) as Array<{ file_size?: number | false }>;
        return Number(total?.file_size || 0);
      }),
      count('mail.mail', [['state', '=', 'outgoing']]),
      count('mail.mail', [['state', '=', 'exception']]),
      count('ir.cron', [
        ['active', '=', true],
        ['nextcall', '<', odooDatetime(new Date(now.getTime() - CRON_GRACE_MS))],
      ]),
      count('ir.cron', [['failure_count', '>', 0]]),
    ]);
  return {
    sampledAt: now,
    cpuPercent: null,
    memoryBytes: null,
    storageBytes,
    // PostgreSQL's database size is not exposed over Odoo's RPC.
    dbSizeBytes: null,
    requestsPerMinute: null,
    activeUsers,
    rpcRoundTripMs,
    installedModules,
    mailQueued,
    mailFailed,
    cronsOverdue,
    cronsFailing,
  };
}
