/**
 * The request log of e2e/fixtures.ts: it really hears the page and its workers (so "nothing left
 * localhost" is not checked against an empty log), its URL classifier, and
 * the check that fails a test whose page made a request elsewhere.
 */
import { expect, expectStayedLocal, isLocalUrl, test } from './fixtures';
import { waitForMap } from './helpers';

const TEXT = 'The cat sat on the mat because it was warm.';

test('the request log holds the page, the WASM worker script and the onnxruntime-web files the worker loads', async ({ page, requestLog, baseURL }) => {
  await page.goto('/');
  await waitForMap(page, TEXT.length);
  const seen = (re: RegExp) => requestLog.filter((r) => re.test(r.url)).map((r) => r.type);
  expect(seen(new RegExp(`^${baseURL}/$`))).toContain('document');
  expect(seen(/\/assets\/wasm\.worker-[\w-]+\.js$/)).toContain('script');
  // Fetched and imported inside the worker (and again by onnxruntime-web's pthread workers).
  expect(seen(/\/ort\/ort-wasm-simd-threaded\.mjs$/).length).toBeGreaterThanOrEqual(1);
  expect(seen(/\/ort\/ort-wasm-simd-threaded\.wasm$/)).toContain('fetch');
  expect(requestLog.filter((r) => !isLocalUrl(r.url))).toEqual([]);
});

test('the URL classifier keeps this machine and refuses everything else', () => {
  for (const url of [
    'http://127.0.0.1:4179/',
    'http://127.0.0.1:4501/ort/ort-wasm-simd-threaded.jsep.wasm',
    'http://localhost:5173/assets/index.js',
    'https://localhost/',
    'http://[::1]:8080/x',
    'ws://127.0.0.1:24678/',
    'data:,',
    'data:image/png;base64,iVBORw0KGgo=',
    'blob:http://127.0.0.1:4501/6d1c4a8e-0000-4000-8000-000000000000',
  ]) expect(isLocalUrl(url), url).toBe(true);
  for (const url of [
    'https://cdn.jsdelivr.net/npm/onnxruntime-web@1.30.0/dist/ort-wasm-simd-threaded.jsep.wasm',
    'https://huggingface.co/model.onnx',
    'http://127.0.0.2/',
    'http://10.0.0.1:4501/',
    'http://localhost.example.com/',
    'http://127.0.0.1.nip.io/',
    'ftp://127.0.0.1/',
    'file:///etc/passwd',
    'not a url',
  ]) expect(isLocalUrl(url), url).toBe(false);
});

test.describe('a request away from localhost', () => {
  // The app's policy would block the fetch before it became a request; this test is about the log.
  test.use({ bypassCSP: true });

  test('is logged, and the check the fixture runs after each test refuses it', async ({ page, requestLog }) => {
    // Answered here, so nothing really leaves the machine; the browser still made the request.
    await page.route('https://cdn.jsdelivr.net/**', (route) => route.fulfill({ status: 200, body: '', headers: { 'Cross-Origin-Resource-Policy': 'cross-origin' } }));
    await page.goto('/');
    expect(await page.evaluate(() => fetch('https://cdn.jsdelivr.net/npm/x', { mode: 'no-cors' }).then(() => 'answered'))).toBe('answered');
    const away = requestLog.filter((r) => !isLocalUrl(r.url));
    expect(away.map((r) => r.url)).toEqual(['https://cdn.jsdelivr.net/npm/x']);
    expect(() => expectStayedLocal(requestLog)).toThrow(/1 request\(s\) left localhost during the test:\n {2}GET https:\/\/cdn\.jsdelivr\.net\/npm\/x \(fetch\)/);
    // Forget it again, or the fixture fails this test too.
    for (const r of away) requestLog.splice(requestLog.indexOf(r), 1);
    expect(() => expectStayedLocal(requestLog)).not.toThrow();
  });
});
