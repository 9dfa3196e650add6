import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireInfra } from '@refarch/testing';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { FRONTEND, root, startStack, type E2eStack } from './stack.js';

/**
 * The resilience lab in a real browser (Debian's Chromium driven by playwright-core, never a downloaded browser)
 * against the whole stack: a shopper signs up and orders and watches the saga reach APPROVED; an admin makes
 * payment-service fail, watches the payment breaker open and orders wait, switches the fault off and watches them
 * complete. A screenshot of each stage goes to e2e/screenshots/ (README: "Screenshots").
 */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SHOTS = path.join(root, 'e2e', 'screenshots');
const infra = await requireInfra('e2e browser (the whole stack)', 'postgres', 'redis', 'rabbitmq');
const hasChromium = existsSync(CHROMIUM);
if (infra && !hasChromium) {
  process.stdout.write(
    `SKIP e2e browser: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)\n`,
  );
}

(infra && hasChromium ? describe : describe.skip)('the resilience lab in Chromium', () => {
  let stack: E2eStack;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack(infra!);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  /** A phone-sized tab (360 px) that records console errors and uncaught exceptions. */
  async function newTab(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    return page;
  }

  async function signIn(page: Page, email: string, password: string) {
    await page.goto(`${FRONTEND}/#/signin`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: /Sign out/ }).waitFor();
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  it('signs up, orders, and sees APPROVED in the live timeline', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
    const page = await newTab(context);
    await page.goto(`${FRONTEND}/#/signup`);
    await page.getByLabel('Name').fill('Browser Shopper');
    await page.getByLabel('Email').fill(`browser-${stack.id}@example.com`);
    await page.getByLabel('Password').fill('browser password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: /Sign out/ }).waitFor();
    await page.locator('[data-sku="MUG-CLASSIC"]').waitFor();
    await page.getByRole('button', { name: 'Add Classic ceramic mug to cart' }).click();
    await shot(page, '01-catalog-and-cart');
    await page.getByRole('button', { name: 'Place order' }).dblclick(); // a double click makes one order
    await page.getByTestId('order-status').getByText('APPROVED').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-step][data-state="done"]').count()).toBe(4);
    await shot(page, '02-order-approved');
    await page.goto(`${FRONTEND}/#/orders`);
    await page.locator('table.orders tbody tr').first().waitFor();
    expect(await page.locator('table.orders tbody tr').count()).toBe(1);
    await context.close();
  }, 90_000);

  it('as admin: payment failing 100 % → the breaker opens and orders wait; faults off → they complete', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const lab = await newTab(context);
    await signIn(lab, stack.accounts.admin.email, stack.accounts.admin.password);
    await lab.goto(`${FRONTEND}/#/lab`);
    const payment = lab.locator('form[data-service="payment-service"]');
    await payment.getByLabel('Mode').selectOption('error');
    await payment.getByLabel('Affected requests (%)').fill('100');
    await payment.getByRole('button', { name: 'Apply' }).click();
    await lab.getByText('payment-service: error on 100 %').waitFor();

    await lab.getByLabel('Orders', { exact: true }).fill('8');
    await lab.getByRole('button', { name: 'Place burst' }).click();
    const breaker = lab.locator('[data-breaker="saga-orchestrator->payment-service"]');
    await lab
      .locator('[data-breaker="saga-orchestrator->payment-service"][data-state="open"]')
      .waitFor({ timeout: 60_000 });
    await shot(lab, '03-lab-payment-breaker-open');

    // Another tab (its own session: tokens live in sessionStorage) shows one of the orders waiting.
    const orderTab = await newTab(context);
    await signIn(orderTab, stack.accounts.admin.email, stack.accounts.admin.password);
    await orderTab.goto(`${FRONTEND}/#/orders`);
    await orderTab.locator('table.orders tbody tr a').first().click();
    await orderTab.getByTestId('order-waiting').waitFor({ timeout: 15_000 });
    expect(await orderTab.getByTestId('order-status').textContent()).toContain('PENDING');
    await shot(orderTab, '04-order-waiting');

    await payment.getByLabel('Mode').selectOption('off');
    await payment.getByRole('button', { name: 'Apply' }).click();
    await orderTab.getByTestId('order-status').getByText('APPROVED').waitFor({ timeout: 60_000 });
    await shot(orderTab, '05-order-approved-after-recovery');
    await lab
      .getByTestId('burst-summary')
      .getByText(/8 approved, 0 rejected or failed, 0 waiting/)
      .waitFor({ timeout: 60_000 });
    expect(await breaker.getAttribute('data-state')).not.toBe('open');
    // The analytics charts count them: the shopper's order and the burst of 8, all approved in the end.
    await lab
      .getByTestId('analytics-totals')
      .getByText(/^9 placed · 9 approved · 0 rejected/)
      .waitFor({ timeout: 30_000 });
    await shot(lab, '06-lab-recovered');
    await context.close();
  }, 240_000);

  it('logged no console errors and no uncaught exceptions', () => {
    expect(problems).toEqual([]);
  });
});
