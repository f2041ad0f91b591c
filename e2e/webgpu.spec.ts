// Runs in the project with SwiftShader's WebGPU adapter (see playwright.config.ts): correctness only.
import { expect, test } from './fixtures';
import { PRESETS } from '../src/presets';
import { choosePreset, expectCausalImplicitMap, expectCausalRows, setText, waitForMap } from './helpers';

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

test('every preset runs on WebGPU and draws causal maps', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-provider', 'webgpu', { timeout: 60_000 });
  await setText(page, 'gpu presets');
  await waitForMap(page, 'gpu presets'.length, 'gpu presets');
  for (const preset of PRESETS.filter((p) => p.id !== 'default')) {
    const map = await choosePreset(page, preset.id);
    if (['retnet', 'mamba', 'mamba-hybrid', 'deltanet-hybrid', 'poolformer'].includes(preset.id)) expectCausalImplicitMap(map);
    else expectCausalRows(map);
    await expect(page.getByTestId('latency'), preset.id).toHaveAttribute('data-provider', 'webgpu');
  }
});
