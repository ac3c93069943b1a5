// The live fleet page in headless Chromium against a real server: a key entered in the
// page, the company's instances, a backup started through the API whose progress bar
// moves and finishes without a reload, and the page reconnecting after the server
// restarts. Requests to any other host are refused; a screenshot is kept.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { BackupProgressDocument, CreateBackupDocument } from './generated/graphql.js';
import { launchBrowser, testOutputDir, type TestBrowser } from './support/browser.js';
import { startFleet, type Fleet } from './support/fleet.js';
import { startTestServer, type TestServer } from './support/server.js';

let fleet: Fleet;
let browser: TestBrowser;
let server: TestServer;
let origin: string;

beforeAll(async () => {
  fleet = await startFleet('browser');
  server = fleet.server;
  origin = server.httpUrl.replace('/graphql', '');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  if (server !== fleet?.server) await server?.stop();
  await fleet?.stop();
});

const backupProgress = (page: Page, instance: string) =>
  page.locator(`tr[data-instance="${instance}"] [data-role="backup-progress"]`);

describe('the fleet page', () => {
  it('shows the fleet live, follows a backup to the end, and reconnects after a restart', async () => {
    const instanceId = await fleet.runningInstance({ name: 'shop-eu' });
    await fleet.runningInstance({ name: 'shop-us' });

    const { page, foreignRequests } = await browser.openIsolatedPage(origin);
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations += 1;
    });
    const root = await page.goto(`${origin}/`);
    expect(root?.url()).toBe(`${origin}/fleet`);
    await page.fill('#api-key', fleet.company.token);
    await page.click('button[type="submit"]');
    await expect.poll(() => page.locator('#instances tr').count()).toBe(2);
    expect(await page.isVisible('#key-form')).toBe(false);
    expect(await page.locator('tr[data-instance="shop-eu"] .status').first().textContent()).toBe('RUNNING');
    await expect.poll(() => page.textContent('#connection')).toBe('live');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);

    // A backup started through the API: its bar appears, moves and finishes in place.
    const created = await fleet.gql(CreateBackupDocument, { input: { instanceId } });
    expect(created.data?.createBackup.__typename).toBe('CreateBackupSuccess');
    await expect.poll(() => backupProgress(page, 'shop-eu').getAttribute('value')).toBe('0');
    const backupId =
      created.data?.createBackup.__typename === 'CreateBackupSuccess' ? created.data.createBackup.backup.id : '';
    const worker = fleet.worker();
    const seen = ['0'];
    for (let round = 0; round < 8 && seen.at(-1) !== '100'; round += 1) {
      await worker.drain();
      fleet.sim.advance(1000);
      // Whatever the API says now, the page shows without being reloaded.
      const { data } = await fleet.gql(BackupProgressDocument, { id: backupId });
      const percent = String(data!.backup!.progress!.percent);
      await expect.poll(() => backupProgress(page, 'shop-eu').getAttribute('value')).toBe(percent);
      if (seen.at(-1) !== percent) seen.push(percent);
    }
    await expect
      .poll(() => page.textContent('tr[data-instance="shop-eu"] [data-role="backup"] .status'))
      .toBe('COMPLETED');
    expect(await backupProgress(page, 'shop-eu').getAttribute('value')).toBe('100');
    expect(seen.length).toBeGreaterThan(2); // it moved through values between 0 and 100
    expect(navigations).toBe(1); // no reload

    // The server goes away and comes back on the same port: the page reconnects by itself.
    const port = Number(new URL(origin).port);
    await server.stop();
    await expect.poll(() => page.textContent('#connection')).toBe('reconnecting');
    server = await startTestServer(fleet.db.prisma, {
      providers: fleet.providers,
      pubsub: fleet.pubsub,
      backupStore: fleet.store,
      port,
    });
    await expect.poll(() => page.textContent('#connection'), { timeout: 20_000 }).toBe('live');
    // Live again: a second backup shows up without a reload.
    const again = await fleet.gql(CreateBackupDocument, { input: { instanceId } });
    expect(again.data?.createBackup.__typename).toBe('CreateBackupSuccess');
    await expect.poll(() => backupProgress(page, 'shop-eu').getAttribute('value'), { timeout: 10_000 }).toBe('0');
    expect(navigations).toBe(1);

    await page.screenshot({ path: join(await testOutputDir('fleet-page'), 'fleet-page.png'), fullPage: true });
    expect(foreignRequests).toEqual([]);
  });
});
