/**
 * The Experiments panel's editor, table and files (src/ui/experiments/) against the production
 * build, WASM. The editor builds a definition (a preset added, a sweep, seeds) and a bad value
 * shows its sentence while the definition keeps its last good value (read back from the definition
 * JSON the panel downloads). A tiny experiment (1 variant, 1 seed, 40 steps of copy) runs to the
 * end, and its exports are well-formed: the runs CSV and the summary CSV have one line per run and
 * per row with as many fields as their header, and the results JSON holds the run whose figures the
 * table shows. Every wait is on a state.
 */
import type { Page } from '@playwright/test';
import type { Experiment, ExperimentResult } from '../src/spec/experiment';
import { expect, test } from './fixtures';
import { downloaded } from './trained';

const RUN_TIMEOUT = 240_000;

const panel = (page: Page) => page.getByTestId('experiments-panel');
const runCount = (page: Page) => page.getByTestId('experiment-run-count');
const definition = async (page: Page): Promise<Experiment> => JSON.parse((await downloaded(page, 'experiment-export-definition')).toString('utf8')) as Experiment;

/** CSV lines split into fields (a field in double quotes may hold commas; "" is a quote). */
function csv(text: string): string[][] {
  return text
    .trim()
    .split(/\r?\n/)
    .map((line) => {
      const fields: string[] = [];
      let cur = '';
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const c = line[i]!;
        if (quoted && c === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (c === '"') quoted = !quoted;
        else if (c === ',' && !quoted) {
          fields.push(cur);
          cur = '';
        } else cur += c;
      }
      fields.push(cur);
      return fields;
    });
}

test('the editor builds a definition; a bad value is refused with a sentence and the definition is kept', async ({ page }) => {
  await page.goto('/');
  await expect(panel(page)).toBeVisible();
  const start = await definition(page);
  expect(start.variants).toHaveLength(1);

  // A preset as a second variant.
  await page.getByTestId('experiment-add-preset').selectOption('post-ln');
  await expect(page.getByTestId('experiment-variant')).toHaveCount(2);
  await expect(page.getByTestId('experiment-variant').nth(1)).toHaveAttribute('data-label', 'Original Transformer decoder (Post-LN)');

  // A sweep of d_model over two values, then three seeds: 2 variants × 2 values × 3 seeds.
  await page.getByTestId('experiment-sweep-path').selectOption('dModel');
  await page.getByTestId('experiment-sweep-values').fill('32, 64');
  await expect(page.getByTestId('experiment-sweep-on')).toBeChecked();
  await page.getByTestId('experiment-seeds').fill('1, 2, 3');
  await expect(runCount(page)).toContainText('12 runs');

  // Bad values: each says why, and nothing changes.
  await page.getByTestId('experiment-seeds').fill('1, x');
  await expect(page.getByTestId('experiment-seeds-error')).toHaveText('Seeds: "x" is not a number');
  await page.getByTestId('experiment-sweep-values').fill('32, 7');
  await expect(page.getByTestId('experiment-sweep-error')).toHaveText('Sweep values: 7 is outside 8 to 1024');
  await page.getByTestId('experiment-seeds').fill('1,2,3,4,5,6,7,8,9,10');
  // 2 × 2 × 10 = 40 runs is allowed; four sweep values would make 80, over the limit of 60.
  await expect(runCount(page)).toContainText('40 runs');
  await page.getByTestId('experiment-sweep-values').fill('16, 32, 64, 128');
  await expect(page.getByTestId('experiment-sweep-error')).toContainText('That makes 80 runs; at most 60');
  await expect(runCount(page)).toContainText('40 runs');

  const kept = await definition(page);
  expect(kept.variants.map((v) => v.model)).toEqual([start.variants[0]!.model, 'post-ln']);
  expect(kept.sweep).toEqual({ path: 'dModel', values: [32, 64] });
  expect(kept.seeds).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

  // Removing the sweep and the preset brings the count back to 1 variant × 10 seeds.
  await page.getByTestId('experiment-sweep-on').uncheck();
  await page.getByTestId('experiment-variant-remove-1').click();
  await expect(runCount(page)).toContainText('10 runs');
});

test('a tiny experiment runs to the end; its table and its CSV and JSON exports agree and are well-formed', async ({ page }) => {
  test.setTimeout(2 * RUN_TIMEOUT);
  await page.goto('/');
  await expect(panel(page)).toBeVisible();

  // The Train panel's recipe: copy of at most 4 letters, T = 8, 40 steps; the experiment takes it.
  const details = page.getByTestId('train-recipe');
  if ((await details.getAttribute('open')) === null) await page.getByTestId('train-recipe-toggle').click();
  await page.getByTestId('train-param-maxLen').fill('4');
  await page.getByTestId('train-T').fill('8');
  await page.getByTestId('train-steps').fill('40');
  await page.getByTestId('experiment-use-train-recipe').click();
  await expect(page.getByTestId('experiment-recipe')).toContainText('T 8, batch 16, 40 steps');
  await page.getByTestId('experiment-seeds').fill('1');
  await expect(runCount(page)).toContainText('1 run of 40 steps');

  await page.getByTestId('experiment-run').click();
  await expect(page.getByTestId('experiment-status')).toHaveAttribute('data-status', 'done', { timeout: RUN_TIMEOUT });
  await expect(page.getByTestId('experiment-progress')).toHaveJSProperty('value', 1);
  const rows = page.getByTestId('experiment-row');
  await expect(rows).toHaveCount(1);

  const result = JSON.parse((await downloaded(page, 'experiment-export-json')).toString('utf8')) as ExperimentResult & { format: string };
  expect(result.format).toBe('transformer-playground-experiment');
  expect(result.runs).toHaveLength(1);
  const run = result.runs[0]!;
  expect(run.status).toBe('done');
  expect(run.steps).toBe(40);
  expect(run.losses).toHaveLength(40);
  expect(run.losses.every(Number.isFinite)).toBe(true);
  expect(run.values).toHaveLength(result.experiment.measures.length);
  // The table's means are the run's values (one seed).
  for (let k = 0; k < run.values.length; k++) {
    const cell = rows.first().locator(`td[data-measure="${k}"]`);
    if (run.values[k] === null) await expect(cell).toHaveText('—');
    else expect(Number(await cell.getAttribute('data-mean'))).toBeCloseTo(run.values[k]!, 9);
  }

  const runsCsv = csv((await downloaded(page, 'experiment-export-runs')).toString('utf8'));
  expect(runsCsv).toHaveLength(2);
  expect(runsCsv[1]).toHaveLength(runsCsv[0]!.length);
  expect(runsCsv[1]).toContain(run.label);
  const summaryCsv = csv((await downloaded(page, 'experiment-export-summary')).toString('utf8'));
  expect(summaryCsv).toHaveLength(2);
  expect(summaryCsv[1]).toHaveLength(summaryCsv[0]!.length);

  // The charts drew the row and the loss course (40 steps).
  await expect(page.getByTestId('experiment-chart')).toHaveAttribute('data-points', '1');
  await expect(page.getByTestId('experiment-loss-chart')).toHaveAttribute('data-points', '40');
});
