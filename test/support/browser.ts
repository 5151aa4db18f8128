import { AxeBuilder } from '@axe-core/playwright';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { PROJECT_ROOT } from '../../paths.js';

/** Debian's Chromium (`apt-get install chromium`); CI installs it when missing. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots of each page the browser tests visit, for people to look at; git-ignored. */
export const SCREENSHOTS = path.join(PROJECT_ROOT, '.data', 'screenshots');

/** A real headless Chromium, kept off the network except for what pages ask of our own server. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

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
