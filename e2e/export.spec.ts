/**
 * What the views show against what the exported model computes: the test downloads the ONNX file
 * the page runs, runs it itself in onnxruntime-node, and compares the numbers on screen (map rows,
 * an entropy value, the next-token argmax) with the file's outputs.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import * as ort from 'onnxruntime-node';
import { parseSpecJson } from '../src/spec/schema';
import { tokenize } from '../src/spec/vocab';
import { readMap, waitForMap } from './helpers';

const TEXT = 'The cat sat on the mat because it was warm.';

async function downloaded(page: Page, click: () => Promise<void>): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), click()]);
  return readFileSync((await file.path())!);
}

async function runExported(bytes: Buffer, text: string) {
  const ids = tokenize(text, 128).ids;
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ tokens: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]) });
  const data = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { dims: v.dims as number[], data: v.data as Float32Array }]));
  await session.release();
  return { T: ids.length, out: data };
}

test('the map, an entropy value and the next-token argmax on screen are those of the exported model', async ({ page }) => {
  await page.goto('/');
  await waitForMap(page, TEXT.length);
  await page.getByTestId('head-select').selectOption('2');
  await expect(page.getByTestId('attention-map')).toHaveAttribute('data-head', '2');
  const map = await readMap(page);

  const bytes = await downloaded(page, () => page.getByTestId('export-onnx').click());
  const { T, out } = await runExported(bytes, TEXT);
  expect(out['attn_probs.0']!.dims).toEqual([1, 4, T, T]);

  // Row sums: each row of the file's map sums to 1, and the drawn rows match the file's cell by cell.
  const probs = out['attn_probs.0']!.data;
  for (let i = 0; i < T; i++) {
    let sum = 0;
    for (let j = 0; j < T; j++) {
      const w = probs[(2 * T + i) * T + j]!;
      sum += w;
      expect(Math.abs(map.rows[i]![j]! - w)).toBeLessThan(1e-5);
    }
    expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
  }

  // Entropy: head 1's mean over queries, as the entropy view shows it.
  const ent = out['attn_entropy.0']!.data;
  const mean = Array.from(ent.subarray(T, 2 * T)).reduce((a, b) => a + b, 0) / T;
  const shown = Number(await page.getByTestId('entropy').locator('li[data-head="1"]').getAttribute('data-entropy-nats'));
  expect(Math.abs(shown - mean)).toBeLessThan(1e-5);

  // Next token at the last position: the argmax of the file's logits.
  const logits = out['logits']!;
  const V = logits.dims[2]!;
  const last = Array.from(logits.data.subarray((T - 1) * V, T * V));
  const argmax = last.indexOf(Math.max(...last));
  await expect(page.getByTestId('next-token')).toHaveAttribute('data-position', String(T - 1));
  await expect(page.getByTestId('next-token')).toHaveAttribute('data-argmax', String(argmax));
});

test('the fast file gives the inspect file\'s logits, and the exported configuration is the model on screen', async ({ page }) => {
  await page.goto('/');
  await waitForMap(page, TEXT.length);
  await page.getByTestId('slot:1:mixer').getByRole('button').click();
  await page.getByTestId('inspector-kind').selectOption('mamba2');
  await expect(page.getByTestId('slot:1:mixer')).toHaveAttribute('data-kind', 'mamba2');

  const inspect = await runExported(await downloaded(page, () => page.getByTestId('export-onnx').click()), TEXT);
  await page.getByTestId('export-onnx-mode').selectOption('fast');
  const fast = await runExported(await downloaded(page, () => page.getByTestId('export-onnx').click()), TEXT);
  expect(Object.keys(fast.out)).toEqual(['logits']);
  const a = inspect.out['logits']!.data;
  const b = fast.out['logits']!.data;
  expect(b.length).toBe(a.length);
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!));
  expect(worst).toBeLessThan(1e-4);

  const json = await downloaded(page, () => page.getByTestId('export-config').click());
  const parsed = parseSpecJson(json.toString('utf8'));
  expect(parsed.ok).toBe(true);
  if (parsed.ok) expect(parsed.spec.layers.map((l) => l.mixer.kind)).toEqual(['softmax_attention', 'mamba2']);
});
