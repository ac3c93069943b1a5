// Resolves the bearer token of a request to its caller. Tokens are 256-bit random
// strings, so a SHA-256 lookup is safe; the platform token is compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKey, PrismaClient } from '../../generated/prisma/client.js';
import type { Caller } from '../../context.js';
import type { SqlReader } from '../../db/sql-reader.js';

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
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

export interface AuthenticateDeps {
  prisma: PrismaClient;
  /** the key is read with plain SQL: every request pays this lookup */
  sql: SqlReader;
  platformAdminToken?: string;
  /** keys whose last use this process is recording (one write per key and minute); see lastUseRecorder */
  lastUse?: LastUseRecorder;
}

/**
 * Remembers which keys this process recorded a use of, and when, so a storm of requests
 * or connections with the same key sends one UPDATE, not one per request.
 */
export interface LastUseRecorder {
  /** true when this process should record a use of the key now */
  claim(apiKeyId: string, now: number): boolean;
}

export function lastUseRecorder(): LastUseRecorder {
  const claimedAt = new Map<string, number>();
  return {
    claim(apiKeyId, now) {
      const last = claimedAt.get(apiKeyId);
      if (last !== undefined && now - last < LAST_USED_RESOLUTION_MS) return false;
      // Forget stale entries now and then, so the map holds only keys used this minute.
      if (claimedAt.size > 10_000)
        for (const [id, at] of claimedAt) if (now - at >= LAST_USED_RESOLUTION_MS) claimedAt.delete(id);
      claimedAt.set(apiKeyId, now);
      return true;
    },
  };
}

/**
 * Last use is kept to the minute, so a busy key costs one write a minute, not one a
 * request. The condition is in the UPDATE itself: of concurrent writers (requests, or
 * replicas), the first one writes and the others find the row fresh and change nothing.
 */
async function recordUse(prisma: PrismaClient, apiKeyId: string, now: number): Promise<void> {
  await prisma.apiKey.updateMany({
    where: {
      id: apiKeyId,
      OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now - LAST_USED_RESOLUTION_MS) } }],
    },
    data: { lastUsedAt: new Date(now) },
  });
}

type KeyRow = Pick<ApiKey, 'id' | 'companyId' | 'role' | 'revokedAt' | 'lastUsedAt' | 'expiresAt' | 'instanceIds'>;

async function findKey(sql: SqlReader, tokenHash: string): Promise<KeyRow | null> {
  const [key] = await sql.rows<KeyRow>(
    'SELECT id, "companyId", role::text AS role, "revokedAt", "lastUsedAt", "expiresAt", "instanceIds"::text[] AS "instanceIds" FROM "ApiKey" WHERE "tokenHash" = $1',
    [tokenHash],
  );
  return key ?? null;
}

/** null for an unknown, revoked or expired token. */
export async function authenticate(deps: AuthenticateDeps, token: string): Promise<Caller | null> {
  if (deps.platformAdminToken && sameSecret(token, deps.platformAdminToken)) {
    return { kind: 'platformAdmin' };
  }
  const key = await findKey(deps.sql, hashApiToken(token));
  const now = Date.now();
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= now)) return null;
  const stale = !key.lastUsedAt || now - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS;
  if (stale && (deps.lastUse?.claim(key.id, now) ?? true)) {
    void recordUse(deps.prisma, key.id, now).catch(() => {});
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
