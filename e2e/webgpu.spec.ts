// Runs in the project with SwiftShader's WebGPU adapter (see playwright.config.ts): correctness only.
import type { BrowserContext, Page } from '@playwright/test';
import { expect, expectStayedLocal, test, type LoggedRequest } from './fixtures';
import { PRESETS } from '../src/presets';
import { choosePreset, expectCausalRows, expectPresetMap, latencyProvider, readMap, setText, waitForMap, waitWhileBusy } from './helpers';

test.describe('the default model, then every preset, on WebGPU', () => {
  const TEXT = 'gpu presets';
  // SwiftShader emulates a GPU on the CPU: waits follow the page's progress, the limit is only for a page that works forever.
  test.describe.configure({ timeout: 600_000 });
  // One page for the default model and then every preset, as a user switching presets would have:
  // loading the page, the WebGPU runtime and the first model on SwiftShader took most of each test
  // when every preset opened its own (about 10 of 15 s). Each preset is still its own test, chosen
  // from the one before it; a failed test ends its worker, and the next worker opens a fresh page
  // for the tests left.
  let context: BrowserContext;
  let page: Page;
  // The shared page's requests count for the test under way (fixtures.ts refuses any that leave
  // localhost); those made between tests, the first load included, for the next test.
  const between: LoggedRequest[] = [];
  let current = between;
  test.beforeAll(async ({ browser }, info) => {
    test.setTimeout(600_000); // as each test had with its own page: the waits follow the page's progress
    context = await browser.newContext({ baseURL: info.project.use.baseURL });
    await context.addInitScript(() => Object.assign(globalThis, { __tpDrawnData: true }));
    context.on('request', (r) => current.push({ url: r.url(), type: r.resourceType(), method: r.method() }));
    page = await context.newPage();
    page.on('websocket', (ws) => current.push({ url: ws.url(), type: 'websocket', method: 'GET' }));
    await page.goto('/');
    const backend = page.getByTestId('backend');
    await waitWhileBusy(page, async () => (await backend.getAttribute('data-provider')) === 'webgpu', 'the WebGPU backend');
    await setText(page, TEXT);
    await waitForMap(page, TEXT.length, TEXT);
  });
  test.beforeEach(({ requestLog }) => {
    requestLog.push(...between.splice(0));
    current = requestLog;
  });
  test.afterEach(() => {
    current = between;
  });
  test.afterAll(async () => {
    expectStayedLocal(between);
    await context?.close();
  });

  test('with a WebGPU adapter the model runs on WebGPU, and the map is still a causal softmax', async () => {
    const backend = page.getByTestId('backend');
    await expect(backend).toHaveAttribute('data-provider', 'webgpu');
    await expect(backend).toContainText('WebGPU');
    const map = await readMap(page);
    expect(map.T).toBe(TEXT.length);
    expectCausalRows(map);
    expect(await latencyProvider(page, 'the default model\'s latency')).toBe('webgpu');
  });

  // GPT-2 small last: its latency figures take minutes of warm runs on SwiftShader, and a preset
  // chosen after it would first wait for the runs still in progress.
  const presets = PRESETS.filter((p) => p.id !== 'default').sort((a, b) => Number(a.id === 'gpt2-small') - Number(b.id === 'gpt2-small'));
  for (const preset of presets) {
    test(`${preset.id} runs on WebGPU and draws causal maps`, async () => {
      await expect(page.getByTestId('backend')).toHaveAttribute('data-provider', 'webgpu');
      const map = await choosePreset(page, preset.id);
      expect(map.T).toBe(TEXT.length);
      expectPresetMap(preset.id, map);
      // The latency comes once edits pause, on the backend that ran it (the figure belongs to the map on screen: src/ui/views/LatencyView.tsx).
      expect(await latencyProvider(page, `${preset.id}: its latency`)).toBe('webgpu');
    });
  }
});

/** The logits the page computed, from its "Logits .json" download. */
async function downloadLogits(page: import('@playwright/test').Page): Promise<{ backend: string; logits: number[][] }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-logits').click()]);
  const { readFileSync } = await import('node:fs');
  return JSON.parse(readFileSync((await file.path())!, 'utf8'));
}

test('the first map comes from WASM; WebGPU is loaded after it, on demand', async ({ page }) => {
  test.setTimeout(120_000);
  const order: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/ort/') && r.url().endsWith('.wasm')) order.push(r.url().includes('.jsep.') ? 'webgpu build' : 'wasm build');
  });
  await page.goto('/');
  await expect(page.getByTestId('attention-map')).not.toHaveAttribute('data-rows', '0');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-provider', 'webgpu', { timeout: 60_000 });
  expect(order).toEqual(['wasm build', 'webgpu build']);
  await expect(page.getByTestId('runtime-change')).toHaveText('Running on WebGPU now.');
});

test('the same model gives the same logits on SwiftShader WebGPU as on WASM, to 1e-3', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-provider', 'webgpu', { timeout: 60_000 });
  const text = 'Same logits on every backend.';
  await setText(page, text);
  await waitForMap(page, text.length, text);
  expect(await latencyProvider(page, 'the latency on WebGPU')).toBe('webgpu');
  const gpu = await downloadLogits(page);
  await page.getByTestId('backend-choice').selectOption('wasm');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-provider', 'wasm');
  await expect(page.getByTestId('runtime-change')).toHaveText('Running on WASM, as chosen.');
  await expect.poll(async () => (await downloadLogits(page)).backend).toBe('wasm');
  const cpu = await downloadLogits(page);
  expect(gpu.backend).toBe('webgpu');
  expect(gpu.logits).toHaveLength(text.length);
  let worst = 0;
  gpu.logits.forEach((row, t) => row.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - cpu.logits[t]![i]!) / Math.max(1, Math.abs(cpu.logits[t]![i]!))))));
  expect(worst).toBeLessThanOrEqual(1e-3);
  expect(gpu.logits.flat().some((v) => v !== 0)).toBe(true);
});

test('a lost WebGPU device falls back to WASM with a message, and the map is drawn again', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-provider', 'webgpu', { timeout: 60_000 });
  const before = await waitForMap(page, 'The cat sat on the mat because it was warm.'.length);
  const worker = page.workers().find((w) => w.url().includes('webgpu.worker'))!;
  await worker.evaluate(() => (self as unknown as { __tpDebug: { gpuDevice: { destroy(): void } } }).__tpDebug.gpuDevice.destroy());
  await expect(page.getByTestId('runtime-change')).toContainText('The WebGPU device was lost');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-provider', 'wasm');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-fallback-reason', /The WebGPU device was lost/);
  await expect.poll(async () => Number(await page.getByTestId('attention-map').getAttribute('data-result-id'))).toBeGreaterThan(before.resultId);
  await expect(page.getByTestId('status')).toHaveText('ready');
  expect(await latencyProvider(page, 'the latency on WASM after the loss')).toBe('wasm');
  await setText(page, 'after the loss');
  await waitForMap(page, 'after the loss'.length, 'after the loss');
});
