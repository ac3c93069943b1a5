// API keys: the token is shown once at creation; only its hash is stored.
import { z } from 'zod';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Role } from '../../generated/prisma/enums.js';
import type { PubSub } from '../../pubsub.js';
import { generateApiToken, hashApiToken } from '../auth/authenticate.js';
import { invalidInputFrom, NotFoundError } from '../errors.js';

const keyInput = z.object({
  companyId: z.string().uuid(),
  name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  role: z.enum(['ADMIN', 'OPERATOR', 'VIEWER']),
});

export async function createApiKey(
  deps: { prisma: PrismaClient },
  input: { companyId: string; name: string; role: Role },
) {
  const parsed = keyInput.safeParse(input);
  if (!parsed.success) throw invalidInputFrom(parsed.error.issues);
  const company = await deps.prisma.company.findUnique({ where: { id: parsed.data.companyId }, select: { id: true } });
  if (!company) throw new NotFoundError('Company', input.companyId);
  const token = generateApiToken();
  const apiKey = await deps.prisma.apiKey.create({
    data: { ...parsed.data, tokenHash: hashApiToken(token), tokenPrefix: token.slice(0, 10) },
  });
  return { apiKey, token };
}

/**
 * Revocation is immediate: the next request with the key fails, and every replica closes
 * its open WebSocket and SSE streams of the key when the event reaches it.
 */
export async function revokeApiKey(
  deps: { prisma: PrismaClient; pubsub: PubSub },
  input: { companyId: string; apiKeyId: string },
) {
  const existing = await deps.prisma.apiKey.findFirst({ where: { id: input.apiKeyId, companyId: input.companyId } });
  if (!existing) throw new NotFoundError('ApiKey', input.apiKeyId);
  const apiKey = existing.revokedAt
    ? existing
    : await deps.prisma.apiKey.update({ where: { id: existing.id }, data: { revokedAt: new Date() } });
  deps.pubsub.publish('apiKeyRevoked', { apiKeyId: apiKey.id });
  return apiKey;
}
