/**
 * The live views: head grid, entropy per position and heatmap, residual stream, next token, router
 * map, the dark theme, and chart export. Everything is read from data attributes, never pixels.
 */
import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { choosePreset, waitForMap } from './helpers';

const TEXT = 'The cat sat on the mat because it was warm.';
const T = TEXT.length;

/** A data attribute of rows of numbers ("a,b;c,d") as arrays. */
async function rows(el: Locator, name: string): Promise<number[][]> {
  const raw = (await el.getAttribute(`data-${name}`)) ?? '';
  return raw ? raw.split(';').map((r) => r.split(',').map(Number)) : [];
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`);
}

test.describe('views', () => {
  test.beforeEach(async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, T);
  });

  test('a head-grid thumbnail focuses its layer and head, by click and by keyboard', async ({ page }) => {
    const grid = page.getByTestId('head-grid');
    await expect(grid.locator('button[data-layer]')).toHaveCount(2 * 4);
    const thumb = page.getByRole('button', { name: /^Layer 1, head 2: entropy \d+%$/ });
    await thumb.click();
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-layer', '1');
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-head', '2');
    await expect(thumb).toHaveAttribute('aria-pressed', 'true');
    // The frame's entropy is the entropy list's mean fraction for that head.
    const fraction = Number(await thumb.getAttribute('data-entropy-fraction'));
    const listed = Number(await page.getByTestId('entropy').locator('li[data-head="2"]').getAttribute('data-entropy-fraction'));
    expect(Math.abs(fraction - listed)).toBeLessThan(1e-9);

    const other = page.getByRole('button', { name: /^Layer 0, head 3: entropy/ });
    await other.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-layer', '0');
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-head', '3');
    await expect(page.getByTestId('layer-select')).toHaveValue('0');
    await expect(page.getByTestId('head-select')).toHaveValue('3');
  });

  test('entropy per position averages to the head\'s mean, against the uniform maximum', async ({ page }) => {
    const chart = page.getByTestId('entropy-positions');
    await expect(chart).toHaveAttribute('data-layer', '0');
    const nats = await rows(chart, 'nats');
    expect(nats).toHaveLength(4);
    for (let h = 0; h < 4; h++) {
      expect(nats[h]).toHaveLength(T);
      const shown = Number(await page.getByTestId('entropy').locator(`li[data-head="${h}"]`).getAttribute('data-entropy-nats'));
      expect(Math.abs(mean(nats[h]!) - shown)).toBeLessThan(1e-5);
    }
    // Drawn as fractions of uniform by default: the first causal row has one key and no value;
    // the mean of the others is the head's fraction, and the reference line sits at 100%.
    await expect(chart).toHaveAttribute('data-unit', 'fraction');
    const fractions = await rows(chart, 'values');
    expect(fractions[1]![0]).toBeNaN();
    const listed = Number(await page.getByTestId('entropy').locator('li[data-head="1"]').getAttribute('data-entropy-fraction'));
    expect(Math.abs(mean(fractions[1]!.slice(1)) - listed)).toBeLessThan(1e-5);
    expect((await rows(chart, 'uniform'))[0]!.every((u) => u === 1)).toBe(true);

    // In nats, the reference is log(keys the query sees): log(i + 1) for a causal map.
    await page.getByRole('button', { name: 'nats', exact: true }).click();
    await expect(chart).toHaveAttribute('data-unit', 'nats');
    const uniform = (await rows(chart, 'uniform'))[0]!;
    uniform.forEach((u, i) => expect(u).toBeCloseTo(Math.log(i + 1), 5));
    (await rows(chart, 'values')).forEach((series) => series.forEach((e, i) => expect(e).toBeLessThanOrEqual(uniform[i]! + 1e-4)));
  });

  test('the entropy heatmap has every layer run and head, and a click focuses one', async ({ page }) => {
    const heatmap = page.getByTestId('entropy-heatmap');
    const values = await rows(heatmap, 'values');
    expect(values.map((r) => r.length)).toEqual([4, 4]);
    const listed = Number(await page.getByTestId('entropy').locator('li[data-head="0"]').getAttribute('data-entropy-fraction'));
    expect(Math.abs(values[0]![0]! - listed)).toBeLessThan(1e-6);
    await heatmap.locator('rect.cell').nth(4 + 1).click(); // layer 1, head 1
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-layer', '1');
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-head', '1');
    await heatmap.focus();
    await page.keyboard.press('ArrowUp');
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-layer', '0');
  });

  test('the residual view shows one RMS per depth: embeddings plus each layer run', async ({ page }) => {
    const residual = page.getByTestId('residual');
    await expect(residual).toHaveAttribute('data-depths', '3');
    const [means] = await rows(residual, 'values');
    const [lo] = await rows(residual, 'min');
    const [hi] = await rows(residual, 'max');
    expect(means).toHaveLength(2 + 1);
    means!.forEach((m, d) => {
      expect(m).toBeGreaterThan(0);
      expect(lo![d]!).toBeLessThanOrEqual(m + 1e-6);
      expect(hi![d]!).toBeGreaterThanOrEqual(m - 1e-6);
    });
    await expect(page.getByTestId('residual-placement')).toHaveText('Pre-LN');

    // Post-LN: a LayerNorm (unit gain, zero bias) after every addition leaves each position at RMS ≈ 1.
    await choosePreset(page, 'post-ln');
    await expect(page.getByTestId('residual-placement')).toHaveText('Post-LN');
    const [post] = await rows(residual, 'values');
    expect(post).toHaveLength(3);
    for (const m of post!.slice(1)) expect(m).toBeCloseTo(1, 2);
  });

  test('the next-token view shows the softmax top 10 of the last position, and another on request', async ({ page }) => {
    const next = page.getByTestId('next-token');
    await expect(next).toHaveAttribute('data-position', String(T - 1));
    const [probs] = await rows(next, 'values');
    expect(probs).toHaveLength(10);
    for (let k = 1; k < 10; k++) expect(probs![k]!).toBeLessThanOrEqual(probs![k - 1]!);
    expect(Number(await next.getAttribute('data-argmax-prob'))).toBeCloseTo(probs![0]!, 6);
    const ids = ((await next.getAttribute('data-ids')) ?? '').split(',').map(Number);
    expect(Number(await next.getAttribute('data-argmax'))).toBe(ids[0]);
    const nats = Number(await next.getAttribute('data-entropy-nats'));
    expect(nats).toBeGreaterThan(0);
    expect(nats).toBeLessThanOrEqual(Math.log(97) + 1e-9);
    expect(Number(await next.getAttribute('data-entropy-bits'))).toBeCloseTo(nats / Math.LN2, 9);

    await page.getByTestId('next-token-position').fill('3');
    await expect(next).toHaveAttribute('data-position', '3');
    await expect(page.getByTestId('next-token-context')).toContainText('The␣');
    await page.getByRole('button', { name: 'last token' }).click();
    await expect(next).toHaveAttribute('data-position', String(T - 1));
  });

  test('the router map appears for the MoE preset only, and each token\'s probabilities sum to 1', async ({ page }) => {
    await expect(page.getByRole('region', { name: 'Router' })).toHaveCount(0);
    await choosePreset(page, 'moe');
    const router = page.getByTestId('router-map');
    await expect(router).toHaveAttribute('data-run', '0');
    await expect(router).toHaveAttribute('data-experts', '4');
    const tokens = await rows(router, 'values');
    expect(tokens).toHaveLength(T);
    for (const p of tokens) {
      expect(p).toHaveLength(4);
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-4);
      for (const v of p) expect(v).toBeGreaterThanOrEqual(0);
    }
    await page.getByTestId('layer-select').selectOption('1');
    await expect(router).toHaveAttribute('data-run', '1');
  });

  test('the dark theme is remembered and both themes have no serious accessibility violations', async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'light' });
    const toggle = page.getByRole('button', { name: 'Dark theme' });
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
    expect(await seriousViolations(page)).toEqual([]);

    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-pressed', 'true');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    expect(await page.evaluate(() => localStorage.getItem('tp.theme'))).toBe('dark');
    expect(await seriousViolations(page)).toEqual([]);

    await page.reload();
    await waitForMap(page, T);
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  });

  test('charts export as non-empty PNG and SVG files', async ({ page }) => {
    for (const [kind, magic] of [['svg', '<svg'], ['png', '\u0089PNG']] as const) {
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`export-residual-${kind}`).click()]);
      expect(file.suggestedFilename()).toBe(`residual.${kind}`);
      const bytes = readFileSync((await file.path())!);
      expect(bytes.length).toBeGreaterThan(100);
      expect(bytes.subarray(0, 4).toString('latin1')).toBe(magic);
    }
    const [grid] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-head-grid-svg').click()]);
    const svg = readFileSync((await grid.path())!, 'utf8');
    expect(svg.match(/<image /g)).toHaveLength(2 * 4);
  });
});
