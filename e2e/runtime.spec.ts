// The runtime under stress and failure (project wasm: no WebGPU adapter here). WebGPU's side of
// it (device lost, WebGPU logits = WASM logits) is in webgpu.spec.ts.
import type { Page, Worker } from '@playwright/test';
import { expect, test } from './fixtures';
import { readMap, setText, waitForMap } from './helpers';

const DEFAULT_TEXT = 'The cat sat on the mat because it was warm.';

/** The inference worker of `provider` (not onnxruntime-web's thread workers). */
async function inferenceWorker(page: Page, provider: 'wasm' | 'webgpu'): Promise<Worker> {
  await expect.poll(() => page.workers().filter((w) => w.url().includes(`${provider}.worker`)).length).toBeGreaterThan(0);
  return page.workers().find((w) => w.url().includes(`${provider}.worker`))!;
}

/** Sets the seed of the model through its field, as typing would. */
const typeSeed = (page: Page, seed: number) => page.getByTestId('setting-seed').fill(String(seed));

test.describe('the runtime', () => {
  test('an edit storm (200 edits in 2 s) ends showing exactly the last model', async ({ page, context }) => {
    test.setTimeout(120_000);
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT.length);
    const linkBefore = page.url();
    // 200 seeds, one every 10 ms, written into the seed field as typing would.
    await page.evaluate(async () => {
      const field = document.querySelector<HTMLInputElement>('[data-testid=setting-seed]')!;
      const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
      for (let k = 0; k < 200; k++) {
        setValue.call(field, String(1000 + k));
        field.dispatchEvent(new Event('input', { bubbles: true }));
        await new Promise((r) => setTimeout(r, 10));
      }
    });
    await expect(page.getByTestId('setting-seed')).toHaveValue('1199');
    await expect(page.getByTestId('status')).toHaveText('ready');
    const stormed = await readMap(page);
    // The same model computed on its own, in a fresh page opened from the share link.
    // The link is rewritten 300 ms after the last edit.
    await expect.poll(() => page.url()).not.toBe(linkBefore);
    expect(page.url()).toContain('#s=');
    const fresh = await context.newPage();
    await fresh.goto(page.url());
    await expect(fresh.getByTestId('setting-seed')).toHaveValue('1199');
    const alone = await waitForMap(fresh, DEFAULT_TEXT.length);
    expect(stormed.rows).toEqual(alone.rows);
    // And not the one just before it: a stale result would be told apart.
    await typeSeed(fresh, 1198);
    await expect.poll(async () => (await readMap(fresh)).resultId).toBeGreaterThan(alone.resultId);
    await expect(fresh.getByTestId('status')).toHaveText('ready');
    expect((await readMap(fresh)).rows).not.toEqual(stormed.rows);
  });

  test('a killed worker is noticed and restarted, and the map comes back', async ({ page }) => {
    await page.goto('/');
    const before = await waitForMap(page, DEFAULT_TEXT.length);
    const worker = await inferenceWorker(page, 'wasm');
    await worker.evaluate(() => self.close()).catch(() => undefined);
    await expect(page.getByTestId('runtime-change')).toContainText('The WASM worker stopped');
    await expect(page.getByTestId('runtime-change')).toContainText('restarted');
    await expect.poll(async () => (await readMap(page)).resultId).toBeGreaterThan(before.resultId);
    await expect(page.getByTestId('status')).toHaveText('ready');
    expect((await readMap(page)).rows).toEqual(before.rows); // the same model, from the new worker
    // Editing goes on as before.
    await setText(page, 'still here');
    await waitForMap(page, 'still here'.length, 'still here');
  });

  test('a worker killed in the middle of a run: the run is redone on the restarted worker', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT.length);
    await page.getByTestId('setting-maxLen').fill('512');
    await waitForMap(page, DEFAULT_TEXT.length);
    const worker = await inferenceWorker(page, 'wasm');
    const long = 'a long text keeps the worker busy for a while. '.repeat(11).slice(0, 500);
    await setText(page, long);
    await expect(page.getByTestId('status')).not.toHaveText('ready');
    await worker.evaluate(() => self.close()).catch(() => undefined);
    await expect(page.getByTestId('runtime-change')).toContainText('The WASM worker stopped');
    const map = await waitForMap(page, 500);
    expect(map.T).toBe(500);
    expect(map.rows.every((r) => Math.abs(r.reduce((a, b) => a + b, 0) - 1) < 1e-4)).toBe(true);
  });

  test('without a WebGPU adapter the app runs on WASM and says why; choosing WebGPU says it is not available', async ({ page }) => {
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT.length);
    const backend = page.getByTestId('backend');
    await expect(backend).toHaveAttribute('data-provider', 'wasm');
    await expect(page.getByTestId('backend-why')).toContainText('WebGPU');
    const why = await backend.getAttribute('data-fallback-reason');
    expect(why).toMatch(/no WebGPU|has no WebGPU|adapter/);
    await page.getByTestId('backend-choice').selectOption('webgpu');
    await expect(page.getByTestId('runtime-change')).toHaveText(`WebGPU is not available here (${why}). Running on WASM.`);
    await expect(backend).toHaveAttribute('data-provider', 'wasm');
    await setText(page, 'on wasm');
    await waitForMap(page, 'on wasm'.length, 'on wasm');
    expect(requests.filter((u) => u.includes('.jsep.'))).toEqual([]); // WebGPU's build was never loaded
  });

  test('loading shows the runtime download, and a run shows its stages', async ({ page }) => {
    const stages: string[] = [];
    await page.exposeFunction('recordStage', (s: string) => void stages.push(s));
    await page.addInitScript(() => {
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid=status]');
        if (el) (window as unknown as { recordStage(s: string): void }).recordStage(el.textContent ?? '');
      }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT.length);
    await setText(page, 'stages');
    await waitForMap(page, 'stages'.length, 'stages');
    expect(stages.some((s) => /^loading the runtime… [\d.]+ [KMG]?i?B of [\d.]+ MiB$/.test(s))).toBe(true);
    expect(stages).toContain('compiling…');
    expect(stages).toContain('running the model…');
  });

  test('a text edit of the same length reuses the model\'s session', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT.length);
    await setText(page, 'abcdef');
    await waitForMap(page, 6, 'abcdef');
    await expect(page.getByTestId('latency-timings')).toHaveAttribute('data-reused', 'false');
    await setText(page, 'ghijkl');
    await waitForMap(page, 6, 'ghijkl');
    await expect(page.getByTestId('latency-timings')).toHaveAttribute('data-reused', 'true');
    await expect(page.getByTestId('latency-fast')).toHaveAttribute('data-mode', 'fast');
  });
});
