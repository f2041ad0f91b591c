/**
 * The KV-cache eviction simulator (issue 20, item 4): the view's kept-mass curves and table against
 * what the test computes itself, in plain loops, from the map the page draws (StreamingLLM, H2O
 * and the top-k ceiling) and from every head of the exported ONNX model (the all-heads column).
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { expect, test } from './fixtures';
import { tokenize } from '../src/spec/vocab';
import { waitForMap } from './helpers';

const TEXT = 'The cat sat on the mat because it was warm.';

/** Kept mass per step of a policy given as "which keys stay at step t", on rows A[t][0..t]. */
const keptOf = (A: number[][], keep: (t: number) => Set<number>) => A.map((row, t) => [...keep(t)].reduce((s, j) => s + row[j]!, 0));

const streaming = (B: number) => (t: number) => new Set(Array.from({ length: t + 1 }, (_, j) => j).filter((j) => t < B || j < Math.min(4, B - 1) || j > t - (B - Math.min(4, B - 1))));
const ceiling = (A: number[][], B: number) => (t: number) => new Set(A[t]!.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0] || b[1] - a[1]).slice(0, B).map((x) => x[1]));

/** H2O from the paper: accumulated attention of cached keys; evict the lowest outside the recent window r = B/2, one at a time. */
function h2oKeeps(A: number[][], B: number): Set<number>[] {
  const r = Math.max(1, Math.round(B / 2));
  const S: number[] = [];
  let cache: number[] = [];
  return A.map((row, t) => {
    cache.push(t);
    S.push(0);
    while (cache.length > B) {
      const old = cache.filter((j) => j <= t - r);
      const worst = old.reduce((w, j) => (S[j]! < S[w]! ? j : w), old[0]!);
      cache = cache.filter((j) => j !== worst);
    }
    for (let j = 0; j <= t; j++) S[j] = cache.includes(j) ? S[j]! + row[j]! : 0;
    return new Set(cache);
  });
}

test('the eviction view’s kept mass and table match plain computations from the map', async ({ page }) => {
  await page.goto('/');
  const T = TEXT.length;
  const map = await waitForMap(page, T);
  const A = map.rows.map((r, t) => r.slice(0, t + 1));
  const series = page.getByTestId('eviction-series');
  await expect(series).toHaveAttribute('data-kept', /\d/);
  const B = Number(await series.getAttribute('data-budget'));
  expect(B).toBe(Math.round(0.2 * T)); // H2O's 20% budget by default
  const kinds = (await series.getAttribute('data-policies'))!.split(',');
  const kept = (await series.getAttribute('data-kept'))!.split(';').map((r) => r.split(',').map(Number));
  const h2o = h2oKeeps(A, B);
  const want: Record<string, number[]> = { streaming_llm: keptOf(A, streaming(B)), topk: keptOf(A, ceiling(A, B)), h2o: keptOf(A, (t) => h2o[t]!) };
  for (const [kind, w] of Object.entries(want)) w.forEach((v, t) => expect(Math.abs(kept[kinds.indexOf(kind)]![t]! - v), `${kind} step ${t}`).toBeLessThan(2e-5));
  for (const k of kept) k.forEach((v, t) => expect(v).toBeLessThanOrEqual(want['topk']![t]! + 2e-5)); // nothing beats the ceiling

  // The table: this head's mean over the evicting steps (t ≥ B) of the ceiling, at B = 20% of T.
  const mean = (v: number[], b: number) => v.slice(b).reduce((s, x) => s + x, 0) / (T - b);
  const cell = page.locator(`[data-testid="eviction-cell"][data-kind="topk"][data-budget="${B}"]`);
  expect(Math.abs(Number(await cell.getAttribute('data-head-mean')) - mean(want['topk']!, B))).toBeLessThan(2e-5);

  // All heads: StreamingLLM's mean over every head of every layer run of the exported model.
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-onnx').click()]);
  const ids = tokenize(TEXT, 128).ids;
  const session = await ort.InferenceSession.create(readFileSync((await file.path())!));
  const out = await session.run({ tokens: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]) });
  await session.release();
  const means: number[] = [];
  for (const [name, tensor] of Object.entries(out)) {
    if (!name.startsWith('attn_probs.')) continue;
    const data = tensor.data as Float32Array;
    for (let h = 0; h < tensor.dims[1]!; h++) {
      const rows = Array.from({ length: T }, (_, t) => Array.from(data.subarray((h * T + t) * T, (h * T + t) * T + t + 1)));
      means.push(mean(keptOf(rows, streaming(B)), B));
    }
  }
  const all = page.locator(`[data-testid="eviction-cell-all"][data-kind="streaming_llm"][data-budget="${B}"]`);
  await expect(all).not.toHaveAttribute('data-all-mean', '');
  await expect(page.getByTestId('eviction-table')).toHaveAttribute('data-heads', String(means.length));
  expect(Math.abs(Number(await all.getAttribute('data-all-mean')) - means.reduce((s, v) => s + v, 0) / means.length)).toBeLessThan(1e-5);
});
