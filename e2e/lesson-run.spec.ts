/**
 * One training lesson end to end in the page, as a student takes it: "Induction heads form",
 * entered from the lesson menu, every step in turn, each experiment run from the Experiments panel
 * with Run (production build, WASM). Each step's text must quote exactly what the page's own result
 * gives (the results JSON the panel downloads, filled in by the same figure functions), and the
 * lesson's claims must hold on that result: the 2-layer model learns the task, with a
 * previous-token head in layer 0 and an induction head in layer 1, and the 1-layer model does not.
 * Every wait is on a state, with timeouts for a busy 2-core machine.
 */
import type { Page } from '@playwright/test';
import { findLesson } from '../src/presets/lessons';
import { ACCURACY, INDUCTION_L1, ONE, PREVIOUS_L0, TWO } from '../src/presets/lessons/inductionHeads';
import { summarize, rowOf } from '../src/train/experiment';
import { readResultsJson } from '../src/train/experimentFile';
import { expect, test } from './fixtures';
import { expectedStepBody } from './figures';
import { waitWhileBusy } from './helpers';
import { downloaded } from './trained';

const LESSON = findLesson('induction-heads')!;
/** A whole experiment of the lesson on a loaded machine (compiling included): the wait's bound, not an expectation. */
const RUN_TIMEOUT = 1_200_000;

const ready = async (page: Page) => (await page.getByTestId('status').textContent()) === 'ready';
const body = (page: Page) => page.getByTestId('lesson-step-body');

/** Runs the step's experiment from the panel and returns the result the page downloads. */
async function runExperiment(page: Page) {
  const status = page.getByTestId('experiment-status');
  await expect(status).toHaveAttribute('data-status', 'idle');
  await page.getByTestId('experiment-run').click();
  await expect(status).toHaveAttribute('data-status', 'done', { timeout: RUN_TIMEOUT });
  const read = readResultsJson((await downloaded(page, 'experiment-export-json')).toString('utf8'));
  if (!read.ok) throw new Error(read.error);
  return read.result;
}

test('the lesson "induction-heads" runs end to end in the page, and its texts quote the page\'s results', async ({ page }) => {
  test.setTimeout(3_000_000);
  await page.goto('/');
  await waitWhileBusy(page, () => ready(page), 'the first analysis');
  await page.getByTestId('lesson-select').selectOption(LESSON.id);
  for (let i = 0; i < LESSON.steps.length; i++) {
    if (i > 0) await page.getByTestId('lesson-next').click();
    await expect(page.getByTestId('lesson-panel')).toHaveAttribute('data-step', String(i));
    const step = LESSON.steps[i]!;
    if (!step.experiment) continue;
    // Not run yet: the figures say so, and no number stands in for them.
    await expect(body(page)).toHaveText(await expectedStepBody(LESSON, i, null));
    const result = await runExperiment(page);
    expect(result.provider).toBe('wasm');
    expect(result.runs.every((r) => r.status === 'done')).toBe(true);
    await expect(body(page)).toHaveText(await expectedStepBody(LESSON, i, result));
    await expect(body(page)).not.toContainText('(run');
    const rows = summarize(result);
    if (step.experiment().variants.length === 1) {
      // The heads experiment: the task learned, with both heads of the circuit.
      expect(rowOf(rows, TWO)!.measures[ACCURACY!]!.mean).toBeGreaterThan(0.9);
      expect(rowOf(rows, TWO)!.measures[PREVIOUS_L0!]!.mean).toBeGreaterThan(0.45);
      expect(rowOf(rows, TWO)!.measures[INDUCTION_L1!]!.mean).toBeGreaterThan(0.8);
    } else {
      // One layer against two (accuracy is the first measure).
      expect(rowOf(rows, TWO)!.measures[0]!.mean).toBeGreaterThan(0.9);
      expect(rowOf(rows, ONE)!.measures[0]!.max).toBeLessThan(0.8);
    }
  }
  await expect(page.getByTestId('lesson-next')).toHaveAttribute('aria-disabled', 'true');
});
