import { expect, test } from './fixtures';
import { expectCausalRows, readMap, setText, waitForMap } from './helpers';

const DEFAULT_TEXT_LENGTH = 'The cat sat on the mat because it was warm.'.length;

test.describe('walking skeleton', () => {
  test('the default model is drawn on load with nothing to click', async ({ page }) => {
    await page.goto('/');
    const map = await waitForMap(page, DEFAULT_TEXT_LENGTH);
    expectCausalRows(map);
    await expect(page.getByTestId('token-strip').locator('li')).toHaveCount(DEFAULT_TEXT_LENGTH);
    await expect(page.getByTestId('entropy').locator('li')).toHaveCount(4);
    const latency = page.getByTestId('latency');
    await expect(latency).toHaveAttribute('data-provider', 'wasm');
    expect(Number(await latency.getAttribute('data-ms'))).toBeGreaterThan(0);
    await expect(page.getByTestId('backend')).toContainText('WASM');
    await expect(page.getByTestId('map-kind')).toHaveText('explicit');
  });

  test('the page is cross-origin isolated and the WASM backend really runs threads', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT_LENGTH);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const expected = Math.max(1, Math.min(4, cores));
    const backend = page.getByTestId('backend');
    await expect(backend).toHaveAttribute('data-cross-origin-isolated', 'true');
    await expect(backend).toHaveAttribute('data-threads', String(expected));
    // The worker itself is one thread; onnxruntime-web spawns the others as pthread workers.
    await expect(backend).toHaveAttribute('data-spawned-threads', String(expected - 1));
    await expect(backend).toContainText(`WASM (${expected} thread${expected === 1 ? '' : 's'})`);
  });

  test('typing a sentence redraws a causal map whose rows sum to 1', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT_LENGTH);
    const sentence = 'Colorless green ideas sleep furiously.';
    await page.getByRole('textbox', { name: 'Text' }).fill('');
    await page.getByRole('textbox', { name: 'Text' }).pressSequentially(sentence);
    const map = await waitForMap(page, sentence.length, sentence);
    expectCausalRows(map);
    // Entropy of every head lies within [0, log T].
    const nats = await page.getByTestId('entropy').locator('li').evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset['entropyNats'])));
    expect(nats).toHaveLength(4);
    for (const e of nats) {
      expect(e).toBeGreaterThanOrEqual(0);
      expect(e).toBeLessThanOrEqual(Math.log(sentence.length));
    }
  });

  test('every layer and head can be shown, and each is a causal map', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT_LENGTH);
    const seen = new Set<string>();
    for (const layer of ['0', '1']) {
      await page.getByTestId('layer-select').selectOption(layer);
      for (const head of ['0', '1', '2', '3']) {
        await page.getByTestId('head-select').selectOption(head);
        await expect(page.getByTestId('attention-map')).toHaveAttribute('data-head', head);
        const map = await readMap(page);
        expect(map.layer).toBe(Number(layer));
        expectCausalRows(map);
        seen.add(map.rows.map((r) => r.join(',')).join(';'));
      }
    }
    expect(seen.size, 'each layer and head draws its own map').toBe(8);
  });

  test('changing the layer count re-runs the model and changes what the layer selector offers', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT_LENGTH);
    const options = () => page.getByTestId('layer-select').locator('option').allTextContents();
    expect(await options()).toEqual(['0', '1']);
    const before = (await readMap(page)).resultId;

    await page.getByRole('button', { name: 'Add a layer' }).click();
    await page.getByRole('button', { name: 'Add a layer' }).click();
    await expect(page.getByTestId('layer-card')).toHaveCount(4);
    await expect.poll(options).toEqual(['0', '1', '2', '3']);
    await page.getByTestId('layer-select').selectOption('3');
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-layer', '3');
    const map = await waitForMap(page, DEFAULT_TEXT_LENGTH);
    expect(map.resultId).toBeGreaterThan(before);
    expectCausalRows(map);

    await page.getByLabel('Layers', { exact: true }).fill('1');
    await expect.poll(options).toEqual(['0']);
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-layer', '0');
    await expect(page.getByTestId('layer-card')).toHaveCount(1);
    expectCausalRows(await waitForMap(page, DEFAULT_TEXT_LENGTH));
  });

  test('text longer than the model takes is truncated with a visible message', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT_LENGTH);
    const long = 'abcdefghij'.repeat(20); // 200 characters, the model takes 128
    await setText(page, long);
    await expect(page.getByTestId('notice-truncated')).toContainText('200 characters');
    await expect(page.getByTestId('notice-truncated')).toContainText('first 128');
    await expect(page.getByTestId('token-count')).toHaveText('128 / 128 tokens');
    expectCausalRows(await waitForMap(page, 128));
    // The person's text is kept whole.
    await expect(page.getByRole('textbox', { name: 'Text' })).toHaveValue(long);
  });

  test('characters outside the vocabulary become ⟨unk⟩ with a visible message', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT_LENGTH);
    await setText(page, 'Café 😀 ok');
    await expect(page.getByTestId('notice-unknown')).toContainText('"é"');
    await expect(page.getByTestId('notice-unknown')).toContainText('"😀"');
    await expect(page.getByTestId('token-strip').locator('li.unk')).toHaveCount(2);
    expectCausalRows(await waitForMap(page, 'Café 😀 ok'.length - 1)); // the emoji is one code point, two UTF-16 units
  });

  test('empty text shows a message instead of a blank page, and typing brings the map back', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT_LENGTH);
    await setText(page, '');
    await expect(page.getByTestId('notice-empty')).toBeVisible();
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-rows', '0');
    await expect(page.getByText('no map yet')).toBeVisible();
    await setText(page, 'hi');
    expectCausalRows(await waitForMap(page, 2));
  });

  test('fast typing ends with the map of the final text', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT_LENGTH);
    const box = page.getByRole('textbox', { name: 'Text' });
    await box.fill('');
    // The same length as the default text, so only the drawn text tells the two maps apart.
    const text = 'the quick brown fox jumps over the lazy dog';
    expect(text.length).toBe(DEFAULT_TEXT_LENGTH);
    await box.pressSequentially(text, { delay: 0 });
    const map = await waitForMap(page, text.length, text);
    expectCausalRows(map);
    const axis = await page.locator('.map-axes g').first().locator('text').allTextContents();
    expect(axis[0]).toBe('t');
  });

  test('nothing is fetched from outside localhost, and the runtime files come from the app', async ({ page, baseURL }) => {
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('worker', (w) => requests.push(w.url()));
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT_LENGTH);
    const outside = requests.filter((u) => !u.startsWith(baseURL!) && !u.startsWith('blob:') && !u.startsWith('data:'));
    expect(outside).toEqual([]);
    expect(requests.some((u) => u.endsWith('/ort/ort-wasm-simd-threaded.wasm'))).toBe(true);
    // WebGPU's larger build is loaded on demand: never here, where there is no adapter.
    expect(requests.filter((u) => u.includes('.jsep.'))).toEqual([]);
  });
});
