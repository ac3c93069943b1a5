// The one lease mechanism of the fleet's shared work (durable operations, instance polls).
// A leased row carries "leaseOwner" and "leaseExpiresAt". A replica claims rows whose lease
// is free (never taken, or expired) in one UPDATE over a FOR UPDATE SKIP LOCKED selection,
// so two replicas never claim the same row; it writes results back only while it still
// holds the lease; a replica that dies keeps its rows only until their leases expire.
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';

/** The tables whose rows are leased, with their key column. */
const LEASED_TABLES = {
  Operation: 'id',
  InstancePollState: 'instanceId',
} as const;

export type LeasedTable = keyof typeof LEASED_TABLES;

export interface Lease {
  readonly owner: string;
  readonly leaseMs: number;
  /** A condition: the row aliased `alias` has no live lease. */
  isFree(alias: string): Prisma.Sql;
  /** A condition: the row aliased `alias` is leased to this owner. */
  isMine(alias: string): Prisma.Sql;
  /**
   * Leases the rows whose keys `candidates` selects (a SELECT of the key that should end
   * in FOR UPDATE SKIP LOCKED and check `isFree`), also setting `set`, and returns
   * `returning` of each (columns of the alias `leased`).
   */
  claim<Row>(
    prisma: PrismaClient,
    request: { candidates: Prisma.Sql; set?: Prisma.Sql; returning: Prisma.Sql },
  ): Promise<Row[]>;
  /** Columns that give the lease back, for an UPDATE's SET. */
  readonly releaseColumns: Prisma.Sql;
  /** The same for Prisma's update data. */
  readonly released: { leaseOwner: null; leaseExpiresAt: null };
}

export function leaseOf(table: LeasedTable, terms: { owner: string; leaseMs: number }): Lease {
  const key = Prisma.raw(`"${LEASED_TABLES[table]}"`);
  const { owner, leaseMs } = terms;
  const column = (alias: string, name: string) => Prisma.raw(`${alias}."${name}"`);
  return {
    owner,
    leaseMs,
    isFree: (alias) =>
      Prisma.sql`(${column(alias, 'leaseExpiresAt')} IS NULL OR ${column(alias, 'leaseExpiresAt')} < now())`,
    isMine: (alias) => Prisma.sql`${column(alias, 'leaseOwner')} = ${owner}`,
    claim(prisma, request) {
      const also = request.set ? Prisma.sql`, ${request.set}` : Prisma.empty;
      return prisma.$queryRaw`
        UPDATE ${Prisma.raw(`"${table}"`)} AS leased
        SET "leaseOwner" = ${owner}, "leaseExpiresAt" = now() + (${leaseMs}::int * interval '1 millisecond')${also}
        WHERE leased.${key} IN (${request.candidates})
        RETURNING ${request.returning}`;
    },
    releaseColumns: Prisma.sql`"leaseOwner" = NULL, "leaseExpiresAt" = NULL`,
    released: { leaseOwner: null, leaseExpiresAt: null },
  };
}
