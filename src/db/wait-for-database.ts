// A database server that is still starting (a container started alongside this one, a
// failover) refuses connections for a few seconds: retry for a while, then give up
// with one line saying what was tried.
import pg from 'pg';
import { StartupError } from '../startup-failure.js';

/** Errors worth another try: the server is not there yet, or not accepting yet. */
const transientCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P03',
]);

export async function waitForDatabase(url: string, timeoutMs: number, retryMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const { hostname, port } = new URL(url);
  const where = `${hostname}:${port || 5432}`;
  for (;;) {
    const client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: Math.max(1000, Math.min(5000, timeoutMs)),
    });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      const reason = error instanceof Error && error.message ? error.message : code || String(error);
      const timedOut = /timeout/i.test(reason);
      if (!(transientCodes.has(code) || timedOut)) {
        throw new StartupError(`DATABASE_URL: the database at ${where} refused the connection: ${reason}.`, {
          cause: error,
        });
      }
      if (Date.now() + retryMs > deadline) {
        throw new StartupError(
          `DATABASE_URL: cannot reach the database at ${where} (${code || reason}) after ${Math.round(timeoutMs / 1000)} s of retries: ` +
            'start PostgreSQL there or fix the URL (DATABASE_CONNECT_TIMEOUT_MS sets how long to wait).',
          { cause: error },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    } finally {
      await client.end().catch(() => {});
    }
  }
}
