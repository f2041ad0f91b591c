/**
 * Training on WebGPU (SwiftShader's adapter, the webgpu-swiftshader project): the job in the
 * WebGPU worker trains there (its progress says 'webgpu'; the weights and moments stay on the GPU
 * between steps, workers/jobs.ts), and the first 20 steps of the default recipe give the same
 * losses as the same 20 steps on WASM, to 1e-3. Correctness only: SwiftShader is never timed, and
 * every wait follows the page's state.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const STEPS = 20;

/** Slot A's run as the hidden train-data element holds it (src/ui/train/TrainData.tsx). */
async function runA(page: Page): Promise<{ provider: string; status: string; fallbackReason: string; losses: number[] }> {
  const el = page.getByTestId('train-data-a');
  if ((await el.count()) === 0) return { provider: '', status: 'none', fallbackReason: '', losses: [] };
  return {
    provider: (await el.getAttribute('data-provider')) ?? '',
    status: (await el.getAttribute('data-status')) ?? '',
    fallbackReason: (await el.getAttribute('data-fallback-reason')) ?? '',
    losses: JSON.parse((await el.getAttribute('data-losses')) ?? '[]') as number[],
  };
}

/** Trains the default recipe until at least STEPS steps are reported, stops, and returns the first STEPS losses and the provider. */
async function trainSteps(page: Page): Promise<{ provider: string; losses: number[] }> {
  await page.getByTestId('train-start').click();
  // SwiftShader emulates the GPU on the CPU: a step takes seconds on a busy machine; wait on the reports.
  await expect.poll(async () => (await runA(page)).losses.length, { timeout: 540_000, intervals: [1_000, 2_000, 5_000] }).toBeGreaterThanOrEqual(STEPS);
  await page.getByTestId('train-stop').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'stopped', { timeout: 120_000 });
  const run = await runA(page);
  expect(run.losses.every(Number.isFinite)).toBe(true);
  return { provider: run.provider, losses: run.losses.slice(0, STEPS) };
}

test('20 steps of training on WebGPU give the losses of the same 20 steps on WASM, to 1e-3', async ({ page }) => {
  test.setTimeout(1_500_000);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-provider', 'webgpu', { timeout: 120_000 });

  const gpu = await trainSteps(page);
  expect(gpu.provider).toBe('webgpu'); // it trained on the GPU, with no fallback
  expect((await runA(page)).fallbackReason).toBe('');
  // The views show the trained weights now: the continuation's "random weights" note is gone.
  await expect(page.getByTestId('continue-untrained')).toHaveCount(0, { timeout: 120_000 });

  await page.getByTestId('train-reset').click();
  await page.getByTestId('backend-choice').selectOption('wasm');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-provider', 'wasm');
  await expect(page.getByTestId('continue-untrained')).toHaveCount(1, { timeout: 120_000 });
  const wasm = await trainSteps(page);
  expect(wasm.provider).toBe('wasm');

  expect(gpu.losses).toHaveLength(STEPS);
  expect(wasm.losses).toHaveLength(STEPS);
  const worst = Math.max(...gpu.losses.map((l, i) => Math.abs(l - wasm.losses[i]!)));
  expect(worst, `GPU ${gpu.losses.join(', ')}\nWASM ${wasm.losses.join(', ')}`).toBeLessThanOrEqual(1e-3);
  expect(gpu.losses[STEPS - 1]!).toBeLessThan(gpu.losses[0]!); // and it learns
});
