// How far a long operation has come, read from its row: the step it is at among the
// steps of its kind, the steps ahead, a percent (steps done over steps in all), and its
// timestamps. Steps that wait on a provider are a step each, so a backup waiting for
// its provider stays at the same percent until the provider is done; a backup's copy
// moves the percent with its bytes.
import type { Operation, PrismaClient } from '../../generated/prisma/client.js';
import type { OperationKind } from '../../generated/prisma/enums.js';

/** The steps of each kind in order, with what a person reads for each. */
const STEPS: Record<OperationKind | 'DEPLOY_XMLRPC', Array<[step: string, label: string]>> = {
  CREATE_INSTANCE: [['start', 'Asking the provider for the instance'], ['wait_running', 'Waiting for the instance to run']],
  DELETE_INSTANCE: [['start', 'Asking the provider to delete the instance'], ['wait_gone', 'Waiting for the instance to be gone']],
  BACKUP: [['start', 'Asking the provider for a backup'], ['wait', 'Waiting for the provider to finish the backup'], ['download', 'Copying the file to the fleet\'s storage']],
  RESTORE: [['start', 'Taking a safety backup of the target'], ['wait_safety', 'Waiting for the safety backup'], ['restore', 'Asking the provider to restore'], ['wait_restore', 'Waiting for the restore to finish']],
  DEPLOY: [['start', 'Waiting for earlier work on the instance'], ['wait_backup', 'Waiting for the pre-deployment backup'], ['push', 'Pushing the addons to the repository'], ['trigger', 'Asking the provider to deploy'], ['track', 'Following the provider\'s build and deployment']],
  DEPLOY_XMLRPC: [['start', 'Waiting for earlier work on the instance'], ['wait_backup', 'Waiting for the pre-deployment backup'], ['install', 'Installing the modules over XML-RPC']],
};

export type ProgressState = 'WAITING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface OperationProgress {
  operationId: string;
  kind: OperationKind;
  state: ProgressState;
  /** the current step's name and what it does */
  step: string;
  stepLabel: string;
  /** 1-based position of the current step among `stepsTotal` */
  stepNumber: number;
  stepsTotal: number;
  stepsAhead: string[];
  /** 0-100; 100 once succeeded */
  percent: number;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

type ProgressRow = Pick<Operation, 'id' | 'kind' | 'status' | 'step' | 'state' | 'createdAt' | 'updatedAt' | 'finishedAt' | 'error'>;

/** How much of the current step is done, where the step reports it (bytes of a backup download). */
function stepFraction(operation: ProgressRow): number {
  const state = (operation.state ?? {}) as { bytesDone?: unknown; bytesTotal?: unknown };
  if (operation.step !== 'download' || typeof state.bytesDone !== 'number' || typeof state.bytesTotal !== 'number' || state.bytesTotal <= 0) return 0;
  return Math.min(0.99, state.bytesDone / state.bytesTotal);
}

export function progressOf(operation: ProgressRow): OperationProgress {
  const steps = operation.kind === 'DEPLOY' && operation.step === 'install' ? STEPS.DEPLOY_XMLRPC : STEPS[operation.kind];
  const found = steps.findIndex(([step]) => step === operation.step);
  const index = found === -1 ? 0 : found;
  const succeeded = operation.status === 'SUCCEEDED';
  const finished = succeeded || operation.status === 'FAILED' || operation.status === 'CANCELLED';
  return {
    operationId: operation.id,
    kind: operation.kind,
    state: operation.status === 'PENDING' ? (index === 0 ? 'WAITING' : 'RUNNING') : operation.status,
    step: operation.step,
    stepLabel: steps[index]?.[1] ?? operation.step,
    stepNumber: index + 1,
    stepsTotal: steps.length,
    stepsAhead: finished ? [] : steps.slice(index + 1).map(([, label]) => label),
    // 100 only once it succeeded: a copy with all its bytes still has to be checked and recorded.
    percent: succeeded ? 100 : Math.min(99, Math.round(((index + stepFraction(operation)) / steps.length) * 100)),
    startedAt: operation.createdAt,
    updatedAt: operation.updatedAt,
    finishedAt: operation.finishedAt,
    error: operation.error,
  };
}

const SUCCEEDED_STATUSES = new Set(['COMPLETED', 'SUCCESS', 'RUNNING', 'DELETED']);
const FAILED_STATUSES: Record<string, ProgressState> = { FAILED: 'FAILED', ERROR: 'FAILED', CANCELLED: 'CANCELLED' };

/**
 * The progress as the subject's own status tells it: a step publishes the subject's
 * final status a moment before the worker records the operation as finished, and a
 * reader must not see a COMPLETED backup two thirds done.
 */
export function settledBy(progress: OperationProgress, subjectStatus: string): OperationProgress {
  if (progress.finishedAt) return progress;
  const failed = FAILED_STATUSES[subjectStatus];
  if (!failed && !SUCCEEDED_STATUSES.has(subjectStatus)) return progress;
  return {
    ...progress,
    state: failed ?? 'SUCCEEDED',
    stepsAhead: [],
    ...(failed ? {} : { percent: 100, stepNumber: progress.stepsTotal }),
    finishedAt: progress.updatedAt,
  };
}

/** The newest operation driving each subject (a backup, restore, deployment or instance), in one statement. */
export async function latestOperationsOf(prisma: PrismaClient, subjectIds: readonly string[]): Promise<Map<string, OperationProgress>> {
  if (subjectIds.length === 0) return new Map();
  const rows = await prisma.operation.findMany({
    where: { subjectId: { in: [...subjectIds] } },
    orderBy: { createdAt: 'desc' },
    select: { id: true, kind: true, status: true, step: true, state: true, createdAt: true, updatedAt: true, finishedAt: true, error: true, subjectId: true },
  });
  const latest = new Map<string, OperationProgress>();
  for (const row of rows) if (row.subjectId && !latest.has(row.subjectId)) latest.set(row.subjectId, progressOf(row));
  return latest;
}
