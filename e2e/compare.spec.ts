/**
 * Compare mode: the difference map on screen is the element-wise difference of the two models'
 * maps, each computed by the test itself from the model's exported ONNX file.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import * as ort from 'onnxruntime-node';
import { tokenize } from '../src/spec/vocab';
import { waitForMap } from './helpers';

const TEXT = 'The cat sat on the mat because it was warm.';

/** Head `head` of layer run `layer`'s map [T, T] from the model the page exports now. */
async function exportedMap(page: Page, layer: number, head: number): Promise<Float32Array> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-onnx').click()]);
  const ids = tokenize(TEXT, 128).ids;
  const T = ids.length;
  const session = await ort.InferenceSession.create(readFileSync((await file.path())!));
  const out = await session.run({ tokens: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, T]) });
  const probs = out[`attn_probs.${layer}`]!.data as Float32Array;
  await session.release();
  return probs.slice(head * T * T, (head + 1) * T * T);
}

const rowsOf = async (page: Page, testId: string) =>
  ((await page.getByTestId(testId).getAttribute('data-values')) ?? '').split(';').map((r) => r.split(',').map(Number));

test('the difference map is B − A of the two exported models, at the synced layer and head', async ({ page }) => {
  await page.goto('/');
  await waitForMap(page, TEXT.length);
  await page.getByTestId('compare-select').selectOption('alibi');
  await page.getByTestId('layer-select').selectOption('1');
  await page.getByTestId('head-select').selectOption('3');
  const T = TEXT.length;
  await expect(page.getByTestId('compare-diff')).toHaveAttribute('data-rows', String(T));
  const diff = await rowsOf(page, 'compare-diff');
  const a = await rowsOf(page, 'compare-map-a');
  await expect(page.getByTestId('compare-latency')).not.toHaveAttribute('data-ratio', '');

  const mapA = await exportedMap(page, 1, 3);
  await page.getByTestId('compare-swap').click(); // A is now the ALiBi model: export it
  await expect(page.getByTestId('model-name')).not.toHaveText(/Default/);
  const mapB = await exportedMap(page, 1, 3);
  let worst = 0;
  for (let i = 0; i < T; i++)
    for (let j = 0; j < T; j++) {
      worst = Math.max(worst, Math.abs(diff[i]![j]! - (mapB[i * T + j]! - mapA[i * T + j]!)));
      expect(Math.abs(a[i]![j]! - mapA[i * T + j]!)).toBeLessThan(1e-5);
    }
  expect(worst).toBeLessThan(1e-5);
  // After the swap the panel compares the other way round: the difference changes sign.
  await expect.poll(async () => (await rowsOf(page, 'compare-diff'))[5]![2]!).toBeCloseTo(-diff[5]![2]!, 5);
});
