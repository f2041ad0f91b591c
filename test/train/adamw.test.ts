// The train graph's AdamW step against AdamW written from the paper in float64 (Loshchilov & Hutter,
// Decoupled Weight Decay Regularization, Algorithm 2, with Adam's bias correction and global-norm
// clipping before it). The reference's gradients come from the grad graph evaluated in float64 by
// the interpreter (test/reference/graph64.ts) at the reference's own weights; the train graph runs
// five steps in onnxruntime-web, feeding its outputs back as the next step's inputs.
import { expect, it } from 'vitest';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import { validateSpec } from '../../src/spec/schema';
import type { Spec } from '../../src/spec/types';
import { gradGraph, momentName, nextName, trainGraph } from '../../src/train/step';
import type { OptimizerSettings } from '../../src/train/optimizer';
import { evalGraph64 } from '../reference/graph64';
import { feedsOf, randomBatch } from './gradcheck';
import { session } from './run';

const spec: Spec = (() => {
  const r = validateSpec({ ...defaultSpec(), dModel: 16, nHeads: 2, maxLen: 16, layers: [defaultLayer()] });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.spec;
})();
const shape = { T: 8, batch: 2 };
// ε larger than the default, so that entries whose gradient is nearly 0 do not turn float32 rounding
// into a ±lr step (Adam's first update is lr·g/|g|); clipping on, at a norm the gradients exceed.
const opt: OptimizerSettings = { beta1: 0.9, beta2: 0.99, eps: 1e-4, weightDecay: 0.1, clipNorm: 0.5 };
const lrs = [1e-2, 2e-2, 3e-2, 2e-2, 1e-2];

it('five AdamW steps match a float64 AdamW written from the paper', async () => {
  const batch = randomBatch(shape.batch, shape.T, 3);
  const feeds = feedsOf(batch);
  const { graph, weights } = trainGraph(spec, shape, opt);
  const grads = gradGraph(spec, shape);

  // Reference state, float64.
  const w64 = new Map(weights.map((w) => [w.tensor.name, Float64Array.from(w.data as Float32Array)]));
  const m64 = new Map(weights.map((w) => [w.tensor.name, new Float64Array(w.data.length)]));
  const v64 = new Map(weights.map((w) => [w.tensor.name, new Float64Array(w.data.length)]));
  // Graph state, float32, fed back step by step.
  let state: Record<string, Float32Array> = {};
  for (const w of weights) {
    state[w.tensor.name] = Float32Array.from(w.data as Float32Array);
    state[momentName('m', w.tensor.name)] = new Float32Array(w.data.length);
    state[momentName('v', w.tensor.name)] = new Float32Array(w.data.length);
  }
  const s = await session(graph);
  for (let t = 1; t <= lrs.length; t++) {
    const lr = lrs[t - 1]!;
    const out = await s.run({ ...feeds, ...state, step: Float32Array.of(t), lr: Float32Array.of(lr) });

    const g = evalGraph64(grads, { tokens: feeds.tokens, targets: feeds.targets, loss_mask: batch.mask.flat() }, { overrides: Object.fromEntries(w64) });
    const gradOf = (name: string) => g[`grad.${name}`]!.data as Float64Array;
    const norm = Math.sqrt([...w64.keys()].reduce((sum, n) => sum + gradOf(n).reduce((a, x) => a + x * x, 0), 0));
    expect(Math.abs(out['grad_norm']!.data[0]! - norm), 'gradient norm').toBeLessThan(1e-4 * norm);
    const clip = Math.min(1, opt.clipNorm / (norm + 1e-6));
    for (const [name, w] of w64) {
      const gn = gradOf(name);
      const m = m64.get(name)!;
      const v = v64.get(name)!;
      const decay = weights.find((x) => x.tensor.name === name)!.tensor.shape.length >= 2 ? opt.weightDecay : 0;
      for (let i = 0; i < w.length; i++) {
        const gi = gn[i]! * clip;
        m[i] = opt.beta1 * m[i]! + (1 - opt.beta1) * gi;
        v[i] = opt.beta2 * v[i]! + (1 - opt.beta2) * gi * gi;
        const mHat = m[i]! / (1 - opt.beta1 ** t);
        const vHat = v[i]! / (1 - opt.beta2 ** t);
        w[i] = w[i]! - lr * (mHat / (Math.sqrt(vHat) + opt.eps) + decay * w[i]!);
      }
    }
    const next: Record<string, Float32Array> = {};
    for (const name of Object.keys(state)) next[name] = out[nextName(name)]!.data;
    state = next;
    for (const [name, w] of w64) {
      const got = state[name]!;
      let worst = 0;
      w.forEach((x, i) => (worst = Math.max(worst, Math.abs(got[i]! - x))));
      expect(worst, `step ${t}: ${name}`).toBeLessThan(2e-5);
    }
  }
  await s.release();
}, 120_000);
