/**
 * Token reduction in the graph (compile option `reduce`, src/compiler/reduce.ts): R = I gives the
 * full model's outputs exactly; pruning and merging matrices give the float64 reference's outputs
 * (test/reference/forward64.ts with the same R applied after the cut); refusals; and the worker's
 * whole request (workers/prune.ts) on a BERT-like encoder.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { REDUCE_HIDDEN, REDUCE_INPUT, REDUCE_STREAM } from '../../src/compiler/reduce';
import { toOnnxBytes } from '../../src/graph/onnx';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import type { LayerSpec, Spec } from '../../src/spec/types';
import { tokenize, VOCAB_SIZE } from '../../src/spec/vocab';
import { referenceForward } from '../reference/forward64';
import { expectClose, nodeRuntime, rng, weightsOf } from '../helpers';
import { reduceTokens } from '../../workers/prune';
import { cpuOnly } from '../graph/gpuOps';

const TEXT = 'Pruning an encoder keeps what matters.';
const ids = tokenize(TEXT, 64).ids;
const T = ids.length;

/** A bidirectional layer (BERT: softmax attention with causal off). */
const encoderLayer = (l: Partial<LayerSpec> = {}): LayerSpec => ({ ...defaultLayer(), mixer: { kind: 'softmax_attention', params: { causal: false, kvHeads: 0 } }, ...l });
const encoder = (layers: LayerSpec[], model: Partial<Spec> = {}): Spec => ({ ...defaultSpec(), dModel: 32, nHeads: 4, maxLen: 64, layers, ...model });
/** BERT-like: Post-LN, bidirectional attention, GELU MLPs, learned absolute positions. */
const BERT_LIKE = encoder([0, 1, 2].map(() => encoderLayer({ placement: 'post' })), { name: 'BERT-like encoder' });

async function run(spec: Spec, mode: 'inspect' | 'fast', reduce?: { afterRun: number; keep: number; R: Float64Array }) {
  const graph = compile(spec, { T, mode, ...(reduce ? { reduce: { afterRun: reduce.afterRun, keep: reduce.keep } } : {}) });
  const model = await (await nodeRuntime()).load(toOnnxBytes(graph));
  try {
    if (reduce) await model.setWeights([{ name: REDUCE_INPUT, dims: [1, reduce.keep, T], data: Float32Array.from(reduce.R) }]);
    return { out: await model.run(ids), graph };
  } finally {
    await model.release();
  }
}

const identity = () => Float64Array.from({ length: T * T }, (_, k) => (Math.floor(k / T) === k % T ? 1 : 0));

describe('compile option reduce', () => {
  it('R = I at keep = T gives the full model’s logits exactly, in both modes', async () => {
    for (const mode of ['inspect', 'fast'] as const) {
      const full = await run(BERT_LIKE, mode);
      const same = await run(BERT_LIKE, mode, { afterRun: 1, keep: T, R: identity() });
      expect(Array.from(same.out['logits']!.data)).toEqual(Array.from(full.out['logits']!.data));
      expect(same.out[REDUCE_STREAM]!.dims).toEqual([1, T, 32]);
      expect(same.out[REDUCE_HIDDEN]!.dims).toEqual([1, T, 32]);
      if (mode === 'inspect') expect(Array.from(same.out['attn_probs.2']!.data)).toEqual(Array.from(full.out['attn_probs.2']!.data));
    }
  });

  const topologies: [string, LayerSpec[]][] = [
    ['BERT-like (post-LN, sequential)', BERT_LIKE.layers],
    ['pre-LN, parallel and ladder', [encoderLayer(), encoderLayer({ topology: { kind: 'parallel', params: {} } }), encoderLayer({ topology: { kind: 'ladder', params: {} } })]],
    ['reversible, linear attention after the cut', [encoderLayer({ topology: { kind: 'reversible', params: {} } }), encoderLayer({ topology: { kind: 'reversible', params: {} }, mixer: { kind: 'linear_attention', params: { causal: false } } })]],
  ];
  for (const [what, layers] of topologies) {
    it(`${what}: pruned and merged (many-to-many too) outputs match the float64 reference`, async () => {
      const spec = encoder(layers, { position: { kind: 'sinusoidal', params: {} } });
      const r = rng(5);
      const keep = 13;
      const kept = Array.from({ length: T }, (_, i) => i).sort(() => r() - 0.5).slice(0, keep).sort((a, b) => a - b);
      const prune = new Float64Array(keep * T);
      kept.forEach((j, k) => (prune[k * T + j] = 1));
      // A soft many-to-many matrix: random non-negative rows summing to 1.
      const soft = new Float64Array(keep * T);
      for (let i = 0; i < keep; i++) {
        const w = Array.from({ length: T }, () => (r() < 0.3 ? r() : 0));
        w[i] = (w[i] ?? 0) + 0.5;
        const z = w.reduce((a, b) => a + b, 0);
        w.forEach((v, j) => (soft[i * T + j] = v / z));
      }
      for (const R of [prune, soft]) {
        const { out, graph } = await run(spec, 'fast', { afterRun: 0, keep, R });
        const ref = referenceForward(spec, weightsOf(graph), ids, VOCAB_SIZE, { afterRun: 0, keep, R });
        expect(out['logits']!.dims).toEqual([1, keep, VOCAB_SIZE]);
        expectClose(out['logits']!.data, ref.logits, 1e-4, `${what}: logits`);
        expectClose(out[REDUCE_HIDDEN]!.data, ref.hidden, 1e-4, `${what}: hidden`);
      }
    });
  }

  const positions: [string, Spec['position']][] = [
    ['RoPE', { kind: 'rope', params: { base: 10000, fraction: 1 } }],
    ['ALiBi', { kind: 'alibi', params: {} }],
    ['T5 bias', { kind: 't5_bias', params: { buckets: 32, maxDistance: 128, bidirectional: true } }],
  ];
  for (const [what, position] of positions) {
    it(`${what} inside attention: R = I matches the full model, and pruned tokens keep their positions (float64 reference)`, async () => {
      const spec = encoder([encoderLayer(), encoderLayer(), encoderLayer()], { position });
      const full = await run(spec, 'fast');
      const same = await run(spec, 'fast', { afterRun: 0, keep: T, R: identity() });
      expectClose(same.out['logits']!.data, full.out['logits']!.data, 1e-4, `${what}: R = I`);
      const kept = Array.from({ length: T }, (_, i) => i).filter((i) => i % 3 !== 1);
      const R = new Float64Array(kept.length * T);
      kept.forEach((j, k) => (R[k * T + j] = 1));
      const { out, graph } = await run(spec, 'fast', { afterRun: 1, keep: kept.length, R });
      const ref = referenceForward(spec, weightsOf(graph), ids, VOCAB_SIZE, { afterRun: 1, keep: kept.length, R });
      expectClose(out['logits']!.data, ref.logits, 1e-4, `${what}: pruned logits`);
    });
  }

  it('reduced graphs use only ops onnxruntime-web runs on WebGPU, with each kind of position', () => {
    for (const [, position] of [['learned', BERT_LIKE.position] as const, ...positions]) {
      const ops = new Set(compile({ ...BERT_LIKE, position }, { T, mode: 'fast', reduce: { afterRun: 0, keep: 9 } }).nodes.map((n) => n.op));
      expect(cpuOnly(ops)).toEqual([]);
    }
  });

  it('refuses causal models, index-dependent mixers after the cut, bad keep, reduced inspect graphs, and batches with positions inside attention', () => {
    const refusal = (spec: Spec, reduce: { afterRun: number; keep: number }, mode: 'fast' | 'inspect' = 'fast', batch = 1) => {
      try {
        compile(spec, { T, mode, reduce, batch });
        return '';
      } catch (e) {
        return String(e);
      }
    };
    expect(refusal(defaultSpec(), { afterRun: 0, keep: 10 })).toMatch(/is causal; pruning or merging a causal decoder's tokens changes what every later token may see.*use KV-cache eviction/);
    const rope = { ...BERT_LIKE, position: { kind: 'rope', params: { base: 10000, fraction: 1 } } };
    expect(refusal(rope, { afterRun: 0, keep: 10 })).toBe('');
    expect(refusal(rope, { afterRun: 0, keep: 10 }, 'fast', 2)).toMatch(/"rope" acts inside attention.*batch 1/);
    expect(refusal(BERT_LIKE, { afterRun: 0, keep: 10 }, 'fast', 2)).toBe('');
    const windowed = encoder([encoderLayer(), encoderLayer({ mixer: { kind: 'sliding_window', params: { window: 4, causal: false, kvHeads: 0 } } })]);
    expect(refusal(windowed, { afterRun: 0, keep: 10 })).toMatch(/layer run 1 comes after the cut.*"sliding_window" depends on token indices/);
    expect(refusal(windowed, { afterRun: 1, keep: 10 })).toBe(''); // before the cut it may run
    expect(refusal(BERT_LIKE, { afterRun: 3, keep: 10 })).toMatch(/from 0 to 2, got 3/);
    expect(refusal(BERT_LIKE, { afterRun: 0, keep: T + 1 })).toMatch(new RegExp(`from 1 to T \\(${T}\\), got ${T + 1}`));
    expect(refusal(BERT_LIKE, { afterRun: 0, keep: 10 }, 'inspect')).toMatch(/only keep = T, R = I, is taken there/);
  });
});

describe('the worker’s request on a BERT-like encoder (workers/prune.ts)', () => {
  const load = async (bytes: Uint8Array) => (await nodeRuntime()).load(bytes);
  const req = { id: 1, spec: BERT_LIKE, tokens: ids, afterRun: 0 };

  it('keep = T changes nothing (KL 0, cosine 1) for both methods', async () => {
    for (const method of ['zero_tprune', 'tome'] as const) {
      const res = await reduceTokens(load, { ...req, method, keep: T });
      expect(res.groups).toEqual(Array.from({ length: T }, (_, i) => [i]));
      expect(res.change.klMax).toBeLessThan(1e-6);
      expect(res.change.pooledCosine).toBeGreaterThan(1 - 1e-6);
    }
  });

  it('Zero-TPrune keeps the most important tokens by PageRank; ToMe merges into groups; both change the outputs', async () => {
    const keep = 12;
    const pruned = await reduceTokens(load, { ...req, method: 'zero_tprune', keep });
    expect(pruned.groups.every((g) => g.length === 1)).toBe(true);
    const imp = pruned.importance!;
    const kept = pruned.groups.map((g) => g[0]!);
    const least = Math.min(...kept.map((j) => imp[j]!));
    for (let j = 0; j < T; j++) if (!kept.includes(j)) expect(imp[j]!).toBeLessThanOrEqual(least);
    const merged = await reduceTokens(load, { ...req, method: 'tome', keep });
    expect(merged.groups).toHaveLength(keep);
    expect(merged.groups.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: T }, (_, i) => i));
    for (const res of [pruned, merged]) {
      expect(res.change.klPerToken).toHaveLength(keep);
      expect(res.change.klMean).toBeGreaterThan(0);
      expect(res.change.pooledCosine).toBeLessThan(1);
      expect(res.weights).toBe('seed 1');
    }
  });

  it('refuses a causal decoder with the sentence why', async () => {
    await expect(reduceTokens(load, { ...req, spec: defaultSpec(), method: 'tome', keep: 10 })).rejects.toThrow(/use KV-cache eviction/);
  });
});
