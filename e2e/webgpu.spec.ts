// Runs in the project with SwiftShader's WebGPU adapter (see playwright.config.ts): correctness only.
import { expect, test } from '@playwright/test';
import { expectCausalRows, setText, waitForMap } from './helpers';

test('with a WebGPU adapter the model runs on WebGPU, and the map is still a causal softmax', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  const backend = page.getByTestId('backend');
  await expect(backend).toHaveAttribute('data-provider', 'webgpu', { timeout: 60_000 });
  await expect(backend).toContainText('WebGPU');
  await setText(page, 'gpu check');
  const map = await waitForMap(page, 'gpu check'.length);
  expectCausalRows(map);
  await expect(page.getByTestId('latency')).toHaveAttribute('data-provider', 'webgpu');
});
