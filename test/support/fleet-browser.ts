// Headless Debian Chromium driven by playwright-core, for the fleet page: every request
// to a host other than the server under test is refused, so the page is shown to need
// nothing from elsewhere. Screenshots go to test-results/ (not committed).
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = new URL('../../test-results/', import.meta.url).pathname;

export interface FleetBrowser {
  browser: Browser;
  context: BrowserContext;
  /** URLs of requests refused because they went to another host */
  blocked: string[];
  close(): Promise<void>;
}

export async function openFleetBrowser(allowedOrigin: string): Promise<FleetBrowser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const context = await browser.newContext();
  const allowed = new URL(allowedOrigin);
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.host === allowed.host) return route.continue();
    blocked.push(url.href);
    return route.abort('blockedbyclient');
  });
  // WebSockets are not routed by `route`; they are recorded, and the page's content
  // security policy (connect-src 'self') keeps them on this host.
  context.on('page', (page) => page.on('websocket', (ws) => {
    if (new URL(ws.url()).host !== allowed.host) blocked.push(ws.url());
  }));
  return {
    browser,
    context,
    blocked,
    close: () => browser.close(),
  };
}
