/**
 * In the project with SwiftShader's WebGPU adapter (its name ends in webgpu.spec.ts): a seed edit
 * on WebGPU feeds the new weights to the kept session, as on WASM (seed.spec.ts), and the map
 * matches the baked graph run in onnxruntime-node to 1e-3 (a GPU's float arithmetic differs).
 */
import { defaultSpec } from '../src/spec/defaults';
import { bakedMap, largestDifference } from './baked';
import { expect, test } from './fixtures';
import { latencyProvider, readMap, setText, waitForMap } from './helpers';

const TEXT = 'seeds on the gpu';

test('a seed edit on WebGPU reuses the inspect session, fed the new weights, and draws the map of that seed', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-provider', 'webgpu', { timeout: 60_000 });
  await setText(page, TEXT);
  const before = await waitForMap(page, TEXT.length, TEXT);
  expect(await latencyProvider(page, 'the latency on WebGPU')).toBe('webgpu');
  await page.getByTestId('setting-seed').fill('7');
  await expect.poll(async () => (await readMap(page)).resultId).toBeGreaterThan(before.resultId);
  await expect(page.getByTestId('status')).toHaveText('ready');
  await expect(page.getByTestId('latency-timings')).toHaveAttribute('data-fed', 'true');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-provider', 'webgpu');
  const after = await readMap(page);
  expect(largestDifference(after.rows, await bakedMap({ ...defaultSpec(), seed: 7 }, TEXT))).toBeLessThan(1e-3);
});
