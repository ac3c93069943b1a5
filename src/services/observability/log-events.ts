// ERROR (and CRITICAL) lines an instance logs become LOG fleet events, so a dashboard watching the fleet
// sees an instance failing as it says so, not only when its health check turns. Live
// only: the lines themselves are stored (instance `logs`, `instanceLogs`), so a
// subscriber that was away reads them there; webhooks are not sent for them.
import type { LogLevel } from '../../generated/prisma/enums.js';
import type { FleetEventPayload } from '../../pubsub.js';

export interface StoredLogLine {
  instanceId: string;
  timestamp: Date;
  level: LogLevel;
  logger: string;
  message: string;
}

const SEVERE: LogLevel[] = ['ERROR', 'CRITICAL'];

/** One LOG event per ERROR (or CRITICAL) line, in the order the lines were logged; `status` is the level. */
export function errorLineEvents(
  lines: StoredLogLine[],
  companyOf: (instanceId: string) => string | undefined,
): FleetEventPayload[] {
  return lines
    .filter((line) => SEVERE.includes(line.level))
    .sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime())
    .flatMap((line) => {
      const companyId = companyOf(line.instanceId);
      if (!companyId) return [];
      return [
        {
          companyId,
          kind: 'LOG' as const,
          subjectId: line.instanceId,
          instanceId: line.instanceId,
          status: line.level,
          occurredAt: line.timestamp.toISOString(),
          log: { logger: line.logger, message: line.message },
        },
      ];
    });
}
