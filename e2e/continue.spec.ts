/**
 * The model's continuation of the text (next-token panel): the greedy characters the page shows
 * are, step by step, the argmax of the same model run here in onnxruntime-node (the spec compiled
 * with its weights baked in, at the length of the text so far); a sample with a fixed seed is the
 * same every time; an edit clears what was continued; the panel passes axe.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import * as ort from 'onnxruntime-node';
import { compile } from '../src/compiler/compile';
import { toOnnxBytes } from '../src/graph/onnx';
import { DEFAULT_TEXT, defaultSpec } from '../src/spec/defaults';
import { CHAR_VOCAB, tokenize, VOCAB_SIZE } from '../src/spec/vocab';
import { expect, test } from './fixtures';
import { setText, waitForMap } from './helpers';

/** The last row of logits of the default model on `ids`, run here in onnxruntime-node. */
async function lastRow(ids: number[]): Promise<Float32Array> {
  const spec = defaultSpec();
  const window = ids.slice(-spec.maxLen);
  const T = window.length;
  const session = await ort.InferenceSession.create(toOnnxBytes(compile(spec, { T, mode: 'fast' })));
  const out = await session.run({ tokens: new ort.Tensor('int64', BigInt64Array.from(window, BigInt), [1, T]) });
  await session.release();
  return (out['logits']!.data as Float32Array).slice((T - 1) * VOCAB_SIZE, T * VOCAB_SIZE);
}

/** Presses Continue and waits for the whole continuation; returns its token ids. */
async function continueAndRead(page: Page, count: number): Promise<number[]> {
  await page.getByTestId('continue-count').fill(String(count));
  await page.getByTestId('continue-button').click();
  const output = page.getByTestId('continue-output');
  // Each character is a compile and a run: on a loaded machine that can take seconds. Waits while
  // characters keep coming; fails when none came for a minute.
  let made = -1;
  while ((await output.getAttribute('data-phase')) !== 'done') {
    const before = made;
    await expect
      .poll(async () => ((await output.getAttribute('data-phase')) === 'done' ? Infinity : ((await output.getAttribute('data-ids')) ?? '').split(',').filter(Boolean).length), {
        timeout: 60_000,
        message: `the continuation makes progress (after ${Math.max(0, before)} characters)`,
      })
      .toBeGreaterThan(before);
    made = ((await output.getAttribute('data-ids')) ?? '').split(',').filter(Boolean).length;
  }
  const ids = ((await output.getAttribute('data-ids')) ?? '').split(',').filter(Boolean).map(Number);
  expect(ids).toHaveLength(count);
  // What is shown is those characters, after the text.
  await expect(page.getByTestId('continuation')).toHaveText(ids.map((id) => CHAR_VOCAB[id]!).join(''));
  return ids;
}

test('Continue: greedy equals the argmax of the model run in Node; a seeded sample is reproducible; an edit clears it', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/');
  const text = tokenize(DEFAULT_TEXT, defaultSpec().maxLen);
  await waitForMap(page, text.ids.length);
  await expect(page.getByTestId('continue-untrained')).toContainText('The weights are random');

  // Greedy: each character is the argmax of the Node model's logits after the text so far.
  await page.getByTestId('continue-greedy').check();
  const greedy = await continueAndRead(page, 12);
  const prefix = text.ids.slice();
  for (const [step, chosen] of greedy.entries()) {
    const row = await lastRow(prefix);
    const best = row.reduce((b, v, i) => (v > row[b]! ? i : b), 0);
    // The same token, or one tied with it to float32 rounding (two runtimes may break a near tie differently).
    expect(row[chosen]!, `step ${step}: page chose ${chosen}, Node's argmax is ${best}`).toBeGreaterThanOrEqual(row[best]! - 1e-4 * Math.max(1, Math.abs(row[best]!)));
    prefix.push(chosen);
  }

  // Sampled, seed 7, temperature left at 1: the same characters on a second press; another seed, others.
  await page.getByTestId('continue-sample').check();
  await page.getByTestId('continue-seed').fill('7');
  const first = await continueAndRead(page, 20);
  const again = await continueAndRead(page, 20);
  expect(again).toEqual(first);
  await page.getByTestId('continue-seed').fill('8');
  expect(await continueAndRead(page, 20)).not.toEqual(first);

  // The panel, with a continuation on screen, has no serious accessibility problems.
  const results = await new AxeBuilder({ page }).include('[aria-label="Next token"]').analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`)).toEqual([]);

  // A bad count is refused with a message, and Continue waits for a good one.
  await page.getByTestId('continue-count').fill('500');
  await expect(page.getByTestId('continue-button')).toBeDisabled();
  await expect(page.getByText('The number of characters must be a whole number from 1 to 200.')).toBeVisible();
  await page.getByTestId('continue-count').fill('5');
  await expect(page.getByTestId('continue-button')).toBeEnabled();

  // An edit of the text clears the continuation of the old text.
  await setText(page, 'A new text');
  await waitForMap(page, 'A new text'.length);
  await expect(page.getByTestId('continue-output')).toHaveCount(0);
});
