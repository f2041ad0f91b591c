// The worker's eviction re-run (workers/evictionCost.ts): on a briefly trained model the full
// cache's task accuracy is the eval graph's (src/train/evaluate.ts) on the same held-out rows, a
// budget that holds every example changes no answer, and a refusal names what is wrong.
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/defaults';
import type { Spec } from '../../src/spec/types';
import { evaluateAt } from '../../src/train/evaluate';
import { recipe, train } from '../../src/train/run';
import { findTask } from '../../src/train/tasks/registry';
import type { OrtLike } from '../../src/train/trainer';
import { runEvictionCost, type Load } from '../../workers/evictionCost';
import { nodeRuntime } from '../helpers';

const ort = ortNode as unknown as OrtLike;
const load: Load = async (bytes) => (await nodeRuntime()).load(bytes, { optimize: false });

function tiny(): Spec {
  const base = defaultSpec();
  return { ...base, name: 'tiny', dModel: 16, nHeads: 2, maxLen: 16, layers: base.layers.slice(0, 2), seed: 1 };
}
const COPY = recipe({ task: 'copy', taskParams: { minLen: 1, maxLen: 4, alphabet: 4 }, T: 10, batch: 8, steps: 40, lr: 1e-2, warmup: 4, evalEvery: 40 });
const N = 8;

describe('workers/evictionCost', () => {
  it('a trained model: the full cache scores what the eval graph scores; a budget that holds every example changes nothing', async () => {
    const run = await train(ort, tiny(), COPY, { trainer: { providers: ['cpu'] } });
    const state = await run.trainer.readState();
    const weights = [...(await run.trainer.weights())].map(([name, data]) => ({ name, dims: [data.length], data: Float32Array.from(data) }));
    await run.trainer.release();

    // The eval graph on the first N held-out rows.
    const held = findTask('copy')!.heldOut(COPY.taskParams, COPY.T);
    const rows = (a: Int32Array | Float32Array) => a.slice(0, N * COPY.T);
    const batch = { tokens: rows(held.tokens) as Int32Array, targets: rows(held.targets) as Int32Array, lossMask: rows(held.lossMask) as Float32Array };
    const evaluated = await evaluateAt(ort, tiny(), state, { T: COPY.T, batch: N }, [batch], ['cpu']);

    const text = [5, 6, 7, 5, 6, 7, 8, 5];
    const progress: number[] = [];
    const r = await runEvictionCost(load, { id: 1, spec: tiny(), tokens: text, budgets: [2, COPY.T], policies: ['streaming_llm', 'h2o'], examples: N }, undefined, (p) => progress.push(p.done), {
      inputs: { key: 'trained 1 step 40', weights },
      recipe: COPY,
    });
    expect(r.weights).toBe('trained 1 step 40');
    expect(r.evictedRuns).toEqual([0, 1]);
    expect(r.accuracy?.examples).toBe(N);
    expect(r.accuracy!.full).toBeCloseTo(evaluated.accuracy, 6);
    expect(r.accuracy!.full).toBeGreaterThan(0); // trained: it got some right
    for (const c of r.cells) {
      expect(c.kl).toHaveLength(text.length);
      if (c.budget >= COPY.T) {
        expect(c.accuracy).toBe(r.accuracy!.full);
        expect(c.meanKl).toBe(0);
      }
    }
    expect(r.cells.filter((c) => c.budget === 2).some((c) => c.meanKl > 0)).toBe(true);
    expect(progress.slice(0, 4)).toEqual([1, 2, 3, 4]);
  }, 120_000);

  it('positions within the cache renumber StreamingLLM only (RoPE model); a sinks + window model cannot take them', async () => {
    const rope: Spec = { ...tiny(), position: { kind: 'rope', params: {} } };
    const req = { id: 1, spec: rope, tokens: [5, 6, 7, 5, 6, 7, 8, 5, 9, 4], budgets: [4], policies: ['streaming_llm', 'h2o'] as const };
    const text = await runEvictionCost(load, { ...req, policies: [...req.policies] });
    const ranked = await runEvictionCost(load, { ...req, policies: [...req.policies], cachePositions: true });
    const kl = (r: typeof text, kind: string) => r.cells.find((c) => c.kind === kind)!.meanKl;
    expect(kl(ranked, 'h2o')).toBeCloseTo(kl(text, 'h2o'), 9);
    expect(Math.abs(kl(ranked, 'streaming_llm') - kl(text, 'streaming_llm'))).toBeGreaterThan(1e-6);
    const sinks: Spec = { ...rope, layers: rope.layers.map((l, i) => (i ? { ...l, mixer: { kind: 'sink_attention', params: { sinks: 2, window: 3 } } } : l)) };
    await expect(runEvictionCost(load, { ...req, policies: [...req.policies], spec: sinks, cachePositions: true })).rejects.toThrow(/one slot per token/);
  }, 60_000);

  it('refuses a bad request in one sentence', async () => {
    const req = { id: 1, spec: tiny(), tokens: [5, 6, 7], budgets: [0] };
    await expect(runEvictionCost(load, req)).rejects.toThrow(/whole number of tokens/);
    await expect(runEvictionCost(load, { ...req, tokens: [5], budgets: [2] })).rejects.toThrow(/at least 2 tokens/);
    const linear: Spec = { ...tiny(), layers: tiny().layers.map((l) => ({ ...l, mixer: { kind: 'linear_attention', params: {} } })) };
    await expect(runEvictionCost(load, { ...req, spec: linear, budgets: [2] })).rejects.toThrow(/no attention cache/);
  }, 60_000);
});
