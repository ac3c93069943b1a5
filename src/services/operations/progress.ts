// How far a long operation has come, read from its row: the step it is at among the
// steps of its kind (as its definition declares them), the steps ahead, a percent (steps
// done over steps in all), and its timestamps. Steps that wait on a provider are a step each, so a backup waiting for
// its provider stays at the same percent until the provider is done; a backup's copy
// moves the percent with its bytes.
import type { Operation, PrismaClient } from '../../generated/prisma/client.js';
import type { OperationDeclaration } from './define.js';
import { declarationOf } from './handlers.js';

export type ProgressState = 'WAITING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface OperationProgress {
  operationId: string;
  kind: string;
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

type ProgressRow = Pick<
  Operation,
  'id' | 'kind' | 'status' | 'step' | 'state' | 'createdAt' | 'updatedAt' | 'finishedAt' | 'error'
>;

/** How much of the current step is done, where the step reports it (bytes of a backup download). */
function stepFraction(operation: ProgressRow): number {
  const state = (operation.state ?? {}) as { bytesDone?: unknown; bytesTotal?: unknown };
  if (
    operation.step !== 'download' ||
    typeof state.bytesDone !== 'number' ||
    typeof state.bytesTotal !== 'number' ||
    state.bytesTotal <= 0
  )
    return 0;
  return Math.min(0.99, state.bytesDone / state.bytesTotal);
}

/**
 * The steps of the operation's path, each with what a person reads for it: the first
 * declared route holding the current step, else the first route (a kind no definition
 * declares counts as its one current step).
 */
function routeOf(
  operation: ProgressRow,
  declaration: OperationDeclaration | undefined,
): ReadonlyArray<readonly [step: string, label: string]> {
  const routes = declaration?.routes ?? [[[operation.step, operation.step] as const]];
  return routes.find((route) => route.some(([step]) => step === operation.step)) ?? routes[0] ?? [];
}

export function progressOf(operation: ProgressRow, declarations?: readonly OperationDeclaration[]): OperationProgress {
  const steps = routeOf(operation, declarationOf(operation.kind, declarations));
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
export async function latestOperationsOf(
  prisma: PrismaClient,
  subjectIds: readonly string[],
): Promise<Map<string, OperationProgress>> {
  if (subjectIds.length === 0) return new Map();
  const rows = await prisma.operation.findMany({
    where: { subjectId: { in: [...subjectIds] } },
    orderBy: { createdAt: 'desc' },
    select: {
      id: true,
      kind: true,
      status: true,
      step: true,
      state: true,
      createdAt: true,
      updatedAt: true,
      finishedAt: true,
      error: true,
      subjectId: true,
    },
  });
  const latest = new Map<string, OperationProgress>();
  for (const row of rows) if (row.subjectId && !latest.has(row.subjectId)) latest.set(row.subjectId, progressOf(row));
  return latest;
}
