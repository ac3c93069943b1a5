// A real headless Chromium (Debian's `chromium` package) driven by playwright-core, for
// tests of pages this server serves. The page may reach only the server under test:
// every other host fails name resolution, and requests to it are recorded, so a test
// can assert that the page needed nothing from the internet.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from '../../src/db/paths.js';

/** `CHROMIUM_PATH` overrides; `.ci/run` installs Debian's package at the default. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface IsolatedPage {
  page: Page;
  /** requests the page tried to send to any other origin (all refused) */
  foreignRequests: string[];
  /** WebSocket URLs the page opened */
  webSockets: string[];
}

export interface TestBrowser {
  /** a fresh context (no stored headers or tabs) whose page may reach only `origin` */
  openIsolatedPage(origin: string): Promise<IsolatedPage>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`No Chromium at ${chromiumPath}: apt-get install chromium, or set CHROMIUM_PATH.`);
  }
  const browser: Browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      // Containers run tests as root, where Chromium's sandbox cannot start.
      '--no-sandbox',
      // Every host except the loopback server fails to resolve: nothing leaves the machine.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
    ],
  });
  return {
    async openIsolatedPage(origin) {
      const context = await browser.newContext();
      const foreignRequests: string[] = [];
      const webSockets: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (new URL(url).origin === origin) return route.continue();
        foreignRequests.push(url);
        return route.abort('blockedbyclient');
      });
      const page = await context.newPage();
      page.on('websocket', (socket) => webSockets.push(socket.url()));
      return { page, foreignRequests, webSockets };
    },
    close: () => browser.close(),
  };
}

/** A folder for a test's screenshots and traces, under the gitignored `test-results/`. */
export async function testOutputDir(testName: string): Promise<string> {
  const dir = join(projectRoot, 'test-results', testName.replace(/[^A-Za-z0-9_-]+/g, '-'));
  await mkdir(dir, { recursive: true });
  return dir;
}
