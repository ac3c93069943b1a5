// Idempotency keys: the first request with a key does the work and records what it
// produced; a repeat with the same key and input gets the same result, and a repeat with
// other input is refused. The key row is written in the same transaction as the work's
// records, so a key never points at work that was not saved.
import { createHash } from 'node:crypto';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { ConflictError } from './errors.js';

const KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;

export type Transaction = Prisma.TransactionClient;

function hashOf(input: unknown): string {
  return createHash('sha256').update(JSON.stringify(input)).digest('hex');
}

/**
 * Runs `work` in a transaction with the key recorded; `work` returns the id of what it
 * created. A repeated key returns the first id instead.
 */
export async function once(
  prisma: PrismaClient,
  request: { companyId: string; key?: string | null; operation: string; input: unknown },
  work: (tx: Transaction) => Promise<string>,
): Promise<{ id: string; replayed: boolean }> {
  if (!request.key) return { id: await prisma.$transaction(work), replayed: false };
  const requestHash = hashOf({ operation: request.operation, input: request.input });
  const existing = await prisma.idempotencyKey.findUnique({
    where: { companyId_key: { companyId: request.companyId, key: request.key } },
  });
  if (existing) return replay(existing, request.operation, requestHash);
  try {
    const id = await prisma.$transaction(async (tx) => {
      const created = await work(tx);
      await tx.idempotencyKey.create({
        data: {
          companyId: request.companyId,
          key: request.key!,
          operation: request.operation,
          requestHash,
          response: { id: created },
          expiresAt: new Date(Date.now() + KEY_LIFETIME_MS),
        },
      });
      return created;
    });
    return { id, replayed: false };
  } catch (error) {
    // Two requests with one key at once: the loser answers with the winner's result.
    if (
      error instanceof Prisma.PrismaClientKnownRequestError &&
      error.code === 'P2002' &&
      String(error.meta?.target ?? error.message).includes('key')
    ) {
      const winner = await prisma.idempotencyKey.findUnique({
        where: { companyId_key: { companyId: request.companyId, key: request.key } },
      });
      if (winner) return replay(winner, request.operation, requestHash);
    }
    throw error;
  }
}

function replay(
  row: { operation: string; requestHash: string; response: unknown },
  operation: string,
  requestHash: string,
) {
  if (row.operation !== operation || row.requestHash !== requestHash) {
    throw new ConflictError('This idempotency key was already used for a different request.');
  }
  return { id: String((row.response as { id: string }).id), replayed: true };
}
