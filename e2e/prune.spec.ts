/**
 * Token pruning and merging (the Prune view): on a BERT-like encoder, the tokens the view keeps
 * (Zero-TPrune) are the top ones by a PageRank the test computes itself from the model's attention
 * maps, and the KL the view shows, for pruning and for merging, equals the test's own float64 KL
 * from the full and the reduced model, both run here in onnxruntime-node with R rebuilt from the
 * strip the page shows. A causal decoder (the default model) is refused with the reason.
 */
import * as ort from 'onnxruntime-node';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { compile } from '../src/compiler/compile';
import { toOnnxBytes } from '../src/graph/onnx';
import { defaultLayer, defaultSpec } from '../src/spec/defaults';
import { shareToHash } from '../src/spec/share';
import type { Spec } from '../src/spec/types';
import { tokenize } from '../src/spec/vocab';
import { waitForMap } from './helpers';

const TEXT = 'The cat sat on the mat because it was warm.';
const ids = tokenize(TEXT, 128).ids;
const T = ids.length;
const BERT_LIKE: Spec = {
  ...defaultSpec(),
  name: 'BERT-like encoder',
  layers: [0, 1, 2].map(() => ({ ...defaultLayer(), placement: 'post' as const, mixer: { kind: 'softmax_attention', params: { causal: false, kvHeads: 0 } } })),
};

/** Every output of `spec`'s graph on TEXT (onnxruntime-node), with R fed when it is reduced. */
async function outputs(spec: Spec, mode: 'inspect' | 'fast', reduce?: { afterRun: number; keep: number; R: Float32Array }) {
  const graph = compile(spec, { T, mode, ...(reduce ? { reduce: { afterRun: reduce.afterRun, keep: reduce.keep } } : {}) });
  const session = await ort.InferenceSession.create(toOnnxBytes(graph));
  const feeds: Record<string, ort.Tensor> = { tokens: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, T]) };
  if (reduce) feeds['reduce'] = new ort.Tensor('float32', reduce.R, [1, reduce.keep, T]);
  const out = await session.run(feeds);
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

/** Mean over reduced rows of KL(Σ_j R_ij softmax(full_j) ‖ softmax(reduced_i)), float64. */
function meanKl(full: Float32Array, reduced: Float32Array, R: Float32Array, keep: number): number {
  const V = full.length / T;
  const soft = (z: Float32Array, t: number) => {
    const row = Array.from(z.subarray(t * V, (t + 1) * V));
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  let total = 0;
  for (let i = 0; i < keep; i++) {
    const P = new Array<number>(V).fill(0);
    for (let j = 0; j < T; j++) if (R[i * T + j]) soft(full, j).forEach((p, v) => (P[v] = P[v]! + R[i * T + j]! * p));
    const Q = soft(reduced, i);
    total += P.reduce((s, p, v) => s + (p > 0 ? p * Math.log(p / Q[v]!) : 0), 0);
  }
  return total / keep;
}

/** Runs the view with `method` after layer run `afterRun` down to `keep`; the groups the strip shows. */
async function reduceInPage(page: Page, method: string, afterRun: number, keep: number): Promise<{ groups: number[][]; kl: number }> {
  await page.getByTestId('prune-method').selectOption(method);
  await page.getByTestId('prune-layer').selectOption(String(afterRun));
  await page.getByTestId('prune-keep').fill(String(keep));
  const kl = page.getByTestId('prune-kl');
  const before = (await kl.count()) ? await kl.getAttribute('data-kl') : null;
  await page.getByTestId('prune-run').click();
  await expect(kl).toHaveAttribute('data-kl', /\d/);
  if (before !== null) await expect(kl).not.toHaveAttribute('data-kl', before);
  const tokens = await page.getByTestId('prune-token').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['group'] ?? ''));
  const groups: number[][] = Array.from({ length: keep }, () => []);
  tokens.forEach((g, j) => g !== '' && groups[Number(g)]!.push(j));
  return { groups, kl: Number(await kl.getAttribute('data-kl')) };
}

test('the Prune view: Zero-TPrune keeps the PageRank top tokens; its KL and ToMe’s match the test’s own', async ({ page }) => {
  await page.goto('/');
  await waitForMap(page, T);
  await expect(page.getByTestId('prune-refused')).toContainText('use KV-cache eviction');
  await expect(page.getByTestId('prune-run')).toBeDisabled();

  await page.goto(`/#${shareToHash({ v: 1, spec: BERT_LIKE, text: TEXT, view: { layer: 0, head: 0 } })}`);
  await waitForMap(page, T);
  await expect(page.getByTestId('prune-refused')).toHaveCount(0);
  const full = await outputs(BERT_LIKE, 'inspect');
  const keep = 20;

  // Zero-TPrune after layer run 1: the test's own power iteration s ← Aᵀ s per head, averaged.
  const pruned = await reduceInPage(page, 'zero_tprune', 1, keep);
  const maps = full['attn_probs.1']!;
  const H = BERT_LIKE.nHeads;
  const score = new Array<number>(T).fill(0);
  for (let h = 0; h < H; h++) {
    let s = new Array<number>(T).fill(1 / T);
    for (let it = 0; it < 300; it++) s = s.map((_, j) => s.reduce((acc, si, i) => acc + maps[h * T * T + i * T + j]! * si, 0));
    s.forEach((v, j) => (score[j] = score[j]! + v / H));
  }
  const top = score.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, keep).map(([, j]) => j).sort((a, b) => a - b);
  expect(pruned.groups.map((g) => g[0])).toEqual(top);
  expect(pruned.groups.every((g) => g.length === 1)).toBe(true);

  // KL against the test's own runs of the full and reduced graphs, R rebuilt from the strip.
  for (const [method, shown] of [['zero_tprune', pruned], ['tome', await reduceInPage(page, 'tome', 1, keep)]] as const) {
    const R = new Float32Array(keep * T);
    shown.groups.forEach((g, i) => g.forEach((j) => (R[i * T + j] = 1 / g.length)));
    const reduced = await outputs(BERT_LIKE, 'fast', { afterRun: 1, keep, R });
    const want = meanKl(full['logits']!, reduced['logits']!, R, keep);
    expect(want, method).toBeGreaterThan(0);
    expect(Math.abs(shown.kl - want), method).toBeLessThan(1e-4 * Math.max(1, want));
  }
});
