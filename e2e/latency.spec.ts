// The latency panel: fast and inspect figures, the per-block breakdown, and the sweep against T
// with its progress bar and cancel button. Numbers are read from data attributes; no timing is
// asserted beyond "positive and finite" (docs/benchmarks.md is the record of the values).
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { waitForMap } from './helpers';

const DEFAULT_TEXT_LENGTH = 'The cat sat on the mat because it was warm.'.length;

interface SeriesData {
  provider: string;
  label: string;
  points: { T: number; ms: number }[];
  exponent: number | null;
}

const readSweep = async (page: Page): Promise<SeriesData[]> => JSON.parse((await page.getByTestId('sweep-chart').getAttribute('data-values')) ?? '[]') as SeriesData[];
const progressOf = async (page: Page) => {
  const bar = page.getByRole('progressbar', { name: 'Sweep progress' });
  return { now: Number(await bar.getAttribute('aria-valuenow')), max: Number(await bar.getAttribute('aria-valuemax')) };
};

test('fast and inspect latency are shown, each labelled with backend and mode', async ({ page }) => {
  await page.goto('/');
  await waitForMap(page, DEFAULT_TEXT_LENGTH);
  const fast = page.getByTestId('latency');
  await expect(fast).toHaveAttribute('data-mode', 'fast');
  await expect(fast).toHaveAttribute('data-provider', 'wasm');
  const inspect = page.getByTestId('latency-inspect');
  await expect(inspect).toHaveAttribute('data-mode', 'inspect');
  await expect(inspect).toHaveAttribute('data-provider', 'wasm');
  await expect(inspect).toContainText('WASM');
  expect(Number(await inspect.getAttribute('data-ms'))).toBeGreaterThan(0);
});

test('the per-block breakdown times every block on demand and reports its gap to the whole', async ({ page }) => {
  await page.goto('/');
  await waitForMap(page, DEFAULT_TEXT_LENGTH);
  await page.getByTestId('breakdown-run').click();
  const chart = page.getByTestId('latency-breakdown');
  await expect(chart).toHaveAttribute('data-gap', /\d/, { timeout: 60_000 });
  const blocks = JSON.parse((await chart.getAttribute('data-values'))!) as { scope: string; ms: number }[];
  expect(blocks.map((b) => b.scope)).toEqual(expect.arrayContaining(['layer 0 · mixer: softmax_attention', 'layer 1 · ffn: mlp', 'unembedding']));
  expect(blocks.every((b) => b.ms >= 0)).toBe(true);
  expect(Number(await chart.getAttribute('data-whole-ms'))).toBeGreaterThan(0);
  expect(Number.isFinite(Number(await chart.getAttribute('data-gap')))).toBe(true);
  await expect(chart.locator('g.bar')).toHaveCount(blocks.length + 1); // and the fixed cost of a run
  await expect(page.getByTestId('breakdown-summary')).toContainText('gap');
});

test('a sweep up to T = 128 reaches the end and fits an exponent; a second one is cancelled midway', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await waitForMap(page, DEFAULT_TEXT_LENGTH);
  const sweep = page.getByTestId('latency-sweep');

  // The default model's maxLen is 128: T = 16, 32, 64, 128 on WASM (no WebGPU adapter here).
  await expect(page.getByTestId('sweep-max')).toHaveValue('128');
  await page.getByTestId('sweep-run').click();
  await expect(sweep).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  const bar = page.getByRole('progressbar', { name: 'Sweep progress' });
  await expect(bar).toHaveAttribute('aria-valuemax', '4');
  await expect(bar).toHaveAttribute('aria-valuenow', '4');
  const series = await readSweep(page);
  expect(series.map((s) => s.provider)).toEqual(['wasm']);
  expect(series[0]!.points.map((p) => p.T)).toEqual([16, 32, 64, 128]);
  expect(series[0]!.points.every((p) => p.ms > 0)).toBe(true);
  const exponent = Number(await page.getByTestId('sweep-chart').getAttribute('data-exponent'));
  expect(Number.isFinite(exponent)).toBe(true);
  expect(exponent).toBeCloseTo(series[0]!.exponent!, 9);
  await expect(page.getByTestId('sweep-series-wasm')).toHaveAttribute('data-values', /^16:[\d.e-]+;32:/);
  await expect(sweep).toContainText('WebGPU is unavailable');

  // A longer sweep: let its first step land, cancel, and check it stopped there.
  await page.getByTestId('setting-maxLen').fill('2048');
  await page.getByTestId('setting-maxLen').press('Enter');
  await expect(page.getByTestId('sweep-max')).toHaveValue('2048');
  await page.getByTestId('sweep-run').click();
  await expect(sweep).toHaveAttribute('data-state', 'running');
  await expect.poll(async () => (await progressOf(page)).now, { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
  await page.getByTestId('sweep-cancel').click();
  await expect(sweep).toHaveAttribute('data-state', 'cancelled', { timeout: 30_000 });
  const stopped = await progressOf(page);
  expect(stopped.max).toBe(8); // T = 16 … 2048
  expect(stopped.now).toBeLessThan(stopped.max);
  const points = (await readSweep(page))[0]!.points;
  expect(points.length).toBe(stopped.now);
  await page.waitForTimeout(1500); // nothing more arrives after the cancel
  expect(await progressOf(page)).toEqual(stopped);
  await expect(page.getByTestId('sweep-cancel')).toBeDisabled();
  await expect(page.getByTestId('sweep-run')).toBeEnabled();
});
