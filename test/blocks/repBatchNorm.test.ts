// SLAB's progressive re-parameterised BatchNorm (Guo et al., 2024): inference against the float64
// reference in every placement; the affine map folded into the next linear layers (same logits as
// unfolded); the training step's forward pass (batch statistics, the LN→RepBN schedule) and its
// gradient against a batch-aware float64 reference; the running statistics' moving average; and a
// few real training steps whose statistics reach the baked inference graph.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { progressiveLambda } from '../../src/blocks/repBatchNorm';
import { compile } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import { bakeWeights } from '../../src/train/bake';
import { weightShapes } from '../../src/train/trainedFile';
import { gradGraph } from '../../src/train/step';
import { Trainer, type OrtLike } from '../../src/train/trainer';
import { validateSpec } from '../../src/spec/schema';
import type { LayerSpec, Spec } from '../../src/spec/types';
import { tokenize, VOCAB_SIZE } from '../../src/spec/vocab';
import { referenceForward } from '../reference/forward64';
import { expectClose, nodeRuntime, rng } from '../helpers';
import { expectGradientsMatch, feedsOf, randomBatch, type Batch } from '../train/gradcheck';
import { session } from '../train/run';
import { aloneSpec, expectMatchesReference, TEXT, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';
import { batchStats, batchTraining, type BatchStats } from './repBatchNorm.ref';

const rep = (params: Record<string, unknown> = {}) => ({ kind: 'rep_batch_norm', params });
const PLACEMENTS: LayerSpec['placement'][] = ['pre', 'post', 'peri'];
const parsed = (spec: Spec): Spec => {
  const r = validateSpec(spec);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.spec;
};

/** Random γ, β, α, running statistics and biases, as a trained model has. */
function trainedLike(spec: Spec, seed = 4): Map<string, Float32Array> {
  const r = rng(seed);
  const w = new Map(compile(spec, { T: 4, mode: 'fast' }).initializers.filter((i) => i.trainable).map((i) => [i.tensor.name, Float32Array.from(i.data as Float32Array)]));
  for (const [name, v] of w) {
    const set = (f: () => number) => v.forEach((_, k) => (v[k] = f()));
    if (name.endsWith('.running_mean')) set(() => r() - 0.5);
    else if (name.endsWith('.running_var')) set(() => 0.3 + 2 * r());
    else if (name.endsWith('.gamma')) set(() => 0.5 + r());
    else if (name.endsWith('.alpha')) set(() => 0.2 + r());
    else if (name.endsWith('.beta') || /\.b[a-z0-9]+$/.test(name)) set(() => 0.3 * (r() - 0.5));
  }
  return w;
}

describe('rep_batch_norm at inference', () => {
  it.each(PLACEMENTS)('%s: alone and inside a 3-layer model, matches the float64 reference in both modes', async (placement) => {
    // Fast graphs fold the norm into the next linear layers, which rounds differently from the
    // inspect graph's x ⊙ a + c then W (fastTol 1e-4, as for the chunked mixers); both match the reference to 1e-4.
    await expectMatchesReference(aloneSpec({ norm: rep(), placement }), TEXT, 1e-4, 1e-4);
    await expectMatchesReference(threeLayerSpec({ norm: rep({ epsilon: 1e-4 }), placement }), TEXT, 1e-4, 1e-4);
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('norm', 'rep_batch_norm', (p) => aloneSpec({ norm: rep(p) }), 'layers.0.norm');
  });

  it.each(PLACEMENTS)('%s: the norm folded into the next linear layers gives the logits of the unfolded graph and of the reference', async (placement) => {
    const spec = parsed(threeLayerSpec({ norm: rep(), placement }, { position: { kind: 'learned_absolute', params: {} } }));
    const weights = trainedLike(spec);
    const tokens = tokenize(TEXT, spec.maxLen).ids;
    const rt = await nodeRuntime();
    const run = async (fold: boolean) => {
      const graph = bakeWeights(spec, { T: tokens.length, mode: 'fast', fold }, weights);
      const model = await rt.load(toOnnxBytes(graph));
      try { return { graph, logits: (await model.run(tokens))['logits']!.data as Float32Array }; } finally { await model.release(); }
    };
    const folded = await run(true);
    const unfolded = await run(false);
    const live = (g: typeof folded.graph) => (g.affines ?? []).filter((a) => g.nodes.some((n) => n.outputs[0]!.name === a.y)).length;
    // The block sits in the middle layer. Pre: both its norms feed only linear layers and fold away.
    // Post: none do (its output is the stream). Peri: the two input norms fold, the two output norms stay.
    expect(live(unfolded.graph)).toBe(unfolded.graph.affines!.length);
    expect(live(folded.graph)).toBe({ pre: 0, post: unfolded.graph.affines!.length, peri: 2 }[placement!]);
    expectClose(folded.logits, unfolded.logits, 1e-5, 'folded vs unfolded');
    const ref = referenceForward(spec, (n) => Float64Array.from(weights.get(n)!), tokens, VOCAB_SIZE).logits;
    expectClose(folded.logits, ref, 1e-4, 'folded vs reference');
  });
});

// ── training: batch statistics and the schedule ─────────────────────────────────────────────────

/** The masked mean cross-entropy of a training step's forward pass, with the batch statistics (see the .ref.ts). */
function trainingLoss(spec: Spec, w: (name: string) => Float64Array, batch: Batch, step: number): { loss: number; stats: BatchStats[] } {
  Object.assign(batchTraining, { active: true, step, stats: [] });
  try {
    for (;;) {
      batchTraining.collected = [];
      const logits = batch.tokens.map((tokens) => {
        batchTraining.call = 0;
        return referenceForward(spec, w, tokens, VOCAB_SIZE).logits;
      });
      if (batchTraining.collected.length) {
        batchTraining.stats.push(batchStats(batchTraining.collected));
        continue;
      }
      let sum = 0;
      let count = 0;
      batch.tokens.forEach((tokens, b) =>
        tokens.forEach((_, t) => {
          if (!batch.mask[b]![t]) return;
          const row = logits[b]!.subarray(t * VOCAB_SIZE, (t + 1) * VOCAB_SIZE);
          const max = Math.max(...row);
          sum += max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) - row[batch.targets[b]![t]!]!;
          count++;
        }),
      );
      return { loss: sum / Math.max(count, 1), stats: batchTraining.stats };
    }
  } finally {
    batchTraining.active = false;
  }
}

describe('rep_batch_norm in training', () => {
  const SMALL = { dModel: 16, nHeads: 2, maxLen: 16 };
  const params = { warm: 1, steps: 4, r0: 1, momentum: 0.1, epsilon: 1e-5 };
  const spec = parsed(aloneSpec({ norm: rep(params) }, SMALL));

  it('λ follows SLAB\'s LinearNorm: 1 while warming up, then r0·iter/steps with iter = steps, steps − 1, …, 0', () => {
    const p = { warm: 2, steps: 3, r0: 0.9 };
    expect([1, 2, 3, 4, 5, 6, 7].map((s) => progressiveLambda(s, p))).toEqual([1, 1, 0.9, 0.6, 0.3, 0, 0].map((v) => expect.closeTo(v, 12)));
  });

  // Step 1: LN only (warm-up); 2: λ = 1 (iter = 4); 3: λ = 0.75; 4: 0.5; 9: λ = 0, RepBN only.
  it.each([1, 3, 4, 9])('the gradient of the training step at step %i matches the batch-aware reference', async (step) => {
    await expectGradientsMatch(spec, { B: 2, T: 8, step, reference: (s, w, batch) => trainingLoss(s, w, batch, step).loss });
  }, 300_000);

  it('returns the running statistics\' moving average (unbiased variance), untouched while warming up', async () => {
    const T = 8;
    const B = 3;
    const batch = randomBatch(B, T, 2);
    const graph = gradGraph(spec, { T, batch: B }, { aux: false, training: true });
    const s = await session(graph);
    const w = new Map(compile(spec, { T, mode: 'fast', training: true }).initializers.filter((i) => i.trainable).map((i) => [i.tensor.name, Float64Array.from(i.data as Float32Array)]));
    for (const step of [1, 5]) {
      const out = await s.run({ ...feedsOf(batch), step: Float32Array.of(step) });
      const { stats } = trainingLoss(spec, (n) => w.get(n)!, batch, step); // statistics of each call, in order
      ['layers.0.norm_mixer', 'layers.0.norm_ffn', 'final_norm'].forEach((norm, k) => {
        const n = B * T;
        const wantMean = step === 1 ? w.get(`${norm}.running_mean`)! : stats[k]!.mean.map((m) => 0.9 * 0 + 0.1 * m);
        const wantVar = step === 1 ? w.get(`${norm}.running_var`)! : stats[k]!.variance.map((v) => 0.9 * 1 + 0.1 * v * (n / (n - 1)));
        expectClose(out[`next.${norm}.running_mean`]!.data, wantMean, 1e-5, `${norm} mean at step ${step}`);
        expectClose(out[`next.${norm}.running_var`]!.data, wantVar, 1e-5, `${norm} variance at step ${step}`);
      });
    }
    await s.release();
  });

  it('a few training steps move the running statistics, store them with the weights, and the baked model uses them', async () => {
    const trainer = await Trainer.create(ort as unknown as OrtLike, spec, { T: 8, batch: 2 });
    const batch = randomBatch(2, 8, 6);
    const examples = { tokens: batch.tokens.flat(), targets: batch.targets.flat(), lossMask: batch.mask.flat() };
    for (let i = 0; i < 3; i++) await trainer.train(examples, 1e-3);
    const held = await trainer.evaluate([examples]);
    const weights = await trainer.weights();
    const state = await trainer.readState();
    await trainer.release();
    expect([...state.keys()].filter((n) => n.includes('running_'))).toHaveLength(6); // no Adam moments for statistics
    expect([...state.keys()].filter((n) => n.includes('.ln_'))).toHaveLength(3 * 2 * 3); // the LN of the mix: weights and moments
    expect([...weights.keys()].filter((n) => n.includes('.ln_'))).toEqual([]); // not an inference weight
    expect([...weights.keys()].sort()).toEqual([...weightShapes(spec).keys()].sort()); // what a trained file holds
    const mean = weights.get('layers.0.norm_mixer.running_mean')!;
    expect(Math.max(...mean.map(Math.abs))).toBeGreaterThan(1e-3); // moved from 0 (steps 2 and 3)
    // The held-out loss is the baked inference model's (running statistics) on the same batch.
    const graph = bakeWeights(spec, { T: 8, mode: 'fast', batch: 2 }, weights);
    const s = await session(graph);
    const logits = (await s.run({ tokens: feedsOf(batch).tokens }))['logits']!.data;
    await s.release();
    const ref = batch.tokens.map((tokens) => referenceForward(spec, (n) => Float64Array.from(weights.get(n)!), tokens, VOCAB_SIZE).logits);
    expectClose(logits, Float64Array.from(ref.flatMap((r) => Array.from(r))), 1e-4, 'baked trained model vs reference');
    expect(Number.isFinite(held.loss)).toBe(true);
  }, 120_000);
});
