// Health, metrics and logs of an instance, as stored by the poller.
import { builder } from '../builder.js';
import { HealthStatusEnum, LogLevelEnum } from '../enums.js';
import { OdooInstanceType } from '../instances/instance.types.js';
import { latestRowFor } from '../loaders.js';

const HealthCheckType = builder.objectRef<{ name: string; ok: boolean }>('HealthCheck').implement({
  description: 'One named check of a health sample (http, database, workers, cron).',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'What was checked.' }),
    ok: t.exposeBoolean('ok', { description: 'Whether it passed.' }),
  }),
});

export const HealthSampleType = builder.prismaObject('HealthSample', {
  description: 'The result of one health check of an instance.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Id of the sample.' }),
    status: t.expose('status', { type: HealthStatusEnum, description: 'Overall health.' }),
    responseTimeMs: t.exposeInt('responseTimeMs', { nullable: true, description: 'Time to answer, in ms.' }),
    checks: t.field({
      type: [HealthCheckType],
      description: 'The individual checks.',
      resolve: (sample) =>
        Object.entries((sample.checks ?? {}) as Record<string, unknown>).map(([name, value]) => ({
          name,
          ok: value === 'ok' || value === true,
        })),
    }),
    checkedAt: t.expose('checkedAt', { type: 'DateTime', description: 'When the check ran.' }),
  }),
});

export const MetricSampleType = builder.prismaObject('MetricSample', {
  description: 'Resource usage of an instance at one moment.',
  fields: (t) => ({
    sampledAt: t.expose('sampledAt', { type: 'DateTime', description: 'When it was measured.' }),
    cpuPercent: t.exposeFloat('cpuPercent', { nullable: true, description: 'CPU use, percent.' }),
    memoryBytes: t.expose('memoryBytes', { type: 'BigInt', nullable: true, description: 'Memory in use.' }),
    storageBytes: t.expose('storageBytes', { type: 'BigInt', nullable: true, description: 'File storage in use.' }),
    dbSizeBytes: t.expose('dbSizeBytes', { type: 'BigInt', nullable: true, description: 'Database size.' }),
    requestsPerMinute: t.exposeInt('requestsPerMinute', { nullable: true, description: 'HTTP requests a minute.' }),
    activeUsers: t.exposeInt('activeUsers', { nullable: true, description: 'Users active recently.' }),
    rpcRoundTripMs: t.exposeInt('rpcRoundTripMs', {
      nullable: true,
      description: 'Time of one RPC round trip to the server, ms (self-hosted).',
    }),
    installedModules: t.exposeInt('installedModules', {
      nullable: true,
      description: 'Modules installed in the database (self-hosted).',
    }),
    mailQueued: t.exposeInt('mailQueued', {
      nullable: true,
      description: 'Outgoing mails waiting to be sent (self-hosted, with the mail module).',
    }),
    mailFailed: t.exposeInt('mailFailed', {
      nullable: true,
      description: 'Outgoing mails in exception (self-hosted, with the mail module).',
    }),
    cronsOverdue: t.exposeInt('cronsOverdue', {
      nullable: true,
      description: 'Active scheduled actions more than 10 minutes past their next call (self-hosted).',
    }),
    cronsFailing: t.exposeInt('cronsFailing', {
      nullable: true,
      description: 'Scheduled actions whose last runs failed (self-hosted, Odoo 17.3 and later).',
    }),
  }),
});

export const LogEntryType = builder.prismaObject('LogEntry', {
  description: 'One log line of an instance.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Id of the line.' }),
    timestamp: t.expose('timestamp', { type: 'DateTime', description: 'When Odoo logged it.' }),
    level: t.expose('level', { type: LogLevelEnum, description: 'Severity.' }),
    logger: t.exposeString('logger', { description: 'Python logger name, e.g. odoo.modules.loading.' }),
    message: t.exposeString('message', { description: 'The message.' }),
  }),
});

const latestFirst = [{ checkedAt: 'desc' as const }, { id: 'desc' as const }];
const METRICS_WINDOW_MS = 24 * 60 * 60 * 1000;
const MAX_METRIC_SAMPLES = 2000;

builder.prismaObjectFields(OdooInstanceType, (t) => ({
  health: t.field({
    type: HealthSampleType,
    nullable: true,
    description: 'The latest health sample; null before the first check.',
    resolve: (instance, _args, context) => latestRowFor(context.loaders, instance, 'HealthSample'),
  }),
  healthHistory: t.relatedConnection('healthSamples', {
    cursor: 'id',
    description: 'Health samples, newest first: every change, and while nothing changes one sample every 10 minutes.',
    args: {
      since: t.arg({ type: 'DateTime', required: false, description: 'Only samples from this instant.' }),
    },
    query: ({ since }) => ({
      where: since ? { checkedAt: { gte: since } } : {},
      orderBy: latestFirst,
    }),
  }),
  metrics: t.relation('metricSamples', {
    description: `Metric samples between \`from\` and \`to\` (default: the last 24 hours), oldest first; at most ${MAX_METRIC_SAMPLES}.`,
    args: {
      from: t.arg({ type: 'DateTime', required: false, description: 'Start (inclusive).' }),
      to: t.arg({ type: 'DateTime', required: false, description: 'End (inclusive); default now.' }),
    },
    query: ({ from, to }) => {
      const end = to ?? new Date();
      return {
        where: { sampledAt: { gte: from ?? new Date(end.getTime() - METRICS_WINDOW_MS), lte: end } },
        orderBy: { sampledAt: 'asc' },
        take: MAX_METRIC_SAMPLES,
      };
    },
  }),
  logs: t.relatedConnection('logEntries', {
    cursor: 'id',
    description: 'Log lines, newest first.',
    args: {
      since: t.arg({ type: 'DateTime', required: false, description: 'Only lines from this instant.' }),
      level: t.arg({ type: LogLevelEnum, required: false, description: 'Only lines of this level.' }),
    },
    query: ({ since, level }) => ({
      where: {
        ...(since ? { timestamp: { gte: since } } : {}),
        ...(level ? { level } : {}),
      },
      orderBy: [{ timestamp: 'desc' }, { id: 'desc' }],
    }),
  }),
}));
