/**
 * The serving projection in the built page: the default model's K/V bytes per token and weights on
 * an H100 profile, checked against the formula 2·kvHeads·headDim·bytes·layers and the compiled
 * parameter count computed here; compare mode's grouped-query model B beside it with half the
 * cache; and "this browser" measured from the page's own fast-graph latency.
 */
import { expect, test } from './fixtures';
import { compile } from '../src/compiler/compile';
import { graphCost } from '../src/graph/cost';
import { findPreset } from '../src/presets';
import { waitForMap, waitWhileBusy } from './helpers';

const DEFAULT_TEXT_LENGTH = 'The cat sat on the mat because it was warm.'.length;
const value = async (cell: import('@playwright/test').Locator) => Number(await cell.getAttribute('data-value'));

test('the serving projection of the default model, its GQA comparison and this browser', async ({ page }) => {
  test.setTimeout(40_000);
  await page.goto('/');
  await waitForMap(page, DEFAULT_TEXT_LENGTH);
  await page.getByTestId('serving-toggle').click();
  await expect(page.getByTestId('serving-profile')).toHaveValue('h100-sxm');
  const perToken = page.getByTestId('serving-state-per-token-a');
  await expect(perToken).not.toHaveAttribute('data-value', '', { timeout: 20_000 });

  const spec = findPreset('default')!.spec();
  const layers = spec.layers.length;
  const headDim = spec.dModel / spec.nHeads;
  // bf16 (2 bytes), batch 1: K and V, every head its own (MHA), every layer.
  expect(await value(perToken)).toBe(2 * spec.nHeads * headDim * 2 * layers);
  const params = graphCost(compile(spec, { T: 1, mode: 'fast' })).total.params;
  await page.getByTestId('serving-slider').fill('6'); // L = 64 ≤ maxLen: the model's own weights
  await expect(page.getByTestId('serving-context')).toHaveText('64');
  expect(await value(page.getByTestId('serving-weights-a'))).toBe(2 * params);
  // An H100's 80 GB holds this small model's cache for 2^20 tokens.
  expect(await value(page.getByTestId('serving-longest-a'))).toBe(2 ** 20);
  const decode = await value(page.getByTestId('serving-decode-bound-a'));
  expect(decode).toBeGreaterThan(0);
  await expect(page.getByTestId('serving-decode-chart')).toHaveAttribute('data-values', /\d/);

  // fp32 doubles the bytes.
  await page.getByTestId('serving-precision').selectOption('fp32');
  await expect(perToken).toHaveAttribute('data-value', String(2 * spec.nHeads * headDim * 4 * layers));

  // Compare with the LLaMA-style preset: 2 K/V heads for 4 query heads, half the cache.
  await page.getByTestId('compare-select').selectOption('llama-style');
  const perTokenB = page.getByTestId('serving-state-per-token-b');
  await expect(perTokenB).toHaveAttribute('data-value', String(2 * 2 * headDim * 4 * layers), { timeout: 20_000 });

  // This browser: an effective FLOP/s measured from the fast graph's latency.
  await expect(page.getByTestId('serving-browser-flops')).toBeVisible({ timeout: 20_000 });
  expect(Number(await page.getByTestId('serving-check').getAttribute('data-rate'))).toBeGreaterThan(0);
  await page.getByTestId('serving-profile').selectOption('browser');
  await expect(page.getByTestId('serving-profile-text')).toContainText('measured');
});

test('the decode bound checked against the decode steps the latency view measured', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto('/');
  await waitForMap(page, DEFAULT_TEXT_LENGTH);
  const part = page.getByTestId('decode-sweep');
  await page.getByTestId('decode-sweep-max').selectOption('32');
  await page.getByTestId('decode-sweep-run').click();
  await waitWhileBusy(page, async () => (await part.getAttribute('data-state')) === 'done', 'the decode sweep');
  await page.getByTestId('serving-toggle').click();
  const table = page.getByTestId('serving-decode-check');
  await expect(table).toBeVisible({ timeout: 20_000 });
  const rate = Number(await page.getByTestId('serving-check').getAttribute('data-rate'));
  const spec = findPreset('default')!.spec();
  // Independently: bytes a decode step reads at context L in float32 = weights + the K/V cache of L tokens.
  const params = graphCost(compile(spec, { T: 1, mode: 'fast' })).total.params;
  const bytes = (L: number) => 4 * params + 4 * 2 * spec.dModel * spec.layers.length * L;
  const rows = await table.locator('tbody tr').all();
  const measured = await Promise.all(rows.map(async (r) => ({ L: Number(await r.getAttribute('data-t')), ms: Number(await r.getAttribute('data-measured')), projected: Number(await r.getAttribute('data-projected')) })));
  expect(measured.map((m) => m.L)).toEqual([16, 32]);
  for (const m of measured) expect(m.ms).toBe(Number(await page.getByTestId(`decode-cell-a-decode-${m.L}`).getAttribute('data-ms')));
  // The bandwidth is calibrated on the longest context; each bound is max(FLOPs / rate, bytes / bandwidth).
  const last = measured[measured.length - 1]!;
  const bandwidth = bytes(last.L) / (last.ms / 1000);
  expect(Number(await table.getAttribute('data-bandwidth'))).toBeCloseTo(bandwidth, 0);
  for (const m of measured) {
    const flops = graphCost(compile(spec, { T: m.L, mode: 'decode' })).total.flops;
    const bound = Math.max(flops / rate, bytes(m.L) / bandwidth) * 1000;
    expect(Math.abs(m.projected - bound) / bound).toBeLessThan(1e-6);
  }
});
