/**
 * The Content-Security-Policy of csp.config.ts: the preview server sends it (with the cross-origin
 * isolation headers), the built page carries it as a meta tag, and the app runs under it without a
 * single violation — in the page or in its workers — while it computes, exports and restyles.
 */
import type { Page } from '@playwright/test';
import { CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_META } from '../csp.config';
import { expect, test } from './fixtures';
import { choosePreset, setText, waitForMap } from './helpers';
import { watchPolicy } from './policy';

const TEXT = 'The cat sat on the mat because it was warm.';

/** The sources of one directive of a serialised policy. */
function sourcesOf(policy: string, directive: string): string[] {
  const entry = policy.split(';').map((d) => d.trim().split(/\s+/)).find(([name]) => name === directive);
  return entry ? entry.slice(1) : [];
}

/** Clicks the button `testId` and waits for the download it starts; returns its file name. */
async function download(page: Page, testId: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  expect(await file.failure(), testId).toBeNull();
  return file.suggestedFilename();
}

test('the preview server sends the policy with the isolation headers, and the built page carries it as a meta tag', async ({ page, request }) => {
  const response = (await page.goto('/'))!;
  const headers = response.headers();
  expect(headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
  await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute('content', CONTENT_SECURITY_POLICY_META);

  for (const policy of [CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_META]) {
    const scripts = sourcesOf(policy, 'script-src');
    expect(scripts).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(policy).not.toMatch(/'unsafe-inline'|'unsafe-eval'|\*/);
    expect(sourcesOf(policy, 'default-src')).toEqual(["'self'"]);
    expect(sourcesOf(policy, 'object-src')).toEqual(["'none'"]);
  }
  expect(sourcesOf(CONTENT_SECURITY_POLICY, 'frame-ancestors')).toEqual(["'none'"]);
  expect(sourcesOf(CONTENT_SECURITY_POLICY_META, 'frame-ancestors')).toEqual([]);

  // Workers take their policy from their own script's response: the worker and the ORT files carry it.
  const worker = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).find((n) => /wasm\.worker-/.test(n)));
  for (const path of [worker ?? '/assets/wasm.worker.js missing', '/ort/ort-wasm-simd-threaded.mjs', '/ort/ort-wasm-simd-threaded.jsep.mjs']) {
    const res = await request.get(path);
    expect(res.status(), path).toBe(200);
    expect(res.headers()['content-security-policy'], path).toBe(CONTENT_SECURITY_POLICY);
  }
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
});

test('the watchers hear a violation in the page and in the worker', async ({ page }) => {
  const policy = await watchPolicy(page);
  await page.goto('/');
  await waitForMap(page, TEXT.length);
  // An inline style attribute in the page, a data: fetch in the worker: both refused, neither leaves the machine.
  await page.evaluate(() => document.body.setAttribute('style', 'outline: 1px solid red'));
  const worker = policy.workers().find((w) => /wasm\.worker-/.test(w.url()));
  expect(worker, 'the inference worker').toBeDefined();
  expect(await worker!.evaluate(() => (self as unknown as { __cspWatch?: boolean }).__cspWatch), 'listening from its start').toBe(true);
  expect(await worker!.evaluate(() => fetch('data:text/plain,x').then(() => 'fetched', () => 'refused'))).toBe('refused');
  await expect.poll(async () => (await policy.events()).map((v) => `${v.where === 'page' ? 'page' : 'worker'} ${v.directive}`)).toEqual(
    expect.arrayContaining(['page style-src-attr', 'worker connect-src']),
  );
  await expect.poll(() => policy.messages().join('\n')).toMatch(/^page .*inline style/m);
});

test('the app computes, exports and restyles under the policy without a violation', async ({ page }) => {
  test.setTimeout(120_000);
  const policy = await watchPolicy(page);
  await page.goto('/');
  await waitForMap(page, TEXT.length);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  // Edit the text, then change the model.
  await setText(page, 'Attention is all you need.');
  await waitForMap(page, 'Attention is all you need.'.length, 'Attention is all you need.');
  await choosePreset(page, 'alibi');
  await choosePreset(page, 'mamba-hybrid');

  // A short latency sweep (the default maximum length, 128).
  await page.getByTestId('sweep-run').click();
  await expect(page.getByTestId('latency-sweep')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });

  // Every kind of export: configuration, ONNX, and charts as SVG and PNG (PNG goes through a blob: image).
  expect(await download(page, 'export-config')).toMatch(/\.json$/);
  expect(await download(page, 'export-onnx')).toMatch(/\.onnx$/);
  for (const chart of ['attention-map', 'head-grid', 'latency-sweep']) {
    for (const kind of ['svg', 'png']) expect(await download(page, `export-${chart}-${kind}`)).toBe(`${chart}.${kind}`);
  }

  // Compare mode, then the dark theme and back.
  await page.getByTestId('compare-select').selectOption('alibi');
  await expect(page.getByTestId('compare-diff')).toHaveAttribute('data-rows', /^[1-9]\d*$/);
  expect(await download(page, 'export-compare-png')).toBe('compare.png');
  const toggle = page.getByRole('button', { name: 'Dark theme' });
  await toggle.click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await toggle.click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect(page.getByTestId('status')).toHaveText('ready');

  // The inference worker and its pthread workers ran with the listener in front of their scripts.
  const workers = policy.workers().map((w) => new URL(w.url()).pathname);
  expect(workers).toEqual(expect.arrayContaining([expect.stringMatching(/wasm\.worker-/), '/ort/ort-wasm-simd-threaded.mjs']));
  for (const path of workers) expect(policy.prefixed(), path).toContain(path);
  expect(await policy.events()).toEqual([]);
  expect(policy.messages()).toEqual([]);
});
