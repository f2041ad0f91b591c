/** Reading what the app drew, through data attributes (never pixels). */
import { expect, type Page } from '@playwright/test';

export interface DrawnMap {
  layer: number;
  head: number;
  T: number;
  rows: number[][];
  resultId: number;
}

/** The attention map currently on screen. */
export async function readMap(page: Page): Promise<DrawnMap> {
  const map = page.getByTestId('attention-map');
  const d = await map.evaluate((el: HTMLElement) => ({ ...el.dataset }));
  const T = Number(d['rows']);
  const rows = T ? (d['values'] ?? '').split(';').map((r) => r.split(',').map(Number)) : [];
  return { layer: Number(d['layer']), head: Number(d['head']), T, rows, resultId: Number(d['resultId']) };
}

/** Waits until the drawn map has `T` rows (and is the map of `text`, when given) and the status is settled. */
export async function waitForMap(page: Page, T: number, text?: string): Promise<DrawnMap> {
  await expect(page.getByTestId('attention-map')).toHaveAttribute('data-rows', String(T));
  if (text !== undefined) await expect(page.getByTestId('attention-map')).toHaveAttribute('data-text', text);
  await expect(page.getByTestId('status')).toHaveText('ready');
  return readMap(page);
}

/** Asserts each row sums to 1 within 1e-4 and, for a causal map, that nothing lies above the diagonal. */
export function expectCausalRows(map: DrawnMap): void {
  expect(map.T).toBeGreaterThan(0);
  expect(map.rows).toHaveLength(map.T);
  const problems: string[] = [];
  map.rows.forEach((row, i) => {
    if (row.length !== map.T) problems.push(`row ${i} has ${row.length} values`);
    const sum = row.reduce((a, b) => a + b, 0);
    if (!(Math.abs(sum - 1) <= 1e-4)) problems.push(`row ${i} sums to ${sum}`);
    row.forEach((v, j) => {
      if (!(v >= 0)) problems.push(`weight (${i}, ${j}) is ${v}`);
      if (j > i && v !== 0) problems.push(`weight (${i}, ${j}) = ${v} lies above the diagonal`);
    });
  });
  expect(problems.slice(0, 10)).toEqual([]);
}

/** Replaces the text in the text box. */
export async function setText(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Text' }).fill(text);
}

/**
 * Chooses a preset and waits until a result newer than the one on screen is drawn and settled.
 * `timeout` is for the map and the status (the expect timeout when not given): a preset with a
 * large model (gpt2-small: 85 M parameters) takes seconds to compile and load.
 */
export async function choosePreset(page: Page, id: string, timeout?: number): Promise<DrawnMap> {
  const before = Number((await page.getByTestId('attention-map').getAttribute('data-result-id')) ?? -1);
  await page.getByTestId('preset-select').selectOption(id);
  await expect.poll(async () => Number(await page.getByTestId('attention-map').getAttribute('data-result-id')), { message: `a new map for ${id}`, timeout }).toBeGreaterThan(before);
  await expect(page.getByTestId('status')).toHaveText('ready', { timeout });
  return readMap(page);
}

/** An implicit map: zero above the diagonal (causal), finite everywhere, not all zero. */
export function expectCausalImplicitMap(map: DrawnMap): void {
  expect(map.T).toBeGreaterThan(0);
  const problems: string[] = [];
  let nonzero = 0;
  map.rows.forEach((row, i) => row.forEach((v, j) => {
    if (!Number.isFinite(v)) problems.push(`(${i}, ${j}) is ${v}`);
    if (j > i && v !== 0) problems.push(`(${i}, ${j}) = ${v} lies above the diagonal`);
    if (v !== 0) nonzero++;
  }));
  expect(problems.slice(0, 10)).toEqual([]);
  expect(nonzero).toBeGreaterThan(0);
}
