// API keys: the token is shown once at creation; only its hash is stored.
import { z } from 'zod';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Role } from '../../generated/prisma/enums.js';
import type { PubSub } from '../../pubsub.js';
import { generateApiToken, hashApiToken } from '../auth/authenticate.js';
import { NotFoundError } from '../errors.js';
import { parseInput } from '../validation.js';

const keyInput = z
  .object({
    companyId: z.string().uuid(),
    name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
    role: z.enum(['ADMIN', 'OPERATOR', 'VIEWER']),
    expiresAt: z
      .date()
      .refine((date) => date.getTime() > Date.now(), 'must be in the future')
      .nullish(),
    instanceIds: z.array(z.string()).max(1000, 'may name at most 1000 instances').nullish(),
  })
  .superRefine((input, context) => {
    // Company administration (keys, webhooks, audit) is not limited to instances: a
    // limited key that could create keys could create an unlimited one.
    if (input.role === 'ADMIN' && input.instanceIds?.length) {
      context.addIssue({
        code: 'custom',
        path: ['role'],
        message: 'a key limited to instances can be OPERATOR or VIEWER, not ADMIN',
      });
    }
  });

export async function createApiKey(
  deps: { prisma: PrismaClient },
  input: {
    companyId: string;
    name: string;
    role: Role;
    expiresAt?: Date | null;
    instanceIds?: readonly string[] | null;
  },
) {
  const { instanceIds, expiresAt, ...key } = parseInput(keyInput, input);
  const company = await deps.prisma.company.findUnique({ where: { id: key.companyId }, select: { id: true } });
  if (!company) throw new NotFoundError('Company', input.companyId);
  const limitedTo = [...new Set(instanceIds ?? [])];
  if (limitedTo.length > 0) {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    const found = await deps.prisma.odooInstance.findMany({
      where: {
        id: { in: limitedTo.filter((id) => uuid.test(id)) },
        companyId: key.companyId,
        status: { not: 'DELETED' },
      },
      select: { id: true },
    });
    // Another company's instance answers exactly as a missing one.
    const missing = limitedTo.find((id) => !found.some((instance) => instance.id === id));
    if (missing) throw new NotFoundError('OdooInstance', missing);
  }
  const token = generateApiToken();
  const apiKey = await deps.prisma.apiKey.create({
    data: {
      ...key,
      expiresAt: expiresAt ?? null,
      instanceIds: limitedTo,
      tokenHash: hashApiToken(token),
      tokenPrefix: token.slice(0, 10),
    },
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
