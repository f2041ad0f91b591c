/**
 * A seed-only edit feeds the new seed's weights to the inspect session the worker already holds
 * (weights as graph inputs, workers/sessions.ts): the page says the session was reused and fed,
 * and the map it draws is the map of a freshly compiled graph with that seed's weights baked in,
 * run here in onnxruntime-node. (On WebGPU: seed-webgpu.spec.ts.)
 */
import { defaultSpec } from '../src/spec/defaults';
import { bakedMap, largestDifference } from './baked';
import { expect, test } from './fixtures';
import { readMap, setText, waitForMap } from './helpers';

const TEXT = 'seeds and weights';

test('a seed edit reuses the inspect session, fed the new weights, and draws the map of that seed', async ({ page }) => {
  await page.goto('/');
  await waitForMap(page, 'The cat sat on the mat because it was warm.'.length);
  await setText(page, TEXT);
  const before = await waitForMap(page, TEXT.length, TEXT);
  await expect(page.getByTestId('setting-seed')).toHaveValue('1');
  expect(largestDifference(before.rows, await bakedMap(defaultSpec(), TEXT))).toBeLessThan(1e-5);

  await page.getByTestId('setting-seed').fill('7');
  await expect.poll(async () => (await readMap(page)).resultId).toBeGreaterThan(before.resultId);
  await expect(page.getByTestId('status')).toHaveText('ready');
  const timings = page.getByTestId('latency-timings');
  await expect(timings).toHaveAttribute('data-reused', 'true');
  await expect(timings).toHaveAttribute('data-fed', 'true');
  await expect(timings).toContainText("fed the new seed's weights");
  const after = await readMap(page);
  expect(largestDifference(after.rows, await bakedMap({ ...defaultSpec(), seed: 7 }, TEXT))).toBeLessThan(1e-5);
  // The map changed with the seed.
  expect(largestDifference(after.rows, before.rows)).toBeGreaterThan(1e-3);
});
