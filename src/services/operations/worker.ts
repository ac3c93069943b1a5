// Long operations as persisted state machines. An operation row names its kind and its
// current step; a worker claims a due row with a lease (src/db/leases.ts: replicas never
// take the same row), runs one step outside any transaction, and
// persists the step's outcome. A worker that dies loses its lease when it expires, and
// the step runs again elsewhere: steps are written to be safe to repeat (provider calls
// carry idempotency keys derived from the operation id).
import { randomUUID } from 'node:crypto';
import { leaseOf } from '../../db/leases.js';
import { Prisma, type Operation, type PrismaClient } from '../../generated/prisma/client.js';
import { ProviderError } from '../../providers/errors.js';

export type StepOutcome =
  /** continue with `step` (now, or after `delayMs`), keeping `state` */
  { next: string; state?: Record<string, unknown>; delayMs?: number } | { done: true } | { failed: string };

export interface OperationHandler {
  step(operation: Operation): Promise<StepOutcome>;
  /** records the failure on the operation's subject (an instance in ERROR, a failed backup) */
  onFailure?(operation: Operation, reason: string): Promise<void>;
  /** shows why a step is being retried on its subject (its statusMessage), so a wait is never silent */
  onRetry?(operation: Operation, reason: string): Promise<void>;
}

/** The handler of each operation kind a worker runs (see definitions.ts). */
export type OperationHandlers = Partial<Record<string, OperationHandler>>;

export interface WorkerOptions {
  prisma: PrismaClient;
  handlers: OperationHandlers;
  owner?: string;
  leaseMs?: number;
  pollMs?: number;
  concurrency?: number;
  /** a transient provider failure is retried after this, doubling up to 5 minutes */
  retryBaseMs?: number;
  maxAttempts?: number;
  onError?: (error: unknown, operation: Operation) => void;
  /** after a step's outcome is stored (progress events) */
  onSettled?: (operation: Operation, outcome: StepOutcome) => Promise<void>;
}

export interface Worker {
  readonly owner: string;
  /** runs one step of every due operation (each at most once); returns how many ran */
  drain(): Promise<number>;
  start(): void;
  /** stops claiming; waits for steps in flight */
  stop(): Promise<void>;
}

export function createWorker(options: WorkerOptions): Worker {
  const { prisma } = options;
  const owner = options.owner ?? `worker-${randomUUID().slice(0, 8)}`;
  const lease = leaseOf('Operation', { owner, leaseMs: options.leaseMs ?? 60_000 });
  const retryBaseMs = options.retryBaseMs ?? 2_000;
  const maxAttempts = options.maxAttempts ?? 50;
  const kinds = Object.keys(options.handlers);
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  const inFlight = new Set<Promise<unknown>>();

  async function claim(skip: string[]): Promise<Operation | null> {
    if (kinds.length === 0) return null;
    const rows = await lease.claim<Operation>(prisma, {
      candidates: Prisma.sql`
        SELECT id FROM "Operation" o
        WHERE o.status IN ('PENDING', 'RUNNING') AND o."runAfter" <= now() AND ${lease.isFree('o')}
          AND o.kind = ANY(${kinds}::text[])
          AND NOT (o.id::text = ANY(${skip}::text[]))
        ORDER BY o."runAfter", o."createdAt"
        FOR UPDATE SKIP LOCKED
        LIMIT 1`,
      set: Prisma.sql`status = 'RUNNING', attempts = leased.attempts + 1, "updatedAt" = now()`,
      returning: Prisma.sql`leased.*`,
    });
    return rows[0] ?? null;
  }

  /** Persists an outcome, only while this worker still holds the lease. */
  async function settle(operation: Operation, outcome: StepOutcome): Promise<void> {
    const mine = { id: operation.id, leaseOwner: owner };
    const release = lease.released;
    if ('done' in outcome) {
      await prisma.operation.updateMany({
        where: mine,
        data: { ...release, status: 'SUCCEEDED', finishedAt: new Date(), error: null },
      });
    } else if ('failed' in outcome) {
      await prisma.operation.updateMany({
        where: mine,
        data: { ...release, status: 'FAILED', finishedAt: new Date(), error: outcome.failed },
      });
    } else {
      await prisma.operation.updateMany({
        where: mine,
        data: {
          ...release,
          status: 'PENDING',
          step: outcome.next,
          ...(outcome.state
            ? { state: { ...(operation.state as Record<string, unknown>), ...outcome.state } as object }
            : {}),
          runAfter: new Date(Date.now() + (outcome.delayMs ?? 0)),
          // a step that moved on resets the count of tries of the new step
          ...(outcome.next !== operation.step ? { attempts: 0 } : {}),
        },
      });
    }
  }

  async function runOne(ran: string[]): Promise<boolean> {
    const operation = await claim(ran);
    if (!operation) return false;
    ran.push(operation.id);
    let outcome: StepOutcome;
    let retryReason: string | null = null;
    try {
      outcome = await options.handlers[operation.kind]!.step(operation);
    } catch (error) {
      options.onError?.(error, operation);
      retryReason = error instanceof Error ? error.message : String(error);
      const transient = !(error instanceof ProviderError) || error.transient;
      outcome =
        transient && operation.attempts < maxAttempts
          ? { next: operation.step, delayMs: Math.min(300_000, retryBaseMs * 2 ** Math.min(operation.attempts - 1, 8)) }
          : { failed: error instanceof Error ? error.message : String(error) };
    }
    await settle(operation, outcome);
    await options.onSettled?.(operation, outcome).catch((error: unknown) => options.onError?.(error, operation));
    if ('failed' in outcome) await options.handlers[operation.kind]!.onFailure?.(operation, outcome.failed);
    else if (retryReason !== null) await options.handlers[operation.kind]!.onRetry?.(operation, retryReason);
    return true;
  }

  async function drain(): Promise<number> {
    // An operation whose next step is due at once waits for the next drain, so one
    // drain always ends and a busy operation cannot starve the others.
    const ran: string[] = [];
    while (await runOne(ran));
    return ran.length;
  }

  const tick = async () => {
    if (!running) return;
    const lanes = Array.from({ length: options.concurrency ?? 4 }, () => {
      const lane = drain().catch(() => 0);
      inFlight.add(lane);
      return lane.finally(() => inFlight.delete(lane));
    });
    await Promise.all(lanes);
    if (running) timer = setTimeout(() => void tick(), options.pollMs ?? 1000);
  };

  return {
    owner,
    drain,
    start() {
      if (running) return;
      running = true;
      void tick();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await Promise.all(inFlight);
    },
  };
}
