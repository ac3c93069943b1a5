import { z } from 'zod';
import { Prisma, type PrismaClient } from '../../generated/prisma/client.js';
import { ConflictError } from '../errors.js';
import { parseInput } from '../validation.js';

const companyInput = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  slug: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be 1-63 lowercase letters, digits or inner hyphens'),
});

export type CompanyInput = z.input<typeof companyInput>;

export async function createCompany(deps: { prisma: PrismaClient }, input: CompanyInput) {
  const company = parseInput(companyInput, input);
  try {
    return await deps.prisma.company.create({ data: company });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw new ConflictError(`A company with slug "${company.slug}" already exists.`);
    }
    throw error;
  }
}
