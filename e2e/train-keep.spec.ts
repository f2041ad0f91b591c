/**
 * Keeping and sharing what was learned (issue 17 item 8), against the production build on WASM:
 * a short run of the panel's default recipe, stopped after a few dozen steps, survives a reload
 * (status, step and the attention map on its weights); the page's link, opened in a fresh browser
 * context, trains to reproduce with identical losses for the same steps (losses read from the JSON
 * history downloads of both contexts); the exported trained ONNX, run in onnxruntime-node on the
 * task's held-out set, scores the held-out accuracy the page took last (masked positions, argmax,
 * as src/train/trainer.ts evaluates); importing that file restores the weights; a broken file is
 * refused with a message and changes nothing; Forget deletes the kept copy.
 */
import { shareFromLink } from '../src/spec/share';
import { expect, test } from './fixtures';
import { readMap, setText, waitWhileBusy, type DrawnMap } from './helpers';
import { downloaded, heldOutAccuracy } from './trained';
import type { Page } from '@playwright/test';

/** The text the maps are compared on (set after training, so its analysis runs on the final weights). */
const TEXT = 'abc|abc';

interface History {
  recipe: { task: string; taskParams: Record<string, unknown>; T: number; text?: string; steps: number };
  status: string;
  step: number;
  reports: { step: number; loss: number }[];
  evaluations: { step: number; loss: number; accuracy: number }[];
}

const status = (page: Page) => page.getByTestId('train-status');
const step = async (page: Page) => Number(await status(page).getAttribute('data-step'));
const ready = async (page: Page) => (await page.getByTestId('status').textContent()) === 'ready';

const history = async (page: Page): Promise<History> => JSON.parse((await downloaded(page, 'train-history-json')).toString('utf8')) as History;

/** Trains from `start` until at least `atLeast` steps are taken, then stops; resolves with the stopped step. */
async function trainThenStop(page: Page, start: string, atLeast: number): Promise<number> {
  await page.getByTestId(start).click();
  await expect.poll(() => step(page), { timeout: 240_000, message: `training passes step ${atLeast}` }).toBeGreaterThanOrEqual(atLeast);
  await page.getByTestId('train-stop').click();
  await expect(status(page)).toHaveAttribute('data-status', 'stopped', { timeout: 60_000 });
  return step(page);
}

/** The map of TEXT once the page has settled on it. */
async function mapOfText(page: Page): Promise<DrawnMap> {
  const map = page.getByTestId('attention-map');
  await waitWhileBusy(page, async () => (await map.getAttribute('data-text')) === TEXT && (await ready(page)), 'the map of the text');
  return readMap(page);
}

const worstDiff = (a: DrawnMap, b: DrawnMap) => (a.rows.length !== b.rows.length ? Infinity : Math.max(...a.rows.flatMap((row, i) => row.map((v, j) => Math.abs(v - (b.rows[i]?.[j] ?? Infinity))))));

test('a trained model is kept over a reload, reproduced from its link, exported and imported back', async ({ page, browser }) => {
  test.setTimeout(600_000);
  await page.goto('/');
  await waitWhileBusy(page, () => ready(page), 'the first analysis');

  // Train the panel's default recipe for a few dozen steps, then stop: the run ends with an evaluation.
  const stopped = await trainThenStop(page, 'train-start', 30);
  await expect(page.getByTestId('train-keep-message')).toHaveAttribute('data-phase', 'saved');
  const first = await history(page);
  expect(first.status).toBe('stopped');
  expect(first.reports.map((r) => r.step)).toEqual(Array.from({ length: stopped }, (_, i) => i + 1));
  const lastEval = first.evaluations.at(-1)!;
  expect(lastEval.step).toBe(stopped);

  // The exported trained file scores that accuracy on the held-out set in onnxruntime-node.
  const fast = await downloaded(page, 'train-export-fast');
  const scored = await heldOutAccuracy(fast, first.recipe);
  // Two graphs in float32: an argmax may flip at a near-tie, one position at most.
  expect(Math.abs(scored.accuracy - lastEval.accuracy)).toBeLessThanOrEqual(1 / scored.count + 1e-9);
  const inspectFile = await downloaded(page, 'train-export-inspect');

  // The map of the text on the trained weights (asked after the stop, so on the final ones).
  await setText(page, TEXT);
  const trainedMap = await mapOfText(page);

  // The link in the address bar carries the recipe.
  let link = '';
  await expect
    .poll(() => {
      link = page.url();
      const r = shareFromLink(link);
      return r.ok && r.doc.text === TEXT && r.doc.train?.steps === first.recipe.steps;
    }, { message: 'the address bar follows the work, with the recipe' })
    .toBe(true);

  // A reload keeps the trained weights: the run, its step, and the map on its weights.
  await page.reload();
  await expect(status(page)).toHaveAttribute('data-status', 'stopped');
  await expect(status(page)).toHaveAttribute('data-step', String(stopped));
  await expect(page.getByTestId('train-keep-message')).toHaveAttribute('data-phase', 'restored');
  await expect.poll(async () => worstDiff(await mapOfText(page), trainedMap), { message: 'the map after the reload is the trained one' }).toBeLessThanOrEqual(1e-6);
  expect((await history(page)).reports.map((r) => r.loss)).toEqual(first.reports.map((r) => r.loss));

  // A fresh browser context opens the link: the initial weights, and "Train to reproduce".
  const fresh = await browser.newContext();
  try {
    const other = await fresh.newPage();
    await other.goto(link);
    await expect(status(other)).toHaveAttribute('data-status', 'none');
    const seedMap = await mapOfText(other);
    expect(worstDiff(seedMap, trainedMap)).toBeGreaterThan(1e-3); // training moved the map
    const again = await trainThenStop(other, 'train-reproduce', stopped);
    expect(again).toBeGreaterThanOrEqual(stopped);
    const second = await history(other);
    expect(second.recipe).toEqual(first.recipe);
    expect(second.reports.slice(0, stopped).map((r) => r.loss)).toEqual(first.reports.map((r) => r.loss));

    // A broken file is refused with the reason, and nothing changes.
    await other.getByTestId('train-import').setInputFiles({ name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: inspectFile.subarray(0, 200) });
    await expect(other.getByTestId('train-import-message')).toHaveAttribute('data-tone', 'refused');
    await expect(other.getByTestId('train-import-message')).toContainText('broken.onnx was not imported: it is not an ONNX file, or it is damaged');
    await expect(status(other)).toHaveAttribute('data-step', String(again));

    // The exported file imports: its weights are the model's again.
    await other.getByTestId('train-import').setInputFiles({ name: 'trained.onnx', mimeType: 'application/octet-stream', buffer: inspectFile });
    await expect(other.getByTestId('train-import-message')).toHaveAttribute('data-tone', 'done');
    await expect(status(other)).toHaveAttribute('data-status', 'done');
    await expect(status(other)).toHaveAttribute('data-step', String(stopped));
    await expect.poll(async () => worstDiff(await mapOfText(other), trainedMap), { message: 'the map after the import is the trained one' }).toBeLessThanOrEqual(1e-6);
  } finally {
    await fresh.close();
  }

  // Forget deletes the kept copy: the initial weights now, and after a reload.
  await page.getByTestId('train-forget').click();
  await expect(status(page)).toHaveAttribute('data-status', 'none');
  await expect(page.getByTestId('train-keep-message')).toContainText('Forgot the trained weights');
  await page.reload();
  await waitWhileBusy(page, () => ready(page), 'the analysis after the reload');
  await expect(status(page)).toHaveAttribute('data-status', 'none');
  expect(worstDiff(await mapOfText(page), trainedMap)).toBeGreaterThan(1e-3);
});
