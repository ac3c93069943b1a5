// GET /metrics: this replica's series in Prometheus' text format, for scrapers holding
// the metrics token (or anyone, when no token is configured).
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FleetMetrics } from './metrics.js';

export async function serveMetrics(
  metrics: FleetMetrics,
  token: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Method not allowed\n');
    return;
  }
  if (token && !sameSecret(req.headers.authorization ?? '', `Bearer ${token}`)) {
    res
      .writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain' })
      .end('Send Authorization: Bearer <METRICS_TOKEN>\n');
    return;
  }
  try {
    const body = await metrics.scrape();
    res
      .writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' })
      .end(req.method === 'HEAD' ? undefined : body);
  } catch {
    // A series whose source failed (the database is down): say so rather than serve half.
    res.writeHead(503, { 'content-type': 'text/plain' }).end('Metrics are unavailable right now\n');
  }
}

/** Compares digests, so the time taken says nothing about how much of the token matched. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
