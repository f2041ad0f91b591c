/**
 * Layer dropping ("What Matters in Transformers?", He et al. 2024): the Drop view's similarities
 * and its KL(full ‖ dropped), each checked against what the test computes itself from the models'
 * exported ONNX files; the drop switch on the layer card, and a link that carries it.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import * as ort from 'onnxruntime-node';
import { expect, test } from './fixtures';
import { defaultLayer, defaultSpec } from '../src/spec/defaults';
import { shareToHash } from '../src/spec/share';
import { tokenize } from '../src/spec/vocab';
import { waitForMap } from './helpers';

const TEXT = 'The cat sat on the mat because it was warm.';

/** Every output of the model the page exports now (inspect mode), run on TEXT. */
async function exported(page: Page): Promise<Record<string, Float32Array>> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-onnx').click()]);
  const ids = tokenize(TEXT, 128).ids;
  const session = await ort.InferenceSession.create(readFileSync((await file.path())!));
  const out = await session.run({ tokens: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]) });
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

const mean = (v: Float32Array) => v.reduce((a, b) => a + b, 0) / v.length;

/** Mean over tokens of KL(P ‖ Q), P and Q the softmaxes of two [T, V] logits, in float64. */
function meanKl(p: Float32Array, q: Float32Array, T: number): number {
  const V = p.length / T;
  let total = 0;
  for (let t = 0; t < T; t++) {
    const row = (x: Float32Array) => Array.from(x.subarray(t * V, (t + 1) * V));
    const soft = (x: number[]) => {
      const m = Math.max(...x);
      const e = x.map((v) => Math.exp(v - m));
      const z = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / z);
    };
    const P = soft(row(p));
    const Q = soft(row(q));
    total += P.reduce((s, pv, v) => s + pv * Math.log(pv / Q[v]!), 0);
  }
  return total / T;
}

test('the Drop view ranks sub-blocks by similarity, and a drop shows its KL from the full model', async ({ page }) => {
  await page.goto('/');
  const T = TEXT.length;
  await waitForMap(page, T);
  const rows = page.getByTestId('drop-row');
  await expect(rows).toHaveCount(4); // 2 layers × (mixer, feed-forward)

  // The similarities are the means of the exported model's probes, most similar first.
  const full = await exported(page);
  const shown = await rows.evaluateAll((trs) => trs.map((tr) => ({ layer: Number(tr.dataset['layer']), part: tr.dataset['part']!, sim: Number(tr.dataset['similarity']) })));
  for (const r of shown) expect(Math.abs(r.sim - mean(full[`sim_${r.part}.${r.layer}`]!))).toBeLessThan(1e-6);
  for (let k = 1; k < shown.length; k++) expect(shown[k - 1]!.sim).toBeGreaterThanOrEqual(shown[k]!.sim);

  // Drop layer 1's mixer on its layer card.
  await page.getByTestId('drop-1-mixer').check();
  await expect(page.getByTestId('slot:1:mixer')).toHaveAttribute('data-dropped', 'true');
  await expect(page.getByTestId('drop-current')).toContainText("layer 1's token mixer");
  await page.getByTestId('layer-select').selectOption('1');
  await expect(page.getByTestId('map-dropped')).toBeVisible();
  await page.getByTestId('drop-measure').click();
  const kl = page.getByTestId('drop-kl');
  await expect(kl).toHaveAttribute('data-kl', /\d/);
  await waitForMap(page, T);
  const dropped = await exported(page);
  expect(dropped['sim_mixer.1']).toBeUndefined();
  const want = meanKl(full['logits']!, dropped['logits']!, T);
  expect(want).toBeGreaterThan(0);
  expect(Math.abs(Number(await kl.getAttribute('data-kl')) - want)).toBeLessThan(1e-5 * Math.max(1, want));
  // The latencies of both fast graphs come in alternate rounds.
  await expect(page.getByTestId('drop-latency')).not.toHaveAttribute('data-ratio', '');

  // Back again: nothing dropped.
  await page.getByTestId('drop-1-mixer').uncheck();
  await expect(page.getByTestId('drop-current')).toContainText('Nothing is dropped');
});

test('a link carries the drop switches', async ({ page }) => {
  const spec = { ...defaultSpec(), layers: [{ ...defaultLayer(), drop: { mixer: false, ffn: true } }, defaultLayer()] };
  await page.goto(`/#${shareToHash({ v: 1, spec, text: TEXT, view: { layer: 0, head: 0 } })}`);
  await waitForMap(page, TEXT.length);
  await expect(page.getByTestId('drop-0-ffn')).toBeChecked();
  await expect(page.getByTestId('drop-0-mixer')).not.toBeChecked();
  await expect(page.getByTestId('slot:0:ffn')).toHaveAttribute('data-dropped', 'true');
  await expect(page.getByTestId('drop-current')).toContainText("layer 0's feed-forward");
});
