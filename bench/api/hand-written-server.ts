// The baseline of `npm run bench:api`: the dashboard query answered by hand on node:http
// and pg, doing the same work as the project: the same key check (SHA-256 of the bearer
// token, revoked and expired keys refused, last use recorded once a minute), the same
// page (status RUNNING or SUSPENDED, by name, 100 items, total count), the same JSON.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';
import { countStatements } from '../support/bench-postgres.js';
import { serveStats } from './stats.js';

const url = process.argv[2]!;
const PAGE = 100;
const pool = new pg.Pool({ connectionString: url, max: 10 });
const counter = { statements: 0 };
countStatements(pool, counter);

// The page is cut first, so the latest rows are looked up for its 100 instances only.
const PAGE_SQL = `
SELECT i.id, i.name, i.url, i.version, i.status::text, i."subscriptionTier"::text AS tier,
  (SELECT count(*)::int FROM "OdooInstance" c WHERE c."companyId" = $1 AND c.status = ANY($2::"InstanceStatus"[])) AS total,
  h.status::text AS h_status, h."checkedAt" AS h_checked,
  b.status::text AS b_status, b."completedAt" AS b_completed, b."sizeBytes"::text AS b_size,
  d.status::text AS d_status, d."commitHash" AS d_commit, d."finishedAt" AS d_finished
FROM (
  SELECT id, name, url, version, status, "subscriptionTier" FROM "OdooInstance"
  WHERE "companyId" = $1 AND status = ANY($2::"InstanceStatus"[])
  ORDER BY name, id
  LIMIT ${PAGE + 1}
) i
LEFT JOIN LATERAL (SELECT status, "checkedAt" FROM "HealthSample" WHERE "instanceId" = i.id ORDER BY "checkedAt" DESC, id DESC LIMIT 1) h ON true
LEFT JOIN LATERAL (SELECT status, "completedAt", "sizeBytes" FROM "Backup" WHERE "instanceId" = i.id ORDER BY "createdAt" DESC, id DESC LIMIT 1) b ON true
LEFT JOIN LATERAL (SELECT status, "commitHash", "finishedAt" FROM "Deployment" WHERE "instanceId" = i.id ORDER BY "createdAt" DESC, id DESC LIMIT 1) d ON true
ORDER BY i.name, i.id`;

interface PageRow {
  id: string;
  name: string;
  url: string | null;
  version: string;
  status: string;
  tier: string;
  total: number;
  h_status: string | null;
  h_checked: Date | null;
  b_status: string | null;
  b_completed: Date | null;
  b_size: string | null;
  d_status: string | null;
  d_commit: string | null;
  d_finished: Date | null;
}

const globalId = (typename: string, id: string) => Buffer.from(`${typename}:${id}`).toString('base64');
const cursorOf = (id: string) => Buffer.from(`GPC:S:${id}`).toString('base64');

async function companyOfToken(authorization: string | undefined): Promise<string | null> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!token) return null;
  const tokenHash = createHash('sha256').update(token).digest('hex');
  const { rows } = await pool.query<{
    id: string;
    companyId: string;
    revokedAt: Date | null;
    expiresAt: Date | null;
    lastUsedAt: Date | null;
  }>('SELECT id, "companyId", "revokedAt", "expiresAt", "lastUsedAt" FROM "ApiKey" WHERE "tokenHash" = $1', [
    tokenHash,
  ]);
  const key = rows[0];
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= Date.now())) return null;
  if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60_000) {
    void pool
      .query(
        'UPDATE "ApiKey" SET "lastUsedAt" = now() WHERE id = $1 AND ("lastUsedAt" IS NULL OR "lastUsedAt" < now() - interval \'1 minute\')',
        [key.id],
      )
      .catch(() => {});
  }
  return key.companyId;
}

async function dashboard(companyId: string) {
  const { rows } = await pool.query<PageRow>(PAGE_SQL, [companyId, ['RUNNING', 'SUSPENDED']]);
  const page = rows.slice(0, PAGE);
  return {
    data: {
      instances: {
        totalCount: rows[0]?.total ?? 0,
        pageInfo: { hasNextPage: rows.length > PAGE, endCursor: page.length ? cursorOf(page.at(-1)!.id) : null },
        edges: page.map((row) => ({
          node: {
            id: globalId('OdooInstance', row.id),
            name: row.name,
            url: row.url,
            version: row.version,
            status: row.status,
            subscriptionTier: row.tier,
            health: row.h_status ? { status: row.h_status, checkedAt: row.h_checked!.toISOString() } : null,
            latestBackup: row.b_status
              ? { status: row.b_status, completedAt: row.b_completed?.toISOString() ?? null, sizeBytes: row.b_size }
              : null,
            latestDeployment: row.d_status
              ? { status: row.d_status, commitHash: row.d_commit, finishedAt: row.d_finished?.toISOString() ?? null }
              : null,
          },
        })),
      },
    },
  };
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    void (async () => {
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8')); // the operation is fixed; it is read as a server would
        const companyId = await companyOfToken(req.headers.authorization);
        const body = companyId
          ? await dashboard(companyId)
          : { errors: [{ message: 'The API key is unknown or revoked.' }] };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    })();
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  serveStats(address.port, counter, async () => {
    server.close();
    await pool.end();
  });
});
