// The latency panel: fast and inspect figures, the per-block breakdown, and the sweep against T
// with its progress bar and cancel button. Numbers are read from data attributes; no timing is
// asserted beyond "positive and finite" (docs/benchmarks.md is the record of the values).
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { choosePreset, waitForMap, waitWhileBusy } from './helpers';
import { COMPARE_ROUNDS } from '../src/state/latency';

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
  // Nothing more arrives after the cancel: once the workers have answered everything, the progress is still where it stopped.
  await expect(page.getByTestId('status')).toHaveAttribute('data-worker-busy', 'false', { timeout: 60_000 });
  expect(await progressOf(page)).toEqual(stopped);
  await expect(page.getByTestId('sweep-cancel')).toBeDisabled();
  await expect(page.getByTestId('sweep-run')).toBeEnabled();
});

/** Quartiles by linear interpolation between order statistics, written here apart from the app's code. */
function quartiles(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => {
    const h = (s.length - 1) * p;
    const lo = Math.floor(h);
    return s[lo]! + (h - lo) * (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!);
  };
  return { q1: at(0.25), median: at(0.5), q3: at(0.75), min: s[0]!, max: s[s.length - 1]! };
}

/** The runs a figure carries (as the worker reported them) and the spread it shows, checked against each other. */
async function expectSpreadOf(page: Page, testId: string): Promise<number[]> {
  const el = page.getByTestId(testId);
  await expect(el).toHaveAttribute('data-samples', /\d/);
  const samples = JSON.parse((await el.getAttribute('data-samples'))!) as number[];
  expect(samples.length).toBeGreaterThanOrEqual(3);
  expect(samples.every((v) => v > 0 && Number.isFinite(v))).toBe(true);
  const q = quartiles(samples);
  for (const k of ['q1', 'q3', 'min', 'max'] as const) expect(Number(await el.getAttribute(`data-${k}`)), `${testId} ${k}`).toBeCloseTo(q[k], 9);
  if (await el.getAttribute('data-ms')) expect(Number(await el.getAttribute('data-ms'))).toBeCloseTo(q.median, 9);
  return samples;
}

test('every latency figure shows the spread of its runs, and B / A its interval and whether it is within noise', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await waitForMap(page, DEFAULT_TEXT_LENGTH);
  for (const id of ['latency', 'latency-fast', 'latency-inspect']) await expectSpreadOf(page, id);
  const fast = JSON.parse((await page.getByTestId('latency-fast').getAttribute('data-samples'))!) as number[];
  await expect(page.getByTestId('latency-fast')).toContainText(`median of ${fast.length}`);
  await expect(page.getByTestId('latency-fast')).toContainText(`over ${fast.length} runs`);
  await expect(page.getByTestId('latency-fast')).toContainText('IQR');

  // Compare with a snapshot of the same model: both sides' runs, and the ratio from them.
  await page.getByTestId('compare-select').selectOption('snapshot');
  const ratio = page.getByTestId('compare-latency');
  // A and B are timed in alternate rounds: read the figures once every round is done (they change no more).
  await waitWhileBusy(page, async () => (await ratio.getAttribute('data-rounds')) === String(COMPARE_ROUNDS), 'the compare rounds');
  await expect(ratio).toHaveAttribute('data-within-noise', /true|false/);
  await expect(page.getByTestId('status')).toHaveText('ready');
  const a = await expectSpreadOf(page, 'compare-latency-a');
  const b = await expectSpreadOf(page, 'compare-latency-b');
  const qa = quartiles(a);
  const qb = quartiles(b);
  const lo = qb.q1 / qa.q3;
  const hi = qb.q3 / qa.q1;
  expect(Number(await ratio.getAttribute('data-ratio'))).toBeCloseTo(qb.median / qa.median, 9);
  expect(Number(await ratio.getAttribute('data-lo'))).toBeCloseTo(lo, 9);
  expect(Number(await ratio.getAttribute('data-hi'))).toBeCloseTo(hi, 9);
  const within = lo <= 1 && 1 <= hi;
  await expect(ratio).toHaveAttribute('data-within-noise', String(within));
  await expect(ratio).toContainText(`interval ${lo.toFixed(2)}–${hi.toFixed(2)}`);
  await expect(page.getByTestId('compare-latency-verdict')).toContainText(within ? 'within noise' : 'beyond the spread');
});

test('a sweep shows each point with its interquartile range and the exponent with an interval', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await waitForMap(page, DEFAULT_TEXT_LENGTH);
  await page.getByTestId('sweep-max').selectOption('64');
  await page.getByTestId('sweep-run').click();
  await expect(page.getByTestId('latency-sweep')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  const [series] = JSON.parse((await page.getByTestId('sweep-chart').getAttribute('data-values'))!) as { points: { T: number; ms: number; q1: number; q3: number; samplesMs: number[] }[]; exponent: number; lo: number; hi: number }[];
  expect(series!.points.map((p) => p.T)).toEqual([16, 32, 64]);
  for (const p of series!.points) {
    expect(p.samplesMs.length).toBeGreaterThanOrEqual(7);
    const q = quartiles(p.samplesMs);
    expect([p.ms, p.q1, p.q3]).toEqual([q.median, q.q1, q.q3].map((v) => expect.closeTo(v, 9)));
    const cell = page.getByTestId(`sweep-cell-current-wasm-${p.T}`);
    await expect(cell).toContainText('(');
    await expect(cell).toContainText(`${q.q1 < 1 ? q.q1.toFixed(3) : q.q1.toFixed(2)}–`);
  }
  expect(series!.lo).toBeLessThanOrEqual(series!.exponent);
  expect(series!.hi).toBeGreaterThanOrEqual(series!.exponent);
  await expect(page.getByTestId('sweep-exponent-wasm')).toHaveText(`${series!.exponent.toFixed(2)} [${series!.lo.toFixed(2)}, ${series!.hi.toFixed(2)}]`);
  await expect(page.getByTestId('sweep-series-wasm').locator('g.spread')).toHaveCount(3);
});

test('a linear-time mixer sweeps past maxLen and past what the inspect graph could afford; learned positions stop at maxLen', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await waitForMap(page, DEFAULT_TEXT_LENGTH);
  // Learned absolute positions: one weight row per position, so maxLen (128) is as far as it goes.
  const sweep = page.getByTestId('latency-sweep');
  await expect(sweep).toHaveAttribute('data-max-t', '128');
  await expect(page.getByTestId('sweep-range')).toContainText('one row per position up to maxLen (128)');
  await expect(page.getByTestId('sweep-max').locator('option')).toHaveText(['16', '32', '64', '128']);

  // Mamba-2 without positions (maxLen 128 too): nothing depends on maxLen, so it sweeps to 8192.
  await choosePreset(page, 'mamba');
  await expect(sweep).toHaveAttribute('data-max-t', '8192');
  await expect(page.getByTestId('sweep-range')).toContainText('no weight of this model depends on maxLen');
  await expect(page.getByTestId('sweep-max').locator('option').last()).toHaveText('8192');
  // At T = 2048 its inspect graph's T × T maps are over the memory budget; the sweep only runs the fast graph.
  await page.getByTestId('sweep-from').selectOption('2048');
  await page.getByTestId('sweep-max').selectOption('2048');
  await page.getByTestId('sweep-run').click();
  await expect(sweep).toHaveAttribute('data-state', 'done', { timeout: 150_000 });
  await expect(page.getByTestId('sweep-skipped')).toHaveCount(0);
  const [series] = await readSweep(page);
  expect(series!.points.map((p) => p.T)).toEqual([2048]);
  expect(series!.points[0]!.ms).toBeGreaterThan(0);
});

test('sweeps can be pinned, named, overlaid, saved as CSV and removed', async ({ page }) => {
  test.setTimeout(150_000);
  await page.goto('/');
  await waitForMap(page, DEFAULT_TEXT_LENGTH);
  const sweep = page.getByTestId('latency-sweep');
  const runTo = async (T: string) => {
    await page.getByTestId('sweep-max').selectOption(T);
    await page.getByTestId('sweep-run').click();
    await expect(sweep).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  };
  await runTo('32');
  await page.getByTestId('sweep-pin').click();
  await expect(page.getByTestId('pinned-1')).toHaveAttribute('data-name', 'Default: small GPT-2-style decoder');
  // A bad name is refused with the reason, and the old one stays.
  await page.getByTestId('pinned-name-1').fill('  ');
  await page.getByTestId('pinned-name-1').press('Enter');
  await expect(page.getByTestId('pinned-1')).toContainText('a sweep needs a name');
  await expect(page.getByTestId('pinned-1')).toHaveAttribute('data-name', 'Default: small GPT-2-style decoder');
  await page.getByTestId('pinned-name-1').fill('softmax, 2 layers');
  await page.getByTestId('pinned-name-1').press('Enter');
  await expect(page.getByTestId('pinned-1')).toHaveAttribute('data-name', 'softmax, 2 layers');

  // Another model, swept and pinned too, then a third sweep left unpinned: three on one chart.
  await choosePreset(page, 'linear-attention');
  await runTo('32');
  await page.getByTestId('sweep-pin').click();
  await expect(page.getByTestId('pinned-2')).toBeVisible();
  await runTo('64');
  const chart = page.getByTestId('sweep-chart');
  await expect(chart).toHaveAttribute('data-sweeps', '3');
  await expect(chart.locator('.legend')).toContainText('softmax, 2 layers: k = ');
  await expect(chart.locator('.legend')).toContainText('k = ');

  // The CSV holds every point of every sweep, as the chart has them.
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('sweep-csv').click()]);
  expect(file.suggestedFilename()).toBe('latency-sweeps.csv');
  const csv = (await (await file.createReadStream()).toArray()).join('');
  const lines = csv.trimEnd().split('\n');
  expect(lines[0]).toBe('sweep,backend,T,median_ms,q1_ms,q3_ms,min_ms,max_ms,runs,exponent,exponent_lo,exponent_hi,note');
  const medians = (sweepName: string) => lines.filter((l) => l.startsWith(sweepName)).map((l) => l.match(/(?:^|,)(\d+),([\d.e-]+),/)!.slice(1).join(':'));
  const drawn = async (id: string) => ((await page.getByTestId(id).getAttribute('data-values')) ?? '').split(';');
  expect(medians('"softmax, 2 layers"')).toEqual(await drawn('sweep-series-pin-1-wasm'));
  expect(lines.length).toBe(1 + 2 + 2 + 3);

  await page.getByTestId('pinned-remove-1').click();
  await expect(page.getByTestId('pinned-1')).toHaveCount(0);
  await expect(chart).toHaveAttribute('data-sweeps', '2');
  await expect(page.getByTestId('sweep-series-pin-1-wasm')).toHaveCount(0);
});
