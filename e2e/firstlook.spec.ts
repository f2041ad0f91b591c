/**
 * The first look: the default model's maps, computed at build time, are drawn before the runtime
 * has loaded (its .wasm is held back here until they are checked), labelled, and replaced by the
 * live run's, which agree with them; a link to another model gets none. And a second visit reuses
 * the browser's caches: the .wasm from the HTTP cache and its compiled code from Chromium's code
 * cache (seen in a trace of the second visit).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Route } from '@playwright/test';
import { expect, isLocalUrl, test } from './fixtures';
import { readMap, type DrawnMap } from './helpers';
import { DEFAULT_TEXT, defaultSpec } from '../src/spec/defaults';
import { shareToHash } from '../src/spec/share';

const WASM = /\/ort\/ort-wasm-simd-threaded\.wasm$/;
const T = DEFAULT_TEXT.length;

/** Holds the runtime's .wasm request until `release()` is called. */
async function holdRuntime(context: BrowserContext): Promise<{ held: Promise<void>; release(): void }> {
  let release = () => undefined as void;
  let heard = () => undefined as void;
  const held = new Promise<void>((r) => (heard = r));
  const go = new Promise<void>((r) => (release = r));
  await context.route(WASM, async (route: Route) => {
    heard();
    await go;
    await route.continue();
  });
  return { held, release: () => release() };
}

/** The largest absolute difference between two maps' weights. */
function worstDifference(a: DrawnMap, b: DrawnMap): number {
  expect(a.rows.length).toBe(b.rows.length);
  let worst = 0;
  a.rows.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b.rows[i]![j]!)))));
  return worst;
}

test('the precomputed map is drawn before the runtime loads, labelled, then replaced by the live one, which agrees with it', async ({ page, context }) => {
  const runtime = await holdRuntime(context);
  await page.goto('/');
  await runtime.held;
  // The runtime has not arrived, and the map is already there: the build's, and said to be.
  const map = page.getByTestId('attention-map');
  await expect(map).toHaveAttribute('data-rows', String(T));
  await expect(map).toHaveAttribute('data-result-id', '-1');
  await expect(page.getByTestId('precomputed')).toHaveText(/precomputed at build time/);
  await expect(page.getByTestId('status')).toHaveText(/^loading the runtime/);
  await expect(page.getByTestId('head-grid').locator('button[data-layer]')).toHaveCount(2 * 4);
  await page.screenshot({ path: test.info().outputPath('precomputed.png') }); // what a person sees before the runtime
  const early = await readMap(page);
  expect([early.layer, early.head]).toEqual([0, 0]);
  // Another head of the precomputed result is drawn from the build's maps too, without the runtime.
  await page.getByTestId('head-grid').locator('button[data-layer="1"][data-head="2"]').click();
  await expect(map).toHaveAttribute('data-layer', '1');
  await expect(map).toHaveAttribute('data-head', '2');
  await expect(map).toHaveAttribute('data-result-id', '-1');
  const earlyOther = await readMap(page);

  runtime.release();
  await expect(page.getByTestId('precomputed')).toHaveCount(0);
  await expect(page.getByTestId('status')).toHaveText('ready');
  await expect.poll(async () => Number(await map.getAttribute('data-result-id'))).toBeGreaterThanOrEqual(0);
  const live = await readMap(page);
  expect([live.layer, live.head, live.T]).toEqual([1, 2, T]);
  expect(worstDifference(live, earlyOther)).toBeLessThanOrEqual(1e-5);
  await page.getByTestId('head-grid').locator('button[data-layer="0"][data-head="0"]').click();
  await expect(map).toHaveAttribute('data-layer', '0');
  await expect(map).toHaveAttribute('data-head', '0');
  expect(worstDifference(await readMap(page), early)).toBeLessThanOrEqual(1e-5);
});

test('a link to another model, or saved work with another text, shows no precomputed map', async ({ page, context }) => {
  const runtime = await holdRuntime(context);
  const hash = shareToHash({ v: 1, spec: { ...defaultSpec(), seed: 7 }, text: DEFAULT_TEXT, view: { layer: 0, head: 0 } });
  await page.goto(`/#${hash}`);
  await runtime.held;
  await expect(page.getByTestId('status')).toHaveText(/^loading the runtime/);
  await expect(page.getByTestId('precomputed')).toHaveCount(0);
  await expect(page.getByText('no map yet')).toBeVisible();
  runtime.release();
  await expect(page.getByTestId('attention-map')).toHaveAttribute('data-rows', String(T));
  expect(Number(await page.getByTestId('attention-map').getAttribute('data-result-id'))).toBeGreaterThanOrEqual(0);
  await expect(page.getByTestId('status')).toHaveText('ready');

  // The same browser now holds saved work (the seed-7 model); the default model with another text is saved next.
  await page.goto('/');
  await expect(page.getByTestId('status')).toHaveText('ready');
  await page.getByRole('textbox', { name: 'Text' }).fill('Saved text that the build never ran.');
  await expect(page.getByTestId('attention-map')).toHaveAttribute('data-text', 'Saved text that the build never ran.');
  await expect.poll(() => page.evaluate(() => Object.values(localStorage).some((v) => v.includes('Saved text that the build never ran.')))).toBe(true);
  const again = await holdRuntime(context);
  await page.goto('about:blank');
  await page.goto('/');
  await again.held;
  await expect(page.getByRole('textbox', { name: 'Text' })).toHaveValue('Saved text that the build never ran.');
  await expect(page.getByTestId('precomputed')).toHaveCount(0);
  await expect(page.getByText('no map yet')).toBeVisible();
  again.release();
});

/** Opens the page in `context`, traces its load until the live map is drawn, and says where the runtime came from. */
async function visit(context: BrowserContext, baseURL: string): Promise<{ page: Page; codeCacheHit: boolean; wasm: { transferSize: number; encodedBodySize: number } }> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const events: { name: string }[] = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as { name: string }[])));
  const complete = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['v8.wasm', 'disabled-by-default-devtools.timeline'] }, transferMode: 'ReportEvents' });
  await page.goto(baseURL);
  await expect.poll(async () => Number(await page.getByTestId('attention-map').getAttribute('data-result-id'))).toBeGreaterThanOrEqual(0);
  await cdp.send('Tracing.end');
  await complete;
  // The .wasm is fetched by the inference worker: its own Performance API says how it came.
  const worker = page.workers().find((w) => w.url().includes('wasm.worker'))!;
  const wasm = await worker.evaluate(() => {
    const e = performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm')) as PerformanceResourceTiming;
    return { transferSize: e.transferSize, encodedBodySize: e.encodedBodySize };
  });
  return { page, codeCacheHit: events.some((e) => e.name === 'v8.wasm.moduleCacheHit'), wasm };
}

test('a second visit reads the runtime from the HTTP cache and its compiled code from the code cache', async ({ browserName, baseURL }, info) => {
  test.skip(browserName !== 'chromium', 'Chromium’s code cache');
  test.setTimeout(240_000);
  // A profile on disk: Chromium keeps no code cache for an incognito context (what browser.newContext gives).
  const dir = mkdtempSync(join(tmpdir(), 'tp-firstlook-'));
  const context = await chromium.launchPersistentContext(dir, { ...info.project.use.launchOptions, viewport: { width: 1400, height: 1000 } });
  const away: string[] = [];
  context.on('request', (r) => void (isLocalUrl(r.url()) || away.push(r.url())));
  try {
    const first = await visit(context, baseURL!);
    expect(first.codeCacheHit).toBe(false);
    expect(first.wasm.transferSize).toBeGreaterThan(first.wasm.encodedBodySize); // downloaded: body and headers
    // Chromium caches the compiled module once enough of it is optimised, a while after it ran: the
    // first page stays open (its latency runs), and later visits are made until one is served from it.
    await expect
      .poll(
        async () => {
          const next = await visit(context, baseURL!);
          await next.page.close();
          expect(next.wasm.transferSize, 'the .wasm body comes from the HTTP cache (a 304 or a fresh hit)').toBeLessThan(next.wasm.encodedBodySize);
          return next.codeCacheHit;
        },
        { timeout: 180_000, intervals: [1000], message: 'a later visit compiles the runtime from Chromium’s code cache' },
      )
      .toBe(true);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
  expect(away).toEqual([]);
});
