// Serves the live fleet page (public/fleet/): three static files, no build step, and a
// content security policy that lets the page talk to this server only.
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { projectRoot } from './db/paths.js';

const FILES: Record<string, { file: string; type: string }> = {
  '/fleet': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/fleet/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/fleet/fleet.js': { file: 'fleet.js', type: 'text/javascript; charset=utf-8' },
  '/fleet/fleet.css': { file: 'fleet.css', type: 'text/css; charset=utf-8' },
};

const POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** true when `path` is the page or one of its files (and the response was sent) */
export async function serveFleetPage(path: string, res: ServerResponse): Promise<boolean> {
  if (path === '/') {
    res.writeHead(302, { location: '/fleet' }).end();
    return true;
  }
  const entry = FILES[path];
  if (!entry) return false;
  const body = await readFile(`${projectRoot}public/fleet/${entry.file}`);
  res.writeHead(200, {
    'content-type': entry.type,
    'content-length': body.length,
    'content-security-policy': POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  });
  res.end(body);
  return true;
}
