// Resolves the bearer token of a request to its caller. Tokens are 256-bit random
// strings, so a SHA-256 lookup is safe; the platform token is compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Caller } from '../../context.js';

export const API_TOKEN_PREFIX = 'ofk_';
const LAST_USED_RESOLUTION_MS = 60_000;

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function generateApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function bearerToken(authorization: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match ? match[1]! : null;
}

function sameSecret(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so the comparison time says nothing about either.
  return timingSafeEqual(
    createHash('sha256').update(given).digest(),
    createHash('sha256').update(expected).digest(),
  );
}

export interface AuthenticateDeps {
  prisma: PrismaClient;
  platformAdminToken?: string;
}

/** null for an unknown, revoked or expired token. */
export async function authenticate(deps: AuthenticateDeps, token: string): Promise<Caller | null> {
  if (deps.platformAdminToken && sameSecret(token, deps.platformAdminToken)) {
    return { kind: 'platformAdmin' };
  }
  const key = await deps.prisma.apiKey.findUnique({
    where: { tokenHash: hashApiToken(token) },
    select: { id: true, companyId: true, role: true, revokedAt: true, lastUsedAt: true, expiresAt: true, instanceIds: true },
  });
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= Date.now())) return null;
  // Last use is kept to the minute, so a busy key costs one write a minute, not one a request.
  if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    void deps.prisma.apiKey
      .update({ where: { id: key.id }, data: { lastUsedAt: new Date() } })
      .catch(() => {});
  }
  return {
    kind: 'apiKey',
    apiKeyId: key.id,
    companyId: key.companyId,
    role: key.role,
    instanceIds: key.instanceIds.length > 0 ? key.instanceIds : null,
    expiresAt: key.expiresAt,
  };
}
