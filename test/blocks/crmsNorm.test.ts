// CRMSNorm (Jiang et al., 2023): the float64 reference in every placement, and the paper's
// equivalence: a Pre-LN model converted to a zero-mean stream gives the same logits with
// Pre-LN, Pre-RMSNorm and Pre-CRMSNorm, and the Pre-CRMSNorm model never reads the d-th coordinate.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { bakeWeights } from '../../src/train/bake';
import { validateSpec } from '../../src/spec/schema';
import type { LayerSpec, Spec } from '../../src/spec/types';
import { tokenize } from '../../src/spec/vocab';
import { defaultLayer } from '../../src/spec/defaults';
import { expectClose, nodeRuntime, rng } from '../helpers';
import { toOnnxBytes } from '../../src/graph/onnx';
import { aloneSpec, expectMatchesReference, TEXT, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const crms = (params: Record<string, unknown> = {}) => ({ kind: 'crms_norm', params });
const PLACEMENTS: LayerSpec['placement'][] = ['pre', 'post', 'peri'];

describe('crms_norm', () => {
  it.each(PLACEMENTS)('%s: alone and inside a 3-layer model, matches the float64 reference in both modes', async (placement) => {
    await expectMatchesReference(aloneSpec({ norm: crms({ epsilon: 1e-5 }), placement }));
    await expectMatchesReference(threeLayerSpec({ norm: crms(), placement }));
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('norm', 'crms_norm', (p) => aloneSpec({ norm: crms(p) }), 'layers.0.norm');
  });
});

// ── the paper's equivalence ──────────────────────────────────────────────────────────────────

const D = 32;
const EPS = 1e-5;
const model = (norm: string): Spec => {
  const layer = (): LayerSpec => ({ ...defaultLayer(), norm: { kind: norm, params: { epsilon: EPS } }, placement: 'pre' });
  return { ...aloneSpec({}), dModel: D, nHeads: 4, maxLen: 64, position: { kind: 'learned_absolute', params: {} }, layers: [layer(), layer()] };
};

type Weights = Map<string, Float32Array>;

/** The Pre-LN model's weights, with random LN gains and biases (as a trained model has). */
function preLnWeights(spec: Spec): Weights {
  const r = rng(5);
  const w: Weights = new Map(compile(spec, { T: 4, mode: 'fast' }).initializers.filter((i) => i.trainable).map((i) => [i.tensor.name, Float32Array.from(i.data as Float32Array)]));
  for (const [name, v] of w) {
    if (!name.startsWith('layers.')) continue;
    if (name.endsWith('.gamma')) v.forEach((_, k) => (v[k] = 0.6 + 0.8 * r()));
    if (name.endsWith('.beta')) v.forEach((_, k) => (v[k] = 0.4 * (r() - 0.5)));
    if (/\.(b[qkvo]|b1|b2)$/.test(name)) v.forEach((_, k) => (v[k] = 0.2 * (r() - 0.5)));
  }
  // The unembedding is tied to the embedding: the final norm's gain must be uniform, its bias 0.
  w.get('final_norm.gamma')!.fill(1.3);
  return w;
}

/** Each row of W [rows, cols] minus its mean (the projection then writes zero-mean outputs). */
const centreRows = (w: Float32Array, cols: number) => {
  for (let i = 0; i < w.length / cols; i++) {
    const row = w.subarray(i * cols, (i + 1) * cols);
    const mean = row.reduce((a, b) => a + b, 0) / cols;
    row.forEach((v, k) => (row[k] = v - mean));
  }
};

/**
 * Pre-LN → Pre-RMSNorm (the paper's steps 1–2): fold each LN's γ, β into the linear layers that read
 * it (W ← diag(γ) W, b ← β W + b), centre the embeddings and position table, and centre every
 * residual branch's output projection, so the stream stays zero-mean and LN = RMSNorm.
 */
function toPreRms(w: Weights): Weights {
  const out: Weights = new Map([...w].filter(([n]) => !n.endsWith('.beta')).map(([n, v]) => [n, Float32Array.from(v)]));
  const fold = (norm: string, block: string, names: string[]) => {
    const gamma = w.get(`${norm}.gamma`)!;
    const beta = w.get(`${norm}.beta`)!;
    for (const n of names) {
      const W = out.get(`${block}.w${n}`)!;
      const bias = out.get(`${block}.b${n}`)!;
      const cols = bias.length;
      for (let j = 0; j < cols; j++) for (let k = 0; k < D; k++) bias[j]! += beta[k]! * W[k * cols + j]!;
      for (let k = 0; k < D; k++) for (let j = 0; j < cols; j++) W[k * cols + j]! *= gamma[k]!;
    }
    out.get(`${norm}.gamma`)!.fill(1);
  };
  for (const l of [0, 1]) {
    fold(`layers.${l}.norm_mixer`, `layers.${l}.mixer`, ['q', 'k', 'v']);
    fold(`layers.${l}.norm_ffn`, `layers.${l}.ffn`, ['1']);
    for (const n of [`layers.${l}.mixer.wo`, `layers.${l}.mixer.bo`, `layers.${l}.ffn.w2`, `layers.${l}.ffn.b2`]) centreRows(out.get(n)!, D);
  }
  centreRows(out.get('embed.tokens')!, D);
  centreRows(out.get('position.table')!, D);
  return out;
}

async function logitsOf(spec: Spec, weights: Weights): Promise<Float32Array> {
  const checked = validateSpec(spec);
  if (!checked.ok) throw new Error(checked.errors.join('\n'));
  const tokens = tokenize(TEXT, spec.maxLen).ids;
  const graph = bakeWeights(checked.spec, { T: tokens.length, mode: 'fast' }, weights);
  const m = await (await nodeRuntime()).load(toOnnxBytes(graph));
  try {
    return (await m.run(tokens))['logits']!.data as Float32Array;
  } finally {
    await m.release();
  }
}

describe('Pre-LN ⇄ Pre-RMSNorm ⇄ Pre-CRMSNorm (the paper\'s equivalence)', () => {
  it('a converted Pre-LN model gives the same logits with all three norms', async () => {
    const ln = preLnWeights(model('layer_norm'));
    const rms = toPreRms(ln);
    const preLn = await logitsOf(model('layer_norm'), ln);
    const preRms = await logitsOf(model('rms_norm'), rms);
    const preCrms = await logitsOf(model('crms_norm'), rms);
    expectClose(preRms, preLn, 2e-4, 'Pre-RMSNorm vs Pre-LN');
    expectClose(preCrms, preLn, 2e-4, 'Pre-CRMSNorm vs Pre-LN');
    // Without the conversion RMSNorm is a different model: the check has teeth.
    const unconverted = await logitsOf(model('rms_norm'), new Map([...ln].filter(([n]) => !n.endsWith('.beta'))));
    expect(Math.max(...unconverted.map((v, i) => Math.abs(v - preLn[i]!)))).toBeGreaterThan(1e-2);
  });

  it('the Pre-CRMSNorm model never reads the stream\'s last coordinate (the paper stores d − 1 numbers)', async () => {
    const rms = toPreRms(preLnWeights(model('layer_norm')));
    // Change only what writes the d-th coordinate: position table and the branches' output projections.
    const r = rng(9);
    const changed: Weights = new Map([...rms].map(([n, v]) => [n, Float32Array.from(v)]));
    for (const n of ['position.table', 'layers.0.mixer.wo', 'layers.0.mixer.bo', 'layers.1.ffn.w2', 'layers.1.ffn.b2']) {
      const v = changed.get(n)!;
      for (let i = D - 1; i < v.length; i += D) v[i]! += 2 * (r() - 0.5);
    }
    expectClose(await logitsOf(model('crms_norm'), changed), await logitsOf(model('crms_norm'), rms), 1e-5, 'CRMSNorm, last coordinate changed');
    const before = await logitsOf(model('rms_norm'), rms);
    const after = await logitsOf(model('rms_norm'), changed);
    expect(Math.max(...after.map((v, i) => Math.abs(v - before[i]!)))).toBeGreaterThan(1e-2); // RMSNorm does read it
  });
});
