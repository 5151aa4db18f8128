import { AxeBuilder } from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { PROJECT_ROOT } from '../../paths.js';

/** Screenshots of each page the browser tests visit, for people to look at; git-ignored. */
export const SCREENSHOTS = path.join(PROJECT_ROOT, '.data', 'screenshots');

export { launchChromium as launchBrowser } from '../../bench/chromium.js';

/** What a page did that a test should see: scripts' errors, console errors, dialogs (an XSS would open one), every URL it fetched. */
export interface PageRecord {
  errors: string[];
  dialogs: string[];
  requests: string[];
}

export async function openPage(browser: Browser): Promise<{ page: Page; record: PageRecord }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  const record: PageRecord = { errors: [], dialogs: [], requests: [] };
  page.on('pageerror', (error) => record.errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && record.errors.push(message.text()));
  page.on('dialog', (dialog) => {
    record.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('request', (request) => record.requests.push(request.url()));
  return { page, record };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** axe-core on the page as it stands: no serious or critical violation (each named with its first node when one is found). */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${name}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes[0]?.target.join(' ')}`);
  expect(serious).toEqual([]);
}
