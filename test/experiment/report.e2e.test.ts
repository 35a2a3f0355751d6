/**
 * End-to-end: open a generated report.html (and the tour index) in real headless Chromium, check
 * that the charts and the claims table render without console errors or network requests, and save
 * screenshots to test-output/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/experiment/runner.js';
import { runTour } from '../../src/experiment/tour.js';
import { demoRegression } from '../../src/experiments/demo/regression.js';
import { collector, counting, needsData, tempDir } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));

// Chromium is a test dependency (.ci/run installs it); its absence is a failure, not a skip.
describe('report.html in a real browser', () => {
  let tmp: ReturnType<typeof tempDir>;
  let browser: Browser;
  let reportHtml: string;
  let indexHtml: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
    tmp = tempDir('nabla-e2e-');
    mkdirSync(OUTPUT, { recursive: true });
    const [run, tour, b] = await Promise.all([
      runExperiment(demoRegression, { outDir: tmp.dir, progress: 'none', stderr: collector() }),
      runTour([counting, needsData], {
        outDir: `${tmp.dir}/tour-runs`,
        progress: 'none',
        stderr: collector(),
      }),
      chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 20_000 }),
    ]);
    browser = b;
    if (run.status === 'skipped' || !run.report) throw new Error('demo run produced no report');
    reportHtml = run.report.html;
    indexHtml = tour.indexHtml;
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    tmp?.cleanup();
  });

  /** Opens a page that records console errors and blocks (and records) any non-file request. */
  async function open(path: string) {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    const network: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      network.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    return { page, errors, network };
  }

  async function count(page: Page, selector: string) {
    return page.locator(selector).count();
  }

  it('renders the charts and the claims table without errors or network', async () => {
    const { page, errors, network } = await open(reportHtml);
    expect(await page.title()).toContain('Demo: 1-D regression');

    const figures = page.locator('figure.chart svg');
    expect(await figures.count()).toBe(5); // fit, residuals, hidden units + 2 metric charts
    for (let i = 0; i < 5; i++) {
      const box = await figures.nth(i).boundingBox();
      expect(box?.width).toBeGreaterThan(200);
      expect(box?.height).toBeGreaterThan(150);
    }
    expect(await count(page, '#chart-ffit .mark-symbol.role-mark path')).toBe(256);
    expect(await count(page, '#chart-ffit .mark-line.role-mark path')).toBe(2);
    expect(await count(page, '#chart-fresiduals .mark-rect.role-mark path')).toBe(30);
    expect(await count(page, '#chart-fhidden-units .mark-rect.role-mark path')).toBe(16 * 32);
    expect(await count(page, '#chart-mmetric-mean-squared-error .mark-line.role-mark path')).toBe(3);
    expect(await count(page, '.role-axis-label text')).toBeGreaterThan(20);

    const rows = page.locator('table.claims tbody tr');
    expect(await rows.count()).toBe(3);
    for (let i = 0; i < 3; i++) expect(await rows.nth(i).locator('.badge').textContent()).toBe('PASS');
    expect(await page.locator('table.claims').isVisible()).toBe(true);

    await page.screenshot({ path: `${OUTPUT}report.png`, fullPage: true });
    expect(errors).toEqual([]);
    expect(network).toEqual([]);
    await page.close();
  });

  it('the tour index links each report and shows its claims and skip messages', async () => {
    const { page, errors, network } = await open(indexHtml);
    expect(await page.locator('table.tour tbody tr').count()).toBe(2);
    expect(await page.locator('section.experiment table.claims tbody tr').count()).toBe(2);
    expect(await page.locator('section.experiment figure svg').count()).toBe(1);
    expect(await page.locator('#exp-needs-data .banner').textContent()).toContain(
      'sudo apt-get install foodb',
    );
    await page.screenshot({ path: `${OUTPUT}tour-index.png`, fullPage: true });

    await page.locator('table.tour a').first().click();
    await page.waitForLoadState('load');
    expect(page.url()).toMatch(/counting\/\d{8}-\d{6}-0\/report\.html$/);
    expect(await page.locator('table.claims tbody tr').count()).toBe(2);
    expect(await page.locator('figure.chart svg').count()).toBe(2); // its loss chart + the metric chart
    expect(errors).toEqual([]);
    expect(network).toEqual([]);
    await page.close();
  });
});
