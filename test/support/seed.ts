// Test data written straight through Prisma, the way later mutations will write it.
import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import type { Role } from '../../src/generated/prisma/enums.js';
import type { InstanceProvider } from '../../src/providers/provider.js';
import { hashApiToken } from '../../src/services/auth/authenticate.js';

export interface SeededCompany {
  id: string;
  token: string;
}

export async function seedCompany(prisma: PrismaClient, slug: string, role: Role = 'ADMIN'): Promise<SeededCompany> {
  const company = await prisma.company.create({ data: { name: `Company ${slug}`, slug } });
  const token = await seedApiKey(prisma, company.id, role);
  return { id: company.id, token };
}

export async function seedApiKey(prisma: PrismaClient, companyId: string, role: Role): Promise<string> {
  const token = `ofk_${randomBytes(24).toString('base64url')}`;
  await prisma.apiKey.create({
    data: { companyId, name: `${role} key`, role, tokenHash: hashApiToken(token), tokenPrefix: token.slice(0, 8) },
  });
  return token;
}

export async function seedInstances(prisma: PrismaClient, companyId: string, count: number, prefix = 'inst') {
  const base = Date.parse('2026-01-01T00:00:00Z');
  await prisma.odooInstance.createMany({
    data: Array.from({ length: count }, (_, index) => ({
      companyId,
      name: `${prefix}-${String(index).padStart(3, '0')}`,
      database: `${prefix}_${index}`,
      version: index % 2 === 0 ? '17.0' : '18.0',
      status: index % 3 === 0 ? ('SUSPENDED' as const) : ('RUNNING' as const),
      subscriptionTier: index % 2 === 0 ? ('STARTER' as const) : ('ENTERPRISE' as const),
      createdAt: new Date(base + index * 60_000),
    })),
  });
  return prisma.odooInstance.findMany({
    where: { companyId, name: { startsWith: `${prefix}-` } },
    orderBy: { name: 'asc' },
  });
}

/**
 * An Odoo.sh instance created at the provider (the simulator) and recorded RUNNING in the
 * fleet, as a finished creation leaves it; its database is its name with underscores.
 */
export async function seedRunningInstance(
  prisma: PrismaClient,
  provider: Pick<InstanceProvider, 'createInstance'>,
  companyId: string,
  name: string,
) {
  const database = name.replace(/-/g, '_');
  const created = await provider.createInstance({ name, database, version: '17.0', subscriptionTier: 'starter' });
  const row = await prisma.odooInstance.create({
    data: { companyId, name, database, version: '17.0', status: 'RUNNING', instanceId: created.id },
  });
  return { ...row, providerId: created.id };
}
