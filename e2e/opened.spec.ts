/**
 * "Open your own model" (issue 21) against the production build: ONNX transformers this project
 * did not write (PyTorch's TransformerEncoder and a GPT-2-shaped decoder exported by torch, a fused
 * contrib Attention node, and PaddleOCR's PP-OCRv4 text recogniser from npm) opened through the
 * file picker and by drag and drop. Each map on screen is checked against the one onnxruntime-node
 * computes here from the tapped copy (readModel + tapModel, fed the same ids), and against torch's
 * own probabilities where the fixture has them; refusals leave the page as it was.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import * as ort from 'onnxruntime-node';
import { expect, test } from './fixtures';
import { readMap, setText, waitForMap, waitWhileBusy, type DrawnMap } from './helpers';
import { fixturePath, loadRef, ocrModelPath } from '../test/opened/fixtures';
import { readModel } from '../src/opened/read';
import { tapModel, tapName } from '../src/opened/tap';
import { feeds } from '../src/opened/inputs';
import type { OtherFeed } from '../src/opened/types';
import { tokenize } from '../src/spec/vocab';

const ENCODER = fixturePath('torch-encoder.onnx');
const GPT2 = fixturePath('torch-gpt2.onnx');
const FUSED = fixturePath('fused-attention.onnx');
const FIXED = fixturePath('torch-encoder-fixed32.onnx');

/** Every tapped attention of `path` run in onnxruntime-node on `ids` (and `others`): per layer, its heads' [T, T] maps. */
async function ortMaps(path: string, ids: number[], others: Record<string, OtherFeed> = {}): Promise<{ T: number; heads: number; maps: Float32Array[][] }> {
  const { info, model } = readModel(new Uint8Array(readFileSync(path)), basename(path));
  const session = await ort.InferenceSession.create(tapModel(model, info.attention));
  const feed: Record<string, ort.Tensor> = {};
  for (const t of feeds(info, ids, others)) {
    const type = t.data instanceof Float32Array ? 'float32' : t.data instanceof BigInt64Array ? 'int64' : t.data instanceof Int32Array ? 'int32' : 'bool';
    feed[t.name] = new ort.Tensor(type, t.data, t.dims);
  }
  const out = await session.run(feed, info.attention.map((s) => tapName(s.layer)));
  await session.release();
  let T = 0;
  let heads = 0;
  const maps = info.attention.map((s) => {
    const o = out[tapName(s.layer)]!;
    const dims = o.dims as number[];
    T = dims[dims.length - 1]!;
    // [B, H, T, T] or [B·H, T, T]: batch element 0's heads come first either way.
    heads = dims.length === 4 ? dims[1]! : dims[0]!;
    const data = o.data as Float32Array;
    return Array.from({ length: heads }, (_, h) => data.slice(h * T * T, (h + 1) * T * T));
  });
  return { T, heads, maps };
}

/** Serious or critical accessibility violations on the page (axe), with the opened model's panel expanded. */
async function seriousViolations(page: Page): Promise<string[]> {
  for (const d of await page.locator('[data-testid=opened-panel] details').all()) await d.evaluate((el) => ((el as HTMLDetailsElement).open = true));
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`);
}

/** Opens `path` through the top bar's file input. */
async function openFile(page: Page, path: string): Promise<void> {
  await page.getByTestId('open-model-input').setInputFiles(path);
}

/** Waits until the map on screen is the opened model `name`'s at T positions (layer and head as selected), and the page is settled. */
async function waitForOpenedMap(page: Page, name: string, T: number): Promise<DrawnMap> {
  const map = page.getByTestId('attention-map');
  await waitWhileBusy(
    page,
    async () => (await map.getAttribute('data-opened')) === name && (await map.getAttribute('data-rows')) === String(T) && (await page.getByTestId('status').textContent()) === 'ready',
    `the map of ${name} at ${T} positions`,
  );
  return readMap(page);
}

/** Each drawn row sums to 1 and holds no negative weight. */
function expectProbabilityRows(map: DrawnMap): void {
  expect(map.rows).toHaveLength(map.T);
  const bad = map.rows.flatMap((row, i) => {
    const sum = row.reduce((a, b) => a + b, 0);
    return Math.abs(sum - 1) <= 1e-4 && row.every((v) => v >= 0) ? [] : [`row ${i} sums to ${sum}`];
  });
  expect(bad.slice(0, 5)).toEqual([]);
}

/** The drawn map equals `want` [T, T] (row-major) within `tol`. */
function expectMapEquals(map: DrawnMap, want: ArrayLike<number>, tol = 1e-5): void {
  let worst = 0;
  map.rows.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - want[i * map.T + j]!)))));
  expect(worst).toBeLessThanOrEqual(tol);
}

/** Selects layer `layer` and head `head` and waits for that map. */
async function selectView(page: Page, name: string, T: number, layer: number, head: number): Promise<DrawnMap> {
  await page.getByTestId('layer-select').selectOption(String(layer));
  await page.getByTestId('head-select').selectOption(String(head));
  const map = page.getByTestId('attention-map');
  await expect(map).toHaveAttribute('data-layer', String(layer));
  await expect(map).toHaveAttribute('data-head', String(head));
  return waitForOpenedMap(page, name, T);
}

/** A NumPy .npy file (format 1.0, little-endian float32, C order) of `data` with shape `dims`. */
function npy(dims: number[], data: Float32Array): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

test.describe('open your own ONNX model', () => {
  test.setTimeout(240_000);

  test('torch TransformerEncoder with the character tokenizer: its maps, entropy, latency and next token, then Close', async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const ref = loadRef('torch-encoder');
    await page.goto('/');
    await setText(page, ref.text);
    await waitForMap(page, ref.text.length, ref.text);
    const modelName = await page.getByTestId('model-name').textContent();

    await openFile(page, ENCODER);
    await expect(page.getByTestId('opened-badge')).toHaveText('opened model: torch-encoder.onnx');
    await expect(page.getByTestId('opened-tokenizer')).toHaveValue('chars');
    const ids = tokenize(ref.text, 4096).ids;
    expect(ids).toEqual(ref.input_ids);
    const want = await ortMaps(ENCODER, ids);
    expect(want.T).toBe(ids.length);
    await waitForOpenedMap(page, 'torch-encoder.onnx', want.T);
    await expect(page.getByTestId('opened-summary')).toHaveText('2 attention layers, 4 heads each');
    await expect(page.getByTestId('token-strip').locator('li')).toHaveCount(ids.length);
    await expect(page.getByTestId('map-kind')).toHaveAttribute('data-kind', 'explicit');
    await expect(page.getByTestId('layer-select').locator('option').first()).toHaveText(/^attention 0 · /);
    for (const [layer, head] of [[0, 0], [1, 3]] as const) {
      const map = await selectView(page, 'torch-encoder.onnx', want.T, layer, head);
      expectProbabilityRows(map);
      expectMapEquals(map, want.maps[layer]![head]!);
      expectMapEquals(map, ref.maps[layer]![head]!, 1e-4); // and torch's own probabilities
    }
    // Entropy of the layer shown, latency of the model as given, next token from its logits.
    await expect(page.getByTestId('entropy').locator('li')).toHaveCount(4);
    const nats = Number(await page.getByTestId('entropy').locator('li').first().getAttribute('data-entropy-nats'));
    expect(nats).toBeGreaterThan(0);
    const latency = page.getByTestId('latency-fast');
    await expect(latency).toHaveAttribute('data-ms', /\d/);
    expect(Number(await latency.getAttribute('data-ms'))).toBeGreaterThan(0);
    await expect(page.getByTestId('latency-opened')).toContainText('fast = the model as given');
    await expect(page.getByTestId('next-token')).toHaveAttribute('data-argmax', /\d+/);
    expect((await page.getByTestId('next-token').getAttribute('data-ids'))!.split(',')).toHaveLength(10);
    // Parts that need a playground model's spec give way to one line each.
    await expect(page.getByTestId('playground-only').first()).toBeVisible();
    await expect(page.getByTestId('opened-memory')).toContainText('budget');
    expect(await seriousViolations(page)).toEqual([]);

    // Close: the playground's model comes back, unchanged.
    await page.getByTestId('opened-close').click();
    await expect(page.getByTestId('opened-badge')).toHaveCount(0);
    await waitWhileBusy(page, async () => (await page.getByTestId('attention-map').getAttribute('data-opened')) === '' && (await page.getByTestId('status').textContent()) === 'ready', 'the playground map back');
    await expect(page.getByTestId('model-name')).toHaveText(modelName!);
    expect(errors).toEqual([]);
  });

  test('a GPT-2-shaped decoder through GPT-2 BPE: causal maps equal onnxruntime-node and torch, next token named by the tokenizer', async ({ page }) => {
    const ref = loadRef('torch-gpt2');
    await page.goto('/');
    await setText(page, ref.text);
    await waitForMap(page, ref.text.length, ref.text);
    await openFile(page, GPT2);
    await expect(page.getByTestId('opened-badge')).toHaveText('opened model: torch-gpt2.onnx');
    await expect(page.getByTestId('opened-tokenizer')).toHaveValue('gpt2');
    await expect(page.getByTestId('opened-vocab')).toContainText('50257');
    const want = await ortMaps(GPT2, ref.input_ids);
    await waitForOpenedMap(page, 'torch-gpt2.onnx', ref.input_ids.length);
    await expect(page.getByTestId('opened-summary')).toHaveText('2 attention layers, 4 heads each');
    await expect(page.getByTestId('token-strip').locator('li')).toHaveText(['Hello', '·world', ',', '·the', '·cat', '·sat'].map((p) => new RegExp(p.replace('·', '.'))));
    for (const [layer, head] of [[0, 1], [1, 2]] as const) {
      const map = await selectView(page, 'torch-gpt2.onnx', want.T, layer, head);
      expectProbabilityRows(map);
      map.rows.forEach((row, i) => row.forEach((v, j) => j > i && expect(v).toBe(0)));
      expectMapEquals(map, want.maps[layer]![head]!);
      expectMapEquals(map, ref.maps[layer]![head]!, 1e-4);
    }
    const next = page.getByTestId('next-token');
    await expect(next).toHaveAttribute('data-argmax', /\d+/);
    // Candidates carry GPT-2 pieces once its table loads, not "#id".
    await expect.poll(async () => (await next.getAttribute('data-labels'))?.split('\u0001').filter((l) => l.startsWith('#')).length).toBe(0);
  });

  test('a model exported for exactly 32 tokens: a shorter text is padded under its mask, and the maps are torch\'s unpadded ones', async ({ page }) => {
    const ref = loadRef('torch-encoder'); // torch on the 22 tokens alone
    await page.goto('/');
    await setText(page, ref.text);
    await waitForMap(page, ref.text.length, ref.text);
    await openFile(page, FIXED);
    await expect(page.getByTestId('opened-badge')).toHaveText('opened model: torch-encoder-fixed32.onnx');
    await waitForOpenedMap(page, 'torch-encoder-fixed32.onnx', ref.T);
    await expect(page.getByTestId('opened-padded')).toContainText(`exactly 32 tokens: the text's ${ref.T} are padded with ${32 - ref.T} more`);
    await expect(page.getByTestId('token-strip').locator('li')).toHaveCount(ref.T);
    for (const [layer, head] of [[0, 2], [1, 1]] as const) {
      const map = await selectView(page, 'torch-encoder-fixed32.onnx', ref.T, layer, head);
      expectProbabilityRows(map);
      expectMapEquals(map, ref.maps[layer]![head]!, 1e-4);
    }
    await expect(page.getByTestId('latency-fast')).toHaveAttribute('data-ms', /\d/);
    // A text longer than the export is refused with the length, and the maps on screen stay the last good ones.
    await setText(page, 'x'.repeat(40));
    await expect(page.getByTestId('status')).toContainText('exported for exactly 32 tokens; the text gives 40');
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-rows', String(ref.T));
  });

  test('PP-OCRv4 recogniser (no text): zeros of width 320, two attention layers equal to onnxruntime-node', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, 43);
    const path = ocrModelPath();
    await openFile(page, path);
    const name = basename(path);
    await expect(page.getByTestId('opened-badge')).toHaveText(`opened model: ${name}`);
    await expect(page.getByTestId('notice-no-text')).toBeVisible();
    await expect(page.getByTestId('opened-tokenizer')).toHaveCount(0);
    await page.getByTestId('opened-dim-x-3').fill('320');
    await expect(page.getByTestId('opened-other-x')).toHaveAttribute('data-dims', '1,3,48,320');
    const want = await ortMaps(path, [], { x: { kind: 'zeros', dims: [1, 3, 48, 320] } });
    await waitForOpenedMap(page, name, want.T);
    await expect(page.getByTestId('opened-summary')).toHaveText(`2 attention layers, ${want.heads} heads each`);
    for (const [layer, head] of [[0, 0], [1, want.heads - 1]] as const) {
      const map = await selectView(page, name, want.T, layer, head);
      expectProbabilityRows(map);
      expectMapEquals(map, want.maps[layer]![head]!);
    }
    expect(await seriousViolations(page)).toEqual([]);
    // Positions are the model's own: numbered from 0.
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-text', Array.from({ length: want.T }, (_, i) => i).join(''));

    // Values from a .npy file: the map is the one onnxruntime-node computes from the same values.
    const dims = [1, 3, 48, 160];
    const values = Float32Array.from({ length: 3 * 48 * 160 }, (_, i) => Math.sin(i * 0.37) * 0.5 + 0.5);
    await page.getByTestId('opened-file-x').setInputFiles({ name: 'line.npy', mimeType: 'application/octet-stream', buffer: npy(dims, values) });
    await expect(page.getByTestId('opened-other-x')).toHaveAttribute('data-kind', 'data');
    const fromFile = await ortMaps(path, [], { x: { kind: 'data', dims, data: values } });
    expect(fromFile.T).not.toBe(want.T);
    const map = await waitForOpenedMap(page, name, fromFile.T);
    expectProbabilityRows(map);
    expectMapEquals(map, fromFile.maps[map.layer]![map.head]!);

    // An image: resized to the input's height 48 keeping its aspect (100 × 24 → 200 × 48), pixels scaled to [0, 1].
    await expect(page.getByTestId('opened-other-x')).toContainText('scaled to [0, 1]');
    await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 100;
      canvas.height = 24;
      const g = canvas.getContext('2d')!;
      g.fillStyle = '#fff';
      g.fillRect(0, 0, 100, 24);
      g.fillStyle = '#000';
      g.fillRect(10, 4, 30, 16);
      const blob = await new Promise<Blob>((done) => canvas.toBlob((b) => done(b!), 'image/png'));
      const dt = new DataTransfer();
      dt.items.add(new File([blob], 'line.png', { type: 'image/png' }));
      const input = document.querySelector<HTMLInputElement>('[data-testid="opened-file-x"]')!;
      input.files = dt.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await expect(page.getByTestId('opened-other-x')).toHaveAttribute('data-dims', '1,3,48,200');
    const imageMap = await waitForOpenedMap(page, name, (await ortMaps(path, [], { x: { kind: 'zeros', dims: [1, 3, 48, 200] } })).T);
    expectProbabilityRows(imageMap);
  });

  test('a fused contrib Attention node is named and explained', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, 43);
    const { info } = readModel(new Uint8Array(readFileSync(FUSED)), 'fused-attention.onnx');
    expect(info.fused.length).toBeGreaterThan(0);
    await openFile(page, FUSED);
    await expect(page.getByTestId('opened-badge')).toHaveText('opened model: fused-attention.onnx');
    const fused = page.getByTestId('opened-fused');
    for (const f of info.fused) {
      await expect(fused).toContainText(f.node);
      await expect(fused).toContainText(f.why);
    }
    await expect(page.getByTestId('opened-summary')).toContainText('No attention Softmax found');
    // Nothing to draw: the panel says so, and that the views still show the previous result.
    await expect(page.getByTestId('opened-not-run')).toContainText('No attention Softmax was found in fused-attention.onnx');
  });

  test('a garbage file and a file over the size limit are refused, and nothing else changes', async ({ page }) => {
    const text = 'the cat sat';
    await page.goto('/');
    await setText(page, text);
    const before = await waitForMap(page, text.length, text);
    const modelName = await page.getByTestId('model-name').textContent();

    await page.getByTestId('open-model-input').setInputFiles({ name: 'garbage.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('this is not a protobuf at all, just text '.repeat(20)) });
    const alert = page.getByTestId('open-model-error');
    await expect(alert).toHaveAttribute('role', 'alert');
    await expect(alert).toContainText('garbage.onnx is not an ONNX model');
    await expect(page.getByTestId('opened-badge')).toHaveCount(0);
    await page.getByTestId('open-model-error-dismiss').click();
    await expect(alert).toHaveCount(0);

    // A file of 600 MiB, dropped: refused from its size before a byte is read (the fake's bytes are empty).
    await page.evaluate(() => {
      const file = new File([new Uint8Array(8)], 'huge.onnx');
      Object.defineProperty(file, 'size', { value: 600 * 1024 ** 2 });
      const drop = new Event('drop', { bubbles: true, cancelable: true });
      Object.defineProperty(drop, 'dataTransfer', { value: { files: [file], types: ['Files'] } });
      window.dispatchEvent(drop);
    });
    await expect(alert).toContainText('huge.onnx is 600 MB, more than the 512 MB');
    await expect(page.getByTestId('opened-badge')).toHaveCount(0);
    await expect(page.getByTestId('model-name')).toHaveText(modelName!);
    await expect(page.getByRole('textbox', { name: 'Text' })).toHaveValue(text);
    const after = await readMap(page);
    expect(after.resultId).toBe(before.resultId);
    expect(after.rows).toEqual(before.rows);
  });

  test('drag and drop of a file onto the page opens it; a drag of text does not', async ({ page }) => {
    const ref = loadRef('torch-encoder');
    await page.goto('/');
    await setText(page, ref.text);
    await waitForMap(page, ref.text.length, ref.text);
    const bytes = [...readFileSync(ENCODER)];
    // Text dragged over the page: no overlay, and its drop opens nothing.
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.setData('text/plain', 'hello');
      document.body.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await expect(page.getByTestId('drop-overlay')).toHaveCount(0);
    await page.evaluate((data) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], 'torch-encoder.onnx'));
      document.body.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true }));
    }, bytes);
    await expect(page.getByTestId('drop-overlay')).toHaveText('Drop an ONNX model to open it');
    await page.evaluate((data) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], 'torch-encoder.onnx'));
      document.body.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, bytes);
    await expect(page.getByTestId('drop-overlay')).toHaveCount(0);
    await expect(page.getByTestId('opened-badge')).toHaveText('opened model: torch-encoder.onnx');
    const want = await ortMaps(ENCODER, ref.input_ids);
    const map = await waitForOpenedMap(page, 'torch-encoder.onnx', want.T);
    expectMapEquals(map, want.maps[0]![0]!);
  });

  test('compare: an opened A against a playground B, then two opened models', async ({ page }) => {
    const ref = loadRef('torch-encoder');
    await page.goto('/');
    await setText(page, ref.text);
    await waitForMap(page, ref.text.length, ref.text);
    await openFile(page, ENCODER);
    const want = await ortMaps(ENCODER, ref.input_ids);
    await waitForOpenedMap(page, 'torch-encoder.onnx', want.T);

    // B: the playground's default preset, on the same characters (the same T): A, B and B − A.
    const preset = await page.getByTestId('compare-select').locator('option').nth(2).getAttribute('value');
    await page.getByTestId('compare-select').selectOption(preset!);
    await expect(page.getByTestId('compare-what')).toContainText('A: the opened model “torch-encoder.onnx”');
    const rowsOf = (id: string) => page.getByTestId(id).getAttribute('data-rows');
    await waitWhileBusy(page, async () => (await rowsOf('compare-map-b')) === String(want.T) && (await rowsOf('compare-diff')) === String(want.T), 'B and B − A');
    const a = (await page.getByTestId('compare-map-a').getAttribute('data-values'))!.split(';').map((r) => r.split(',').map(Number));
    expectMapEquals({ ...(await readMap(page)), rows: a }, want.maps[0]![0]!);

    // B: the same file opened again: B − A is zero everywhere.
    await page.getByTestId('compare-open-input').setInputFiles(ENCODER);
    await expect(page.getByTestId('compare-what')).toContainText('B: the opened model “torch-encoder.onnx”');
    await waitWhileBusy(page, async () => (await page.getByTestId('compare-diff').getAttribute('data-max')) === '0' && (await rowsOf('compare-map-b')) === String(want.T) && (await rowsOf('compare-diff')) === String(want.T), 'B − A of one model with itself');

    // B: the GPT-2-shaped model through its BPE: another T, so no difference map, and the page says why.
    await page.getByTestId('compare-open-input').setInputFiles(GPT2);
    await expect(page.getByTestId('compare-what')).toContainText('B: the opened model “torch-gpt2.onnx”');
    await expect(page.getByTestId('compare-b-tokenizer')).toHaveValue('gpt2');
    await expect(page.getByTestId('compare-diff-note')).toContainText('same positions');
    await expect(page.getByTestId('compare-latency-b')).toContainText('ms');
  });
});
