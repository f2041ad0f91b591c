// Decoding in the page: continuing the text runs the decode graph and draws one point per step
// (the prompt read into the cache, then one per character made); the prefill-against-decode
// measurement draws its curves from its own numbers. That the decode path chooses the same
// characters as the forward pass is a unit test (test/workers/decodeGenerate.test.ts), not this one.
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { waitForMap, waitWhileBusy } from './helpers';

const TEXT_LENGTH = 'The cat sat on the mat because it was warm.'.length;

const points = async (page: Page) => ((await page.getByTestId('token-latency-chart').getAttribute('data-points')) ?? '').split(';').filter(Boolean);

test('continuing the text decodes token by token and draws each step’s latency', async ({ page }) => {
  await page.goto('/');
  await waitForMap(page, TEXT_LENGTH);
  await page.getByTestId('continue-count').fill('5');
  await page.getByTestId('continue-sample').check();
  await page.getByTestId('continue-topk').fill('3');
  await page.getByTestId('continue-button').click();
  const output = page.getByTestId('continue-output');
  await expect(output).toHaveAttribute('data-phase', 'done', { timeout: 30_000 });
  const chart = page.getByTestId('token-latency-chart');
  // One point per step: the text's characters but the last fill the cache, then one step per character made.
  await expect(chart).toHaveAttribute('data-generated', '5');
  await expect(chart).toHaveAttribute('data-prompt', String(TEXT_LENGTH - 1));
  await expect(chart.locator('.token-step')).toHaveCount(TEXT_LENGTH - 1 + 5);
  const drawn = await points(page);
  expect(drawn).toHaveLength(TEXT_LENGTH - 1 + 5);
  expect(drawn.every((p, i) => p.startsWith(`${i}:`) && p.endsWith(':decode') && Number(p.split(':')[1]) > 0)).toBe(true);
  await expect(page.getByTestId('continue-path')).toHaveAttribute('data-capacity', String(TEXT_LENGTH + 4));
  await expect(page.getByTestId('continue-path')).toContainText('decode graph');
  await expect(page.getByTestId('continuation')).toHaveText(/^.{5}$/s);
});

test('prefill against decode in compare mode: four curves, their exponents, the table says the chart’s numbers, crossovers stated', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto('/');
  await waitForMap(page, TEXT_LENGTH);
  await page.getByTestId('compare-select').selectOption('sliding-window');
  const part = page.getByTestId('decode-sweep');
  await page.getByTestId('decode-sweep-max').selectOption('32');
  await page.getByTestId('decode-sweep-run').click();
  await waitWhileBusy(page, async () => (await part.getAttribute('data-state')) === 'done', 'the decode sweep');
  const values = JSON.parse((await page.getByTestId('decode-sweep-chart').getAttribute('data-values'))!) as { slot: string; kind: string; points: { T: number; ms: number }[]; exponent: number | null }[];
  expect(values.map((v) => `${v.slot}:${v.kind}`)).toEqual(['a:prefill', 'a:decode', 'b:prefill', 'b:decode']);
  for (const v of values) {
    expect(v.points.map((p) => p.T)).toEqual([16, 32]);
    expect(Number.isFinite(v.exponent)).toBe(true);
    for (const p of v.points) expect(Number(await page.getByTestId(`decode-cell-${v.slot}-${v.kind}-${p.T}`).getAttribute('data-ms'))).toBe(p.ms);
    expect(Number(await page.getByTestId(`decode-exponent-${v.slot}-${v.kind}`).getAttribute('data-exponent'))).toBe(v.exponent);
  }
  await expect(page.getByTestId('decode-series-a-decode').locator('circle')).toHaveCount(2);
  // Where A's and B's curves cross is said for decode and prefill; a crossing measured inside the range is marked at its length.
  for (const kind of ['decode', 'prefill']) {
    const said = page.getByTestId(`${kind}-crossover`);
    await expect(said).toContainText(`The ${kind} latencies`);
    const how = await said.getAttribute('data-how');
    if (how === 'measured') await expect(page.getByTestId(`decode-crossover-mark-${kind}`)).toHaveAttribute('data-t', (await said.getAttribute('data-t'))!);
  }
});
