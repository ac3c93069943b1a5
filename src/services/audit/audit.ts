// The audit trail: one row per mutation, whatever its outcome. Details hold the error
// kind and what the mutation was asked (its arguments with secrets redacted, see
// audit-input.ts), never a secret.
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { ActorKind, AuditOutcome } from '../../generated/prisma/enums.js';
import type { Caller } from '../../context.js';
import type { AuditValue } from './audit-input.js';

export interface AuditRecord {
  caller: Caller | null;
  operation: string;
  targetId?: string | null;
  outcome: AuditOutcome;
  details?: Record<string, AuditValue>;
  /** company the operation acted on, when the caller has none (platform operator) */
  companyId?: string | null;
}

function actorOf(caller: Caller | null): { actorKind: ActorKind; actorId: string | null; companyId: string | null } {
  if (caller?.kind === 'apiKey') return { actorKind: 'API_KEY', actorId: caller.apiKeyId, companyId: caller.companyId };
  if (caller?.kind === 'platformAdmin') return { actorKind: 'PLATFORM_ADMIN', actorId: null, companyId: null };
  return { actorKind: 'SYSTEM', actorId: null, companyId: null };
}

export async function recordAudit(prisma: PrismaClient, record: AuditRecord): Promise<void> {
  const actor = actorOf(record.caller);
  await prisma.auditEvent.create({
    data: {
      actorKind: actor.actorKind,
      actorId: actor.actorId,
      companyId: record.companyId ?? actor.companyId,
      operation: record.operation,
      targetId: record.targetId ?? null,
      outcome: record.outcome,
      details: record.details ?? {},
    },
  });
}
