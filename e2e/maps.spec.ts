/**
 * How maps are coloured and exported: long texts draw as block means of the exported model's own
 * map (computed here from the ONNX file in onnxruntime-node); signed implicit maps get a diverging
 * scale centred on 0; the compare difference map's colours match its legend; an exported map picture
 * says what it shows. Colours are read from data attributes ("rrggbb" per cell), never pixels.
 */
import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import * as ort from 'onnxruntime-node';
import { defaultSpec } from '../src/spec/defaults';
import { tokenize } from '../src/spec/vocab';
import { expect, test } from './fixtures';
import { choosePreset, readMap, setText, waitForMap } from './helpers';

const TEXT = 'The cat sat on the mat because it was warm.';

async function downloaded(page: Page, testId: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return readFileSync((await file.path())!);
}

/** Head `head` of layer run `layer`'s full [T, T] map, from the ONNX file the page exports, run here. */
async function exportedMap(page: Page, text: string, maxLen: number, layer: number, head: number): Promise<{ T: number; map: Float32Array }> {
  const bytes = await downloaded(page, 'export-onnx');
  const ids = tokenize(text, maxLen).ids;
  const T = ids.length;
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ tokens: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, T]) });
  const probs = out[`attn_probs.${layer}`]!.data as Float32Array;
  const map = probs.slice(head * T * T, (head + 1) * T * T);
  await session.release();
  return { T, map };
}

/** A data attribute of rows ("a,b;c,d") as strings. */
async function cells(el: Locator, name: string): Promise<string[][]> {
  const raw = (await el.getAttribute(`data-${name}`)) ?? '';
  return raw ? raw.split(';').map((r) => r.split(',')) : [];
}

/** "rrggbb" as [r, g, b]. */
const rgbOf = (hex: string): [number, number, number] => [0, 2, 4].map((k) => parseInt(hex.slice(k, k + 2), 16)) as [number, number, number];

/** A text of exactly `n` characters. */
const textOf = (n: number): string => 'The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. '.repeat(Math.ceil(n / 86)).slice(0, n);

test('texts longer than 512 tokens draw as block means of the exported model\'s full map, and the status stays honest', async ({ page }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await waitForMap(page, TEXT.length);
  // A small model (1 layer, d_model 16, 2 heads) that takes 4096 tokens inside the memory budget.
  const base = defaultSpec();
  const spec = { ...base, name: 'Long-text test model', dModel: 16, nHeads: 2, maxLen: 4096, layers: base.layers.slice(0, 1) };
  await page.getByTestId('import-config').setInputFiles({ name: 'long.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(spec)) });
  await expect(page.getByTestId('model-name')).toHaveText(spec.name);
  await waitForMap(page, TEXT.length);
  await page.getByTestId('head-select').selectOption('1');
  await expect(page.getByTestId('attention-map')).toHaveAttribute('data-head', '1');

  const map = page.getByTestId('attention-map');
  for (const n of [513, 1000, 4096]) {
    const text = textOf(n);
    await setText(page, text);
    const slow = { timeout: 120_000 };
    await expect(map).toHaveAttribute('data-t', String(n), slow);
    await expect(page.getByTestId('status')).toHaveText('ready', slow);
    await expect(page.getByText('could not be drawn')).toHaveCount(0);
    const block = Number(await map.getAttribute('data-block'));
    const drawn = await readMap(page);
    const side = drawn.T; // data-rows: cells a side
    expect(block).toBeGreaterThan(1);
    expect(side).toBeLessThanOrEqual(512);
    expect(side * block).toBeGreaterThanOrEqual(n);
    await expect(page.getByTestId('map-downsampled')).toContainText(`${n} tokens shown as ${side} × ${side} cells`);

    // Block means of the file's full map, in float64: cell (I, J) averages the queries and keys of its block that exist.
    const { T, map: full } = await exportedMap(page, text, spec.maxLen, 0, 1);
    expect(T).toBe(n);
    let worst = 0;
    let largest = 0;
    for (let I = 0; I < side; I++)
      for (let J = 0; J < side; J++) {
        let sum = 0;
        let count = 0;
        for (let i = I * block; i < Math.min(T, (I + 1) * block); i++)
          for (let j = J * block; j < Math.min(T, (J + 1) * block); j++) {
            sum += full[i * T + j]!;
            count++;
          }
        const mean = sum / count;
        largest = Math.max(largest, mean);
        worst = Math.max(worst, Math.abs(drawn.rows[I]![J]! - mean));
      }
    expect(worst, `T = ${n}: largest difference from the block means`).toBeLessThan(1e-6);

    if (n === 1000) {
      // The exported picture of a downsampled map labels the first token of every labelled cell, and says which cells are labelled.
      const svg = (await downloaded(page, 'export-attention-map-svg')).toString('utf8');
      const keys = [...svg.matchAll(/<text class="tick-key" data-index="(\d+)"[^>]*>([^<]*)<\/text>/g)].map((m) => [Number(m[1]), m[2]] as const);
      expect(keys.length).toBeGreaterThan(1);
      const step = keys[1]![0] - keys[0]![0];
      keys.forEach(([c, label], k) => {
        expect(c).toBe(k * step);
        expect(label).toBe(String(c * block));
      });
      expect(keys.length * step).toBeGreaterThanOrEqual(side);
      expect(svg).toContain(`One cell in ${step} is labelled, with the first token of its block.`);
      expect(svg).toContain(`${n} tokens in ${side} × ${side} cells, each the mean of a ${block} × ${block} block`);
    }
  }
  expect(errors).toEqual([]);
});

test('signed implicit maps are diverging around 0 by default (PoolFormer: the diagonal −2/3 is red, the 1/3 before it blue), magnitudes on request', async ({ page }) => {
  await page.goto('/');
  await waitForMap(page, TEXT.length);
  await choosePreset(page, 'poolformer');
  const map = page.getByTestId('attention-map');
  await expect(map).toHaveAttribute('data-colour-scale', 'diverging');
  await expect(page.getByTestId('map-legend')).toContainText('diverging');
  await expect(page.getByTestId('map-legend')).toContainText('centred on 0');
  await expect(page.getByTestId('map-legend-bar')).toHaveAttribute('data-scale', 'diverging');

  // Causal average pooling over 3 tokens, less the identity: weight 1/3 − 1 on the diagonal, 1/3 on the two keys before.
  const { rows, T } = await readMap(page);
  const colours = await cells(map, 'colours');
  expect(colours).toHaveLength(T);
  for (let i = 2; i < T; i++) {
    expect(rows[i]![i]!).toBeCloseTo(1 / 3 - 1, 5);
    expect(rows[i]![i - 1]!).toBeCloseTo(1 / 3, 5);
    const [dr, , db] = rgbOf(colours[i]![i]!);
    const [pr, , pb] = rgbOf(colours[i]![i - 1]!);
    expect(dr, `diagonal (${i}, ${i}) is red`).toBeGreaterThan(db);
    expect(pb, `(${i}, ${i - 1}) is blue`).toBeGreaterThan(pr);
  }
  // The legend's ends are −max and +max.
  const max = Math.max(...rows.flat().map(Math.abs));
  await expect(page.getByTestId('map-legend-bar').locator('xpath=preceding-sibling::span[1]')).toHaveText((-max).toFixed(3));

  await page.getByTestId('map-sign').selectOption('magnitude');
  await expect(map).toHaveAttribute('data-colour-scale', 'magnitude');
  await expect(page.getByTestId('map-legend')).toContainText('magnitudes |weight|');
  const mags = await cells(map, 'colours');
  const darkness = (hex: string) => 765 - rgbOf(hex).reduce((a, b) => a + b, 0);
  for (let i = 2; i < T; i++) {
    const [r, , b] = rgbOf(mags[i]![i]!);
    expect(b).toBeGreaterThanOrEqual(r); // Blues
    expect(darkness(mags[i]![i]!)).toBeGreaterThan(darkness(mags[i]![i - 1]!)); // |−2/3| > 1/3
  }
});

test('the compare difference map is orange where B − A > 0 and purple where it is < 0, as its legend says', async ({ page }) => {
  await page.goto('/');
  await waitForMap(page, TEXT.length);
  await page.getByTestId('compare-select').selectOption('alibi');
  await page.getByTestId('layer-select').selectOption('1');
  const diff = page.getByTestId('compare-diff');
  await expect(diff).toHaveAttribute('data-rows', String(TEXT.length));
  await expect(page.getByTestId('compare-diff-legend')).toContainText('orange where B puts more weight than A, purple where it puts less');
  // B − A from the two maps on screen (each checked against its exported model in compare.spec.ts).
  const a = (await cells(page.getByTestId('compare-map-a'), 'values')).map((r) => r.map(Number));
  const b = (await cells(page.getByTestId('compare-map-b'), 'values')).map((r) => r.map(Number));
  const colours = await cells(diff, 'colours');
  let max = 0;
  a.forEach((row, i) => row.forEach((v, j) => (max = Math.max(max, Math.abs(b[i]![j]! - v)))));
  let positive = 0;
  let negative = 0;
  a.forEach((row, i) =>
    row.forEach((v, j) => {
      const d = b[i]![j]! - v;
      if (Math.abs(d) < 0.2 * max) return; // near 0 both ends fade to white
      const [r, , bl] = rgbOf(colours[i]![j]!);
      if (d > 0) {
        positive++;
        expect(r, `B − A = ${d} at (${i}, ${j}) is orange`).toBeGreaterThan(bl);
      } else {
        negative++;
        expect(bl, `B − A = ${d} at (${i}, ${j}) is purple`).toBeGreaterThan(r);
      }
    }),
  );
  expect(positive).toBeGreaterThan(0);
  expect(negative).toBeGreaterThan(0);
});

test('the exported map picture has a title, a colour legend and every token labelled', async ({ page }) => {
  await page.goto('/');
  await waitForMap(page, TEXT.length);
  await page.getByTestId('layer-select').selectOption('1');
  await page.getByTestId('head-select').selectOption('2');
  await expect(page.getByTestId('attention-map')).toHaveAttribute('data-head', '2');
  const model = (await page.getByTestId('model-name').textContent())!;
  const svg = (await downloaded(page, 'export-attention-map-svg')).toString('utf8');

  expect(svg).toContain(`Attention map: ${model}, layer run 1, head 2`);
  expect(svg).toContain(`${TEXT.length} tokens · rows: queries · columns: keys`);
  expect(svg).toMatch(/<linearGradient id="map-legend-gradient">(<stop [^>]+>){2,}<\/linearGradient>/);
  expect(svg).toContain('url(#map-legend-gradient)');
  expect(svg).toContain('Colour: √ scale of the weight');
  expect(svg).toContain('Every token is labelled.');
  const shown = [...TEXT].map((c) => (c === ' ' ? '␣' : c));
  const labels = (cls: string) => [...svg.matchAll(new RegExp(`<text class="${cls}" data-index="(\\d+)"[^>]*>([^<]*)</text>`, 'g'))].map((m) => m[2]);
  expect(labels('tick-key')).toEqual(shown);
  expect(labels('tick-query')).toEqual(shown);
});

test('the page writes every drawn value into the DOM only when asked (tests ask; a 512-token map is megabytes of text)', async ({ page }) => {
  await page.goto('/');
  const map = page.getByTestId('attention-map');
  await waitForMap(page, 43);
  expect(((await map.getAttribute('data-values')) ?? '').split(';')).toHaveLength(43); // asked for by the fixture
  await page.evaluate(() => delete (globalThis as { __tpDrawnData?: unknown }).__tpDrawnData);
  await page.getByTestId('head-select').selectOption('1');
  await expect(map).toHaveAttribute('data-head', '1');
  await expect(map).toHaveAttribute('data-rows', '43');
  await expect(map).toHaveAttribute('data-values', '');
  await expect(map).toHaveAttribute('data-colours', '');
});
