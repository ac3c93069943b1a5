// Plain SQL reads for the few hot paths where Prisma's own cost per query (planning and
// mapping each value of each row) would be most of a request: the dashboard's page of
// instances with their latest rows. Statements are parameterized; identifiers come only
// from code. Values come back as Prisma reads them (bigint for int8, Date for timestamptz,
// parsed JSON), through the pg pool its adapter already uses.
import pg from 'pg';

export interface SqlReader {
  rows<Row extends object>(text: string, values: readonly unknown[]): Promise<Row[]>;
}

const INT8_OID = 20;

/** pg's parsers, except int8 as bigint (as Prisma reads it) rather than a string. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => BigInt(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

export function poolReader(pool: pg.Pool): SqlReader {
  return {
    async rows<Row extends object>(text: string, values: readonly unknown[]) {
      const result = await pool.query<Row>({ text, values: [...values], types });
      return result.rows;
    },
  };
}
