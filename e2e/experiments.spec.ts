/**
 * Experiments in the page (the Experiments panel, src/state/experiments.ts, workers/experiments.ts)
 * against the production build, WASM: a tiny definition (the default model on copy, two seeds of 30
 * steps) opened from a share link runs to the end with one progress bar, its results table fills,
 * the address bar's link carries the definition, a reload shows the kept result (IndexedDB) without
 * running again, and the link opened in a fresh browser context brings the definition but not the
 * results. Every wait is on a state, with timeouts for a busy 2-core machine.
 */
import type { Page } from '@playwright/test';
import { DEFAULT_TEXT, defaultSpec } from '../src/spec/defaults';
import type { Experiment } from '../src/spec/experiment';
import { SHARE_VERSION, shareFromLink, shareToHash } from '../src/spec/share';
import { experimentKey } from '../src/state/experiments';
import { recipe } from '../src/train/run';
import { expect, test } from './fixtures';
import { waitWhileBusy } from './helpers';

const EXP: Experiment = {
  title: 'e2e: the default model on copy, two seeds',
  variants: [{ label: 'default', model: 'default' }],
  recipe: recipe({ task: 'copy', taskParams: { maxLen: 4 }, T: 10, batch: 8, steps: 30, evalEvery: 15, lr: 3e-3, warmup: 3 }),
  seeds: [1, 2],
  measures: [{ kind: 'accuracy' }, { kind: 'loss' }],
};

const LINK = `/#${shareToHash({ v: SHARE_VERSION, spec: defaultSpec(), text: DEFAULT_TEXT, view: { layer: 0, head: 0 }, experiment: EXP })}`;
/** How long two runs of 30 steps (compiling included) may take on a loaded machine. */
const RUN_TIMEOUT = 180_000;

const status = (page: Page) => page.getByTestId('experiment-status');
const ready = async (page: Page) => (await page.getByTestId('status').textContent()) === 'ready';

test('a shared experiment runs in the page, its result is kept over a reload, and its link carries the definition only', async ({ page, browser }) => {
  test.setTimeout(420_000);
  await page.goto(LINK);
  await waitWhileBusy(page, () => ready(page), 'the first analysis');
  await expect(status(page)).toHaveAttribute('data-status', 'idle');
  await expect(page.getByTestId('experiment-row')).toHaveCount(0);

  await page.getByTestId('experiment-run').click();
  await expect(status(page)).toHaveAttribute('data-status', 'running');
  await expect(page.getByTestId('experiment-progress')).toBeVisible();
  await expect(status(page)).toHaveAttribute('data-status', 'done', { timeout: RUN_TIMEOUT });
  const rows = await page.getByTestId('experiment-results').getByTestId('experiment-row').count();
  expect(rows).toBeGreaterThan(0);

  // The address bar's link carries the definition (and the page's work).
  await expect.poll(() => {
    const r = shareFromLink(page.url());
    return r.ok && r.doc.experiment ? experimentKey(r.doc.experiment) : null;
  }).toBe(experimentKey(EXP));
  const link = page.url();

  // A reload shows the kept result: done, the same rows, nothing run again.
  await page.reload();
  await waitWhileBusy(page, () => ready(page), 'the analysis after the reload');
  await expect(status(page)).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('experiment-results').getByTestId('experiment-row')).toHaveCount(rows);

  // A fresh browser (no kept results) opens the link with the definition and no results.
  const fresh = await browser.newContext();
  try {
    const other = await fresh.newPage();
    await other.goto(link);
    await waitWhileBusy(other, () => ready(other), 'the first analysis in a fresh context');
    await expect(status(other)).toHaveAttribute('data-status', 'idle');
    await expect(other.getByTestId('experiment-row')).toHaveCount(0);
    await expect(other.getByTestId('experiment-panel')).toContainText(EXP.title);
  } finally {
    await fresh.close();
  }
});
