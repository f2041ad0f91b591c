// Runs in the project with SwiftShader's WebGPU adapter (see playwright.config.ts): correctness only.
import { expect, test } from '@playwright/test';
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
  // gpt2-small alone takes about 2 of these minutes on SwiftShader (a CPU emulation of a GPU).
  test.setTimeout(480_000);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-provider', 'webgpu', { timeout: 60_000 });
  await setText(page, 'gpu presets');
  await waitForMap(page, 'gpu presets'.length, 'gpu presets');
  for (const preset of PRESETS.filter((p) => p.id !== 'default')) {
    const slow = preset.id === 'gpt2-small' ? 120_000 : undefined; // 85 M parameters: seconds to compile and upload
    const map = await choosePreset(page, preset.id, slow);
    if (['retnet', 'mamba', 'mamba-hybrid', 'deltanet-hybrid', 'poolformer'].includes(preset.id)) expectCausalImplicitMap(map);
    else expectCausalRows(map);
    await expect(page.getByTestId('latency'), preset.id).toHaveAttribute('data-provider', 'webgpu');
    if (slow) await expect(page.getByTestId('latency-inspect'), preset.id).toHaveAttribute('data-ms', /\d/, { timeout: slow });
  }
});
