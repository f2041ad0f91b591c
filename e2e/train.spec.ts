/**
 * Training in the page (the Train panel, src/ui/train/TrainControls.tsx) against the production
 * build, WASM: the default model trained on copy (strings of at most 4 letters, T = 8, batch 16)
 * for 200 steps; its loss falls (the loss chart draws it), the held-out accuracy shown is the
 * exported trained ONNX file's in onnxruntime-node, and the views' badge says the weights are trained. A second run of
 * the same recipe, paused and resumed in the middle, takes the same steps with the same losses as
 * the uninterrupted one (same seed: same batches). An edit of the architecture stops a job and
 * says why; an edit of the text does not. Compare mode trains A and B on the same batches (B a
 * snapshot of A: the same losses). A recipe over the training memory budget is refused before
 * anything is compiled, with the numbers and what to reduce. The panel passes axe.
 *
 * The page writes each run's step numbers and losses into data attributes for these tests
 * (src/ui/views/drawnData.ts). Every wait is on a state, with timeouts for a busy 2-core machine.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { DEFAULT_TEXT, defaultSpec } from '../src/spec/defaults';
import { tokenize } from '../src/spec/vocab';
import { expect, test } from './fixtures';
import { setText, waitForMap } from './helpers';
import { downloaded, heldOutAccuracy } from './trained';

const T_TEXT = tokenize(DEFAULT_TEXT, defaultSpec().maxLen).ids.length;
/** How long a run of a few hundred steps may take on a loaded machine. */
const RUN_TIMEOUT = 240_000;

/** Unfolds the task and recipe fields (folded by default under a one-line summary). */
async function openRecipe(page: Page) {
  const details = page.getByTestId('train-recipe');
  if ((await details.getAttribute('open')) === null) await page.getByTestId('train-recipe-toggle').click();
  await expect(details).toHaveAttribute('open', '');
}

/** Sets the recipe's fields: copy of strings up to 4 letters at T = 8, `steps` steps. */
async function smallCopy(page: Page, steps: number) {
  await openRecipe(page);
  await expect(page.getByTestId('train-task')).toHaveValue('copy');
  await page.getByTestId('train-param-maxLen').fill('4');
  await page.getByTestId('train-T').fill('8');
  await page.getByTestId('train-steps').fill(String(steps));
  await expect(page.getByTestId('train-budget')).toHaveAttribute('data-state', 'fits');
  await expect(page.getByTestId('train-recipe-toggle')).toContainText(`Copy (maxLen 4) · batch 16 · T = 8 · ${steps.toLocaleString('en-US')} steps`);
}

/** A run's step numbers and losses as the page received them ('' : the B run's suffix). */
async function curve(page: Page, slot: '' | '-b' = '') {
  const bar = page.getByTestId(`train-progress${slot}`);
  const list = async (name: string) => ((await bar.getAttribute(name)) ?? '').split(',').filter(Boolean).map(Number);
  return { steps: await list('data-report-steps'), losses: await list('data-losses') };
}

const statusOf = (page: Page, slot: '' | '-b' = '') => page.getByTestId(`train-status${slot}`);
const stepOf = async (page: Page, slot: '' | '-b' = '') => Number(await statusOf(page, slot).getAttribute('data-step'));
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** The loss of the last 20 steps is well under that of the first 10 (an untrained model's is about ln 97 ≈ 4.6). */
function expectFalling(losses: number[]) {
  const first = mean(losses.slice(0, 10));
  const last = mean(losses.slice(-20));
  expect(first).toBeGreaterThan(3);
  expect(last, `loss of the first 10 steps ${first}, of the last 20 ${last}`).toBeLessThan(0.5 * first);
}

test('the default model learns copy: the loss falls, the badge says trained; a paused and resumed run continues the same curve', async ({ page }) => {
  test.setTimeout(3 * RUN_TIMEOUT);
  await page.goto('/');
  await waitForMap(page, T_TEXT);
  await expect(statusOf(page)).toHaveAttribute('data-status', 'none');
  await expect(page.getByTestId('weights-badge')).toHaveText('initial (seed 1)');
  await smallCopy(page, 200);

  await page.getByTestId('train-start').click();
  await expect(statusOf(page)).toHaveAttribute('data-status', 'done', { timeout: RUN_TIMEOUT });
  await expect(statusOf(page)).toHaveAttribute('data-step', '200');
  const whole = await curve(page);
  expect(whole.steps).toEqual(oneTo(200));
  expectFalling(whole.losses);
  await expect(page.getByTestId('train-progress')).toHaveAttribute('aria-valuenow', '200');
  // The loss chart draws the falling curve.
  const drawn = ((await page.getByTestId('train-loss-chart').getAttribute('data-loss')) ?? '').split(',').map(Number);
  expect(drawn).toHaveLength(200);
  drawn.forEach((v, i) => expect(Math.abs(v - whole.losses[i]!)).toBeLessThanOrEqual(1e-6 * Math.abs(whole.losses[i]!)));
  // The held-out accuracy shown is the exported trained model's, evaluated in onnxruntime-node on the task's held-out set.
  const shown = page.getByTestId('train-accuracy');
  await expect(shown).toHaveAttribute('data-step', '200');
  const accuracy = Number(await shown.getAttribute('data-accuracy'));
  expect(accuracy).toBeGreaterThan(0.5);
  const scored = await heldOutAccuracy(await downloaded(page, 'train-export-fast'), { task: 'copy', taskParams: { maxLen: 4 }, T: 8 });
  // Two runtimes in float32: an argmax may flip at a near-tie, one position at most.
  expect(Math.abs(scored.accuracy - accuracy), `page ${accuracy}, onnxruntime-node ${scored.accuracy} of ${scored.count}`).toBeLessThanOrEqual(1 / scored.count + 1e-9);
  await expect(shown).toContainText(`held-out accuracy ${(100 * accuracy).toFixed(1)}%`);
  // The views ran again on the trained weights.
  await expect(page.getByTestId('weights-badge')).toHaveText('trained: 200 steps of copy', { timeout: 60_000 });

  // Reset: the initial weights again.
  await page.getByTestId('train-reset').click();
  await expect(statusOf(page)).toHaveAttribute('data-status', 'none');
  await expect(page.getByTestId('weights-badge')).toHaveText('initial (seed 1)', { timeout: 60_000 });

  // The same recipe again, paused after 40 steps or more, then resumed.
  await page.getByTestId('train-start').click();
  await expect.poll(() => stepOf(page), { timeout: RUN_TIMEOUT, intervals: [50] }).toBeGreaterThanOrEqual(40);
  await page.getByTestId('train-pause').click();
  await expect(statusOf(page)).toHaveAttribute('data-status', 'paused', { timeout: 60_000 });
  const at = await stepOf(page);
  expect(at).toBeLessThan(200);
  const before = await curve(page);
  expect(before.steps).toEqual(oneTo(at));
  await expect(page.getByTestId('train-resume')).toBeEnabled();
  await page.getByTestId('train-resume').click();
  await expect(statusOf(page)).toHaveAttribute('data-status', 'done', { timeout: RUN_TIMEOUT });
  const resumed = await curve(page);
  // Every step once, in order, and the very losses of the uninterrupted run: the same curve.
  expect(resumed.steps).toEqual(oneTo(200));
  expect(resumed.losses).toEqual(whole.losses);
});

test('an edit of the architecture stops the job and says so; an edit of the text does not', async ({ page }) => {
  test.setTimeout(2 * RUN_TIMEOUT);
  await page.goto('/');
  await waitForMap(page, T_TEXT);
  await smallCopy(page, 5000);
  await page.getByTestId('train-start').click();
  await expect.poll(() => stepOf(page), { timeout: RUN_TIMEOUT, intervals: [50] }).toBeGreaterThanOrEqual(10);

  await setText(page, 'abcd|abcd');
  const afterText = await stepOf(page);
  await expect.poll(() => stepOf(page), { timeout: RUN_TIMEOUT, intervals: [50] }).toBeGreaterThan(afterText);
  await expect(statusOf(page)).toHaveAttribute('data-status', 'running');

  await page.getByTestId('setting-nHeads').fill('2');
  await expect(statusOf(page)).toHaveAttribute('data-status', 'stopped', { timeout: 60_000 });
  await expect(page.getByTestId('train-notice')).toContainText("Training stopped: the edit changed the model's architecture");
  // The views run the new architecture on its initial weights.
  await expect(page.getByTestId('weights-badge')).toHaveText('initial (seed 1)', { timeout: 60_000 });
  await expect(page.getByTestId('train-start')).toBeEnabled();
});

test('compare mode trains A and B together, on the same batches', async ({ page }) => {
  test.setTimeout(2 * RUN_TIMEOUT);
  await page.goto('/');
  await waitForMap(page, T_TEXT);
  await page.getByTestId('compare-select').selectOption('snapshot');
  await expect(page.getByTestId('weights-badge-b')).toHaveText('B: initial (seed 1)', { timeout: 60_000 });
  await smallCopy(page, 60);
  await expect(page.getByTestId('train-start')).toHaveText('Train A and B');
  await page.getByTestId('train-start').click();
  for (const slot of ['', '-b'] as const) await expect(statusOf(page, slot)).toHaveAttribute('data-status', 'done', { timeout: RUN_TIMEOUT });
  const a = await curve(page);
  const b = await curve(page, '-b');
  expect(a.steps).toEqual(oneTo(60));
  expect(b.steps).toEqual(oneTo(60));
  // B is a snapshot of A trained by the same recipe: the same batches give the same losses.
  expect(b.losses).toEqual(a.losses);
  expect(mean(a.losses.slice(-10))).toBeLessThan(mean(a.losses.slice(0, 10)));
  await expect(page.getByTestId('weights-badge')).toHaveText('trained: 60 steps of copy', { timeout: 60_000 });
  await expect(page.getByTestId('weights-badge-b')).toHaveText('B: trained: 60 steps of copy', { timeout: 60_000 });
});

test('a recipe over the training memory budget is refused before compiling, with the numbers and what to reduce; the panel passes axe', async ({ page }) => {
  await page.goto('/');
  await waitForMap(page, T_TEXT);
  const panel = page.getByTestId('train-panel');
  await openRecipe(page);
  // Each task shows its paragraph and source; its parameters are fields.
  await page.getByTestId('train-task').selectOption('mqar');
  await expect(page.getByTestId('train-task-source')).toContainText('Source:');
  // Character-level LM on corpus "custom" trains on a text: the page's, until another is written.
  await page.getByTestId('train-task').selectOption('charLM');
  await expect(page.getByTestId('train-text')).toHaveCount(0);
  await page.getByTestId('train-param-corpus').selectOption('custom');
  await expect(page.getByTestId('train-text')).toHaveValue(DEFAULT_TEXT);
  await page.getByTestId('train-text').fill('too short');
  await expect(page.getByTestId('train-problem')).toContainText('at least 20 characters');
  await page.getByTestId('train-task').selectOption('copy');
  await expect(page.getByTestId('train-task-explanation')).toContainText('"|"');
  await expect(page.getByTestId('train-problem')).toHaveCount(0);

  // A bad parameter stays in its field with the task's reason; the recipe keeps its last good value.
  await page.getByTestId('train-param-maxLen').fill('99');
  await expect(panel.getByRole('alert').first()).toContainText('maxLen');

  await page.getByTestId('train-param-maxLen').fill('8');
  await page.getByTestId('train-batch').fill('1024');
  await page.getByTestId('train-T').fill('128');
  await expect(page.getByTestId('train-budget')).toHaveAttribute('data-state', 'over', { timeout: 30_000 });
  await expect(page.getByTestId('train-budget-refused')).toContainText(/needs about .* over the .* budget/);
  await expect(page.getByTestId('train-budget-refused')).toContainText(/batch 1024 → \d+/);
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-refused')).toContainText(/^Not trained: Training this model at batch 1024 and T = 128 needs about/);
  await expect(statusOf(page)).toHaveAttribute('data-status', 'none'); // nothing was asked of the worker

  const results = await new AxeBuilder({ page }).include('[data-testid=train-panel]').analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`)).toEqual([]);
});
