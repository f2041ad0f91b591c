/**
 * What each head does, in the page: the head grid's statistics against headStats() computed here
 * in Node from the map the page draws for that head (its data-values; src/analysis/headStats.ts
 * run on the page's numbers, and the entropy fraction written out from its definition), and the
 * training chart of a statistic against step, filled by a short run of the copy task and followed
 * by the timeline, whose head grid shows the snapshot's statistics (checked against the drawn
 * snapshot map the same way).
 */
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { headStats, type HeadStats } from '../src/analysis/headStats';
import { DEFAULT_TEXT, defaultSpec } from '../src/spec/defaults';
import { tokenize } from '../src/spec/vocab';
import { defaultRecipe, snapshotEvery } from '../src/state/training';
import { findTask } from '../src/train/tasks/registry';
import { expect, test } from './fixtures';
import { readMap, setText, waitForMap, type DrawnMap } from './helpers';

const STATS = ['previousToken', 'induction', 'sink', 'distance'] as const;
const numbers = (s: string | null) => (s ?? '').split(',').filter(Boolean).map(Number);

/** The entropy of each row with two or more weighted keys over log(their count), averaged: the fraction of uniform, from the definition. */
function entropyFraction(rows: number[][]): number {
  let sum = 0;
  let n = 0;
  for (const row of rows) {
    const total = row.reduce((a, v) => a + Math.abs(v), 0);
    const keys = row.filter((v) => v !== 0).length;
    if (keys < 2) continue;
    const h = -row.reduce((a, v) => (v === 0 ? a : a + (Math.abs(v) / total) * Math.log(Math.abs(v) / total)), 0);
    sum += Math.min(1, h / Math.log(keys));
    n++;
  }
  return n ? sum / n : NaN;
}

/** The five figures the grid shows for (layer, head), from their data-value. */
async function shownStats(page: Page, layer: number, head: number): Promise<Record<string, number | null>> {
  const out: Record<string, number | null> = {};
  for (const k of [...STATS, 'entropy']) {
    const v = await page.getByTestId(`head-stat-${layer}-${head}-${k}`).getAttribute('data-value');
    out[k] = v === '' || v === null ? null : Number(v);
  }
  return out;
}

/** The grid's figures for the head of `map` equal headStats() of the drawn map and the entropy fraction written out above. */
async function expectStatsOfMap(page: Page, map: DrawnMap, tokens: number[], what: string): Promise<HeadStats> {
  const [want] = headStats(map.rows.flat(), tokens, 1);
  const shown = await shownStats(page, map.layer, map.head);
  for (const k of STATS) {
    if (want![k] === null) expect(shown[k], `${what}: ${k}`).toBeNull();
    else expect(Math.abs(shown[k]! - want![k]!), `${what}: ${k} shown ${shown[k]}, from the map ${want![k]}`).toBeLessThan(1e-4);
  }
  expect(Math.abs(shown['entropy']! - entropyFraction(map.rows)), `${what}: entropy`).toBeLessThan(1e-3);
  // The badge: a statistic of at least half the weight and twice each other one (docs/using.md).
  const roles = { 'previous-token': want!.previousToken ?? 0, induction: want!.induction ?? 0, sink: want!.sink ?? 0 };
  const role = Object.entries(roles).find(([r, v]) => v >= 0.5 && Object.entries(roles).every(([o, w]) => o === r || v >= 2 * w))?.[0] ?? '';
  await expect(page.getByTestId(`head-stats-${map.layer}-${map.head}`), what).toHaveAttribute('data-role', role);
  return want!;
}

test('the head grid shows each head\'s statistics on a text with a repeated segment, as computed from its drawn map', async ({ page }) => {
  test.setTimeout(180_000);
  const spec = defaultSpec();
  const text = 'the cat sat on the mat. the cat sat on the mat.';
  const tokens = tokenize(text, spec.maxLen).ids;
  await page.goto('/');
  await setText(page, text);
  await waitForMap(page, tokens.length, text);

  const grid = page.getByTestId('head-grid');
  await expect(page.getByTestId('head-stats-toggle')).toBeChecked(); // 2 layers × 4 heads: shown from the start
  await expect(grid.locator('[data-testid^=head-stats-]')).toHaveCount(2 * spec.nHeads);
  const map = page.getByTestId('attention-map');
  for (const [layer, head] of [[0, 0], [0, 3], [1, 1], [1, 2]] as const) {
    await grid.locator(`button[data-layer="${layer}"][data-head="${head}"]`).click();
    await expect(map).toHaveAttribute('data-layer', String(layer));
    await expect(map).toHaveAttribute('data-head', String(head));
    const drawn = await readMap(page);
    expect(drawn.T).toBe(tokens.length);
    const want = await expectStatsOfMap(page, drawn, tokens, `layer ${layer} head ${head}`);
    expect(want.induction, 'the repeated segment gives every head an induction score').not.toBeNull();
    // What the number means is its tooltip.
    await expect(page.getByTestId(`head-stat-${layer}-${head}-induction`)).toHaveAttribute('title', /Induction score/);
  }

  // No serious accessibility problems in the grid with its statistics, in either theme.
  for (const theme of ['light', 'dark'] as const) {
    if (theme === 'dark') await page.getByRole('button', { name: 'Dark theme' }).click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    const serious = (await new AxeBuilder({ page }).include('.head-grid-panel').analyze()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${theme}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`)).toEqual([]);
  }

  // The statistics fold away behind the toggle, and come back.
  await page.getByTestId('head-stats-toggle').uncheck();
  await expect(grid.locator('[data-testid^=head-stats-]')).toHaveCount(0);
  await expect(grid.locator('button[data-layer]')).toHaveCount(2 * spec.nHeads);
  await page.getByTestId('head-stats-toggle').check();
  await expect(grid.locator('[data-testid^=head-stats-]')).toHaveCount(2 * spec.nHeads);
});

test('a short training run fills the head statistics chart, and the timeline moves its cursor and the grid\'s statistics', async ({ page }) => {
  test.setTimeout(300_000);
  const r = defaultRecipe();
  const every = snapshotEvery(r.steps);
  const probe = Array.from(findTask(r.task)!.heldOut(r.taskParams, r.T, r.text).tokens.subarray(0, r.T));
  expect(probe.length, 'the probe fits a thumbnail, so every head\'s snapshot map is exact').toBeLessThanOrEqual(24);
  const spec = defaultSpec();
  await page.goto('/');
  await waitForMap(page, tokenize(DEFAULT_TEXT, spec.maxLen).ids.length);

  await page.getByTestId('train-start').click();
  const panel = page.getByTestId('timeline-panel');
  await expect.poll(async () => Number(await panel.getAttribute('data-snapshots')), { timeout: 180_000, message: 'training takes three snapshots' }).toBeGreaterThanOrEqual(3);
  await page.getByTestId('train-stop').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'stopped');
  const snapshots = Number(await panel.getAttribute('data-snapshots'));

  // The chart: one point per snapshot for every head of the views' layer, the previous-token score first.
  const chart = page.getByTestId('train-head-stats-chart');
  await expect(chart).toHaveAttribute('data-points', String(snapshots));
  await expect(chart).toHaveAttribute('data-stat', 'previousToken');
  await expect(chart).toHaveAttribute('data-layer', '0');
  await expect(chart).toHaveAttribute('data-heads', String(spec.nHeads));
  expect(numbers(await chart.getAttribute('data-steps'))).toEqual(Array.from({ length: snapshots }, (_, i) => (i + 1) * every));
  const series = async () => ((await chart.getAttribute('data-values')) ?? '').split(';').map(numbers);

  // The timeline at its first and second snapshot: the cursor moves, and the grid shows that snapshot's statistics, which are the chart's points there.
  const timeline = page.getByTestId('timeline');
  const grid = page.getByTestId('head-grid');
  const map = page.getByTestId('attention-map');
  for (const index of [0, 1]) {
    const step = (index + 1) * every;
    await timeline.fill(String(index));
    await expect(chart).toHaveAttribute('data-cursor', String(step));
    await expect(grid).toHaveAttribute('data-step', String(step));
    await expect(map).toHaveAttribute('data-step', String(step));
    const values = await series();
    for (let h = 0; h < spec.nHeads; h++)
      await expect.poll(async () => Number(await page.getByTestId(`head-stat-0-${h}-previousToken`).getAttribute('data-value')), { message: `step ${step} head ${h}` }).toBeCloseTo(values[h]![index]!, 5);
    // …and they are headStats() of the snapshot's drawn map (layer 0, head 0: the view at Train).
    const drawn = await readMap(page);
    expect([drawn.layer, drawn.head, drawn.T]).toEqual([0, 0, probe.length]);
    await expectStatsOfMap(page, drawn, probe, `step ${step}`);
  }
  expect((await series()).some((row) => row[0] !== row[1]), 'the statistics move between snapshots').toBe(true);

  // Another statistic, another layer: the chart follows the menu and the views' layer.
  await page.getByTestId('train-head-stats-stat').selectOption('distance');
  await expect(chart).toHaveAttribute('data-stat', 'distance');
  await page.getByTestId('layer-select').selectOption('1');
  await expect(chart).toHaveAttribute('data-layer', '1');
  const distances = await series();
  for (let h = 0; h < spec.nHeads; h++) expect(Number(await page.getByTestId(`head-stat-1-${h}-distance`).getAttribute('data-value'))).toBeCloseTo(distances[h]![1]!, 5);

  // Export as PNG and SVG, like the other training charts.
  const download = async (testId: string) => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
    return readFileSync((await file.path())!);
  };
  expect((await download('export-head-stats-training-png')).subarray(0, 4).toString('latin1')).toBe('\u0089PNG');
  const svg = (await download('export-head-stats-training-svg')).toString('utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toContain('data-series="head-0"');

  // Now: the grid's statistics are the page's text's again.
  await page.getByTestId('timeline-now').click();
  await expect(grid).toHaveAttribute('data-step', '');
  await expect(chart).toHaveAttribute('data-cursor', '');
});
