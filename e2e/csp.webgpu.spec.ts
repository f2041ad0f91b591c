// The Content-Security-Policy with WebGPU: runs in the SwiftShader project (its name ends in
// webgpu.spec.ts, see playwright.config.ts). onnxruntime-web's WebGPU provider takes another path
// through its glue than WASM does; under the policy it must still run, and without a violation.
import { expect, test } from './fixtures';
import { latencyProvider, setText, waitForMap } from './helpers';
import { watchPolicy } from './policy';

test('under the policy the model runs on WebGPU without a violation', async ({ page }) => {
  test.setTimeout(120_000);
  const policy = await watchPolicy(page);
  const response = (await page.goto('/'))!;
  expect(response.headers()['content-security-policy']).toBeTruthy();
  await expect(page.getByTestId('backend')).toHaveAttribute('data-provider', 'webgpu', { timeout: 60_000 });
  await setText(page, 'gpu policy');
  await waitForMap(page, 'gpu policy'.length, 'gpu policy');
  expect(await latencyProvider(page, 'the latency on WebGPU')).toBe('webgpu');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(await policy.events()).toEqual([]);
  expect(policy.messages()).toEqual([]);
});
