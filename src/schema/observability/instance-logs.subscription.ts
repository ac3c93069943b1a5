// Live logs: `instanceLogs` sends an instance's log lines after a cursor (or the latest
// ones), then each line the poller stores, in order, optionally from a minimum level on.
import { Repeater } from 'graphql-yoga';
import type { LogEntry, Prisma } from '../../generated/prisma/client.js';
import type { LogLevel } from '../../generated/prisma/enums.js';
import { InvalidInputError, NotFoundError } from '../errors/error-classes.js';
import { builder } from '../builder.js';
import { LogLevelEnum } from '../enums.js';
import { untilRevoked } from '../fleet/fleet-events.schema.js';
import { OdooInstanceType } from '../instances/instance.types.js';
import { ownedBy } from '../tenancy.js';
import { LogEntryType } from './observability.schema.js';

const LEVELS: LogLevel[] = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];
const HISTORY_WITHOUT_CURSOR = 100;
const PAGE = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

builder.subscriptionField('instanceLogs', (t) =>
  t.prismaField({
    type: LogEntryType,
    description:
      'Log lines of an instance: those after `after` (the id of the last line you have; without it the latest 100), then each new line as the poller stores it.',
    authScopes: { member: true },
    args: {
      instanceId: t.arg.globalID({ for: OdooInstanceType, required: true, description: 'Global id of the instance.' }),
      level: t.arg({ type: LogLevelEnum, required: false, description: 'Only lines of this level or more severe.' }),
      after: t.arg.string({
        required: false,
        description: 'Cursor: the `id` of the last line already received; the stream resumes after it.',
      }),
    },
    subscribe: (_root, { instanceId, level, after }, context) =>
      new Repeater<LogEntry>(async (push, stop) => {
        const events = untilRevoked(context, context.pubsub.subscribe('instanceLogs', instanceId.id))[
          Symbol.asyncIterator
        ]();
        stop.then(() => events.return?.());
        const instance = await context.prisma.odooInstance.findFirst({
          where: { ...ownedBy(context, instanceId.id), status: { not: 'DELETED' } },
          select: { id: true },
        });
        if (!instance) return stop(new NotFoundError('OdooInstance', instanceId.id));
        const levels = level ? LEVELS.slice(LEVELS.indexOf(level)) : LEVELS;
        const where = { instanceId: instance.id, level: { in: levels } };
        const anchor =
          after && UUID.test(after)
            ? await context.prisma.logEntry.findFirst({
                where: { id: after, instanceId: instance.id },
                select: { id: true, timestamp: true },
              })
            : null;
        if (after && !anchor)
          return stop(
            new InvalidInputError([{ path: ['after'], message: 'must be the id of a log line of this instance' }]),
          );
        let last: { id: string; timestamp: Date } | null = anchor;
        const newer = (): Prisma.LogEntryWhereInput =>
          last
            ? {
                ...where,
                OR: [{ timestamp: { gt: last.timestamp } }, { timestamp: last.timestamp, id: { gt: last.id } }],
              }
            : where;
        const order = [{ timestamp: 'asc' as const }, { id: 'asc' as const }];
        if (!last) {
          // No cursor: the latest lines, oldest first.
          const latest = await context.prisma.logEntry.findMany({
            where,
            orderBy: [{ timestamp: 'desc' }, { id: 'desc' }],
            take: HISTORY_WITHOUT_CURSOR,
          });
          for (const entry of latest.reverse()) await push(entry);
          last = latest.at(-1) ?? null;
        }
        const sendNewer = async () => {
          for (;;) {
            const page = await context.prisma.logEntry.findMany({ where: newer(), orderBy: order, take: PAGE });
            for (const entry of page) await push(entry);
            if (page.length > 0) last = page.at(-1)!;
            if (page.length < PAGE) return;
          }
        };
        if (anchor) await sendNewer();
        for (;;) {
          const next = await events.next();
          if (next.done) return stop();
          await sendNewer();
        }
      }),
    resolve: (_query, entry) => entry as LogEntry,
  }),
);
