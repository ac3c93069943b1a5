// GraphiQL as an operator uses it, in a real headless Chromium that can reach nothing but
// this server: the page renders, a query runs with the key typed into the Headers tab,
// and a fleetEvents subscription started from the page shows an event caused by a mutation.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateInstanceDocument } from './generated/graphql.js';
import { launchBrowser, testOutputDir, type TestBrowser } from './support/browser.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedCompany, type SeededCompany } from './support/seed.js';
import { execute, startTestServer, type TestServer } from './support/server.js';

let db: TestDatabase;
let server: TestServer;
let browser: TestBrowser;
let acme: SeededCompany;

beforeAll(async () => {
  db = await createTestDatabase();
  acme = await seedCompany(db.prisma, 'graphiql-acme');
  server = await startTestServer(db.prisma);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await db?.drop();
});

/** Replaces the text of one of GraphiQL's editors, as if typed (without auto-closing brackets). */
const editorUris = { operation: '.graphql', headers: '-headers.json' };

async function fillEditor(page: Page, editor: keyof typeof editorUris, text: string): Promise<void> {
  await page.locator(`.monaco-editor[data-uri$="${editorUris[editor]}"]`).click({ timeout: 10_000 });
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/** The result pane's text without whitespace (the pane wraps long lines). */
async function resultText(page: Page): Promise<string> {
  return (await page.locator('.graphiql-response .view-lines').first().innerText()).replace(/\s+/g, '');
}

describe('GraphiQL in a browser without internet', () => {
  it('runs a query and a live subscription with the key from the Headers tab', async () => {
    const origin = new URL(server.httpUrl).origin;
    const { page, foreignRequests, webSockets } = await browser.openIsolatedPage(origin);
    const query = 'subscription Watch { fleetEvents { kind status subjectId } }';

    await page.goto(`${server.httpUrl}?query=${encodeURIComponent('{ viewer { role company { name } } }')}`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.title()).toBe('Odoo Fleet API');

    await page.getByText('Headers', { exact: true }).click();
    await fillEditor(page, 'headers', JSON.stringify({ Authorization: `Bearer ${acme.token}` }));
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain('"name":"Companygraphiql-acme"');

    await fillEditor(page, 'operation', query);
    await page.locator('.graphiql-execute-button').click();
    // The subscription is live once the server has a subscriber on the company's topic.
    await expect.poll(() => webSockets.length, { timeout: 15_000 }).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const created = await execute(server.httpUrl, CreateInstanceDocument, {
      variables: { input: { name: 'graphiql-live', version: '17.0' } },
      token: acme.token,
    });
    const instance = created.data?.createInstance;
    if (instance?.__typename !== 'CreateInstanceSuccess')
      throw new Error(`createInstance failed: ${JSON.stringify(created)}`);

    await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain(instance.instance.id);
    const shown = await resultText(page);
    expect(shown).toContain(
      `"fleetEvents":{"kind":"INSTANCE","status":"CREATING","subjectId":"${instance.instance.id}"}`,
    );
    expect(shown).not.toContain('UNAUTHENTICATED');

    await page.screenshot({
      path: join(await testOutputDir('graphiql-browser'), 'graphiql-subscription.png'),
      fullPage: true,
    });
    expect(webSockets.every((url) => new URL(url).host === new URL(origin).host)).toBe(true);
    expect(foreignRequests).toEqual([]);
  });
});
