// Resolves the bearer token of a request to its caller. Tokens are high-entropy random
// strings, so a SHA-256 lookup is safe; the platform token is compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Caller } from '../../context.js';

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
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

/** null for a missing, unknown or revoked token. */
export async function authenticate(deps: AuthenticateDeps, token: string | null): Promise<Caller | null> {
  if (!token) return null;
  if (deps.platformAdminToken && sameSecret(token, deps.platformAdminToken)) {
    return { kind: 'platformAdmin' };
  }
  const key = await deps.prisma.apiKey.findUnique({
    where: { tokenHash: hashApiToken(token) },
    select: { id: true, companyId: true, role: true, revokedAt: true },
  });
  if (!key || key.revokedAt) return null;
  return { kind: 'apiKey', apiKeyId: key.id, companyId: key.companyId, role: key.role };
}
