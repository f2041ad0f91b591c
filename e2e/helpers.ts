/** Reading what the app drew, through data attributes (never pixels). */
import { expect, type Page } from '@playwright/test';
import { PRESETS } from '../src/presets';
import { blockInfo } from '../src/spec/catalog';

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

/** How long a wait lets the page sit with nothing in progress before it fails (never while the page works). */
const STALL_MS = 30_000;

/**
 * Waits until `done()` holds, checked again at each change of the page, for as long as the page shows work in progress: the runtime loading,
 * a model compiling or running (the status line's busy phase), or a worker answering any request,
 * latency figures included (its data-worker-busy). It fails at once when the status shows an error
 * (unless `errorExpected`), and after STALL_MS in which nothing was in progress and `done()` stayed
 * false. So a wait follows the page's progress, not a budget sized for a quiet machine: a
 * SwiftShader compile that takes 15 s on a busy machine is waited for, a hung page is not.
 */
export async function waitWhileBusy(page: Page, done: () => Promise<boolean>, what: string, opts: { errorExpected?: boolean } = {}): Promise<void> {
  const status = page.getByTestId('status');
  let idleSince = Date.now();
  for (;;) {
    const seen = await pageChanges(page);
    if (await done()) return;
    const [phase, worker] = [await status.getAttribute('data-phase'), await status.getAttribute('data-worker-busy')];
    if (phase === 'error' && !opts.errorExpected) throw new Error(`${what}: the page says "${await status.textContent()}"`);
    if (phase === 'busy' || worker === 'true') idleSince = Date.now();
    else if (Date.now() - idleSince > STALL_MS) throw new Error(`${what}: nothing in progress for ${STALL_MS / 1000} s (status "${await status.textContent()}")`);
    await pageChanges(page, seen);
  }
}

/**
 * The backend ('webgpu' or 'wasm') the latency figure on screen was measured on, once one is shown,
 * waiting as long as the page works (on SwiftShader under load a figure can take minutes). The
 * value is the one seen when the wait ended: a fresh result right after it hides the figure again
 * ("measuring…") while it is re-measured, so a second read could find none.
 */
export async function latencyProvider(page: Page, what: string): Promise<string> {
  const latency = page.getByTestId('latency');
  let provider = null as string | null;
  await waitWhileBusy(page, async () => (provider = await latency.getAttribute('data-provider')) !== null, what);
  return provider!;
}

/**
 * Counts the page's changes (attributes, texts, elements: every state a wait reads is in the DOM,
 * so nothing can become true without one). With `after`, resolves once the count passes it, or
 * after STALL_MS with no change, so a wait can tell a quiet page from a working one; without,
 * returns the count now. Reading the count before checking a state and waiting past it afterwards
 * misses no change that came in between.
 */
function pageChanges(page: Page, after?: number): Promise<number> {
  return page.evaluate(
    ({ after, stallMs }) => {
      type Watch = { count: number; wake: (() => void) | null };
      const g = globalThis as { __tpChanges?: Watch };
      if (!g.__tpChanges) {
        const watch: Watch = (g.__tpChanges = { count: 0, wake: null });
        new MutationObserver(() => {
          watch.count++;
          watch.wake?.();
        }).observe(document.documentElement, { subtree: true, attributes: true, childList: true, characterData: true });
      }
      const watch = g.__tpChanges;
      if (after === undefined || watch.count > after) return watch.count;
      return new Promise<number>((resolve) => {
        const limit = setTimeout(() => finish(), stallMs);
        const finish = () => {
          clearTimeout(limit);
          watch.wake = null;
          resolve(watch.count);
        };
        watch.wake = finish;
      });
    },
    { after, stallMs: STALL_MS },
  );
}

/** Whether the status line says the page is settled. */
const isReady = async (page: Page) => (await page.getByTestId('status').textContent()) === 'ready';

/** Waits until the drawn map has `T` rows (and is the map of `text`, when given) and the status is settled. */
export async function waitForMap(page: Page, T: number, text?: string): Promise<DrawnMap> {
  const map = page.getByTestId('attention-map');
  await waitWhileBusy(
    page,
    async () => (await map.getAttribute('data-rows')) === String(T) && (text === undefined || (await map.getAttribute('data-text')) === text) && (await isReady(page)),
    `a map of ${T} tokens`,
  );
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
 * Chooses a preset and waits, for as long as the page works on it (gpt2-small: 85 M parameters,
 * seconds to compile and load), until a result newer than the one on screen is drawn and settled.
 */
export async function choosePreset(page: Page, id: string): Promise<DrawnMap> {
  const resultId = async () => Number((await page.getByTestId('attention-map').getAttribute('data-result-id')) ?? -1);
  const before = await resultId();
  await page.getByTestId('preset-select').selectOption(id);
  await waitWhileBusy(page, async () => (await resultId()) > before && (await isReady(page)), `a new map for ${id}`);
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

/** Presets whose first layer is attention-free: their maps are implicit (as the mixer's block declares). */
export const IMPLICIT = new Set(PRESETS.filter((p) => blockInfo('mixer', p.spec().layers[0]!.mixer.kind)?.map === 'implicit').map((p) => p.id));
/** Of those, the ones whose implicit rows are still distributions (linear attention normalises them). */
const STOCHASTIC = new Set(['linear-attention']);

/** The first layer's map of a preset: causal rows that sum to 1, or a causal implicit map. */
export function expectPresetMap(presetId: string, map: DrawnMap): void {
  if (IMPLICIT.has(presetId) && !STOCHASTIC.has(presetId)) expectCausalImplicitMap(map);
  else expectCausalRows(map);
}
