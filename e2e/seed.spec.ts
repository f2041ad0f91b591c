/**
 * A seed-only edit feeds the new seed's weights to the inspect session the worker already holds
 * (weights as graph inputs, workers/sessions.ts): the page says the session was reused and fed,
 * and the map it draws is the map of a freshly compiled graph with that seed's weights baked in,
 * run here in onnxruntime-node.
 */
import * as ort from 'onnxruntime-node';
import { compile } from '../src/compiler/compile';
import { toOnnxBytes } from '../src/graph/onnx';
import { defaultSpec } from '../src/spec/defaults';
import { tokenize } from '../src/spec/vocab';
import { expect, test } from './fixtures';
import { readMap, setText, waitForMap } from './helpers';

const TEXT = 'seeds and weights';

/** Head 0 of layer 0's map for the default model with `seed`, compiled with baked weights and run in onnxruntime-node, as rows. */
async function nodeMap(seed: number): Promise<number[][]> {
  const spec = { ...defaultSpec(), seed };
  const ids = tokenize(TEXT, spec.maxLen).ids;
  const T = ids.length;
  const session = await ort.InferenceSession.create(toOnnxBytes(compile(spec, { T, mode: 'inspect' })));
  const out = await session.run({ tokens: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, T]) });
  await session.release();
  const probs = out['attn_probs.0']!.data as Float32Array;
  return Array.from({ length: T }, (_, i) => Array.from(probs.subarray(i * T, (i + 1) * T)));
}

/** The largest absolute difference between two maps of one size. */
function largestDifference(a: number[][], b: number[][]): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  a.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i]![j]!)))));
  return worst;
}

test('a seed edit reuses the inspect session, fed the new weights, and draws the map of that seed', async ({ page }) => {
  await page.goto('/');
  await waitForMap(page, 'The cat sat on the mat because it was warm.'.length);
  await setText(page, TEXT);
  const before = await waitForMap(page, TEXT.length, TEXT);
  await expect(page.getByTestId('setting-seed')).toHaveValue('1');
  expect(largestDifference(before.rows, await nodeMap(1))).toBeLessThan(1e-5);

  await page.getByTestId('setting-seed').fill('7');
  await expect.poll(async () => (await readMap(page)).resultId).toBeGreaterThan(before.resultId);
  await expect(page.getByTestId('status')).toHaveText('ready');
  const timings = page.getByTestId('latency-timings');
  await expect(timings).toHaveAttribute('data-reused', 'true');
  await expect(timings).toHaveAttribute('data-fed', 'true');
  await expect(timings).toContainText("fed the new seed's weights");
  const after = await readMap(page);
  expect(largestDifference(after.rows, await nodeMap(7))).toBeLessThan(1e-5);
  // The map changed with the seed.
  expect(largestDifference(after.rows, before.rows)).toBeGreaterThan(1e-3);
});
