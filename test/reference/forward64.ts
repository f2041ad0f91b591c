/**
 * The float64 forward pass of a whole model, composed from the per-block references in
 * test/reference/blocks (written from the papers' math; nothing shared with the emitters).
 * Weights are read by name from the compiled graph's initialisers: data, not code.
 */
import type { Spec } from '../../src/spec/types';
import { refContext, type RefContext } from './context';
import { add, mat, type Mat } from './math';
import { REF_FFNS, REF_MIXERS, REF_NORMS, REF_POSITIONS } from './registry';
import { rowEntropies } from './blocks/entropy';

export type Weights = (name: string) => Float64Array;

export interface ReferenceOutputs {
  logits: Float64Array; // [T, V]
  probs: Float64Array[]; // per layer [H, T, T]
  entropy: Float64Array[]; // per layer [H, T]
  residRms: Float64Array; // [L + 1, T]
  /** Extra probes by output name (e.g. "router_probs.1"). */
  probes: Map<string, Float64Array>;
}

const need = <T>(table: Record<string, T>, kind: string, slot: string): T => {
  const f = table[kind];
  if (!f) throw new Error(`reference: no ${slot} reference for "${kind}" (add it to test/reference/registry.ts)`);
  return f;
};

function rmsRows(x: Mat): number[] {
  return Array.from({ length: x.rows }, (_, i) => Math.sqrt(x.v.subarray(i * x.cols, (i + 1) * x.cols).reduce((a, b) => a + b * b, 0) / x.cols));
}

/** Forward pass of `spec` on `tokens` with weights `w`. */
export function referenceForward(spec: Spec, w: Weights, tokens: number[], vocabSize: number): ReferenceOutputs {
  const T = tokens.length;
  const d = spec.dModel;
  const probes = new Map<string, Float64Array>();
  const position = need(REF_POSITIONS, spec.position.kind, 'position');
  const pp = spec.position.params;
  let layer = -1;
  const base = (): Omit<RefContext, 'weight' | 'linear'> => ({
    T, dModel: d, nHeads: spec.nHeads, headDim: d / spec.nHeads, maxLen: spec.maxLen, layer, w, probes, sigmaReparam: spec.sigmaReparam,
    position: {
      rotate: (m) => (position.rotate ? position.rotate(refContext(base(), 'position'), m, pp) : m),
      bias: (h, i, j) => (position.bias ? position.bias(refContext(base(), 'position'), h, i, j, pp) : 0),
    },
  });

  const wte = w('embed.tokens');
  let x = mat(T, d);
  tokens.forEach((tok, t) => x.v.set(wte.subarray(tok * d, (tok + 1) * d), t * d));
  if (position.embed) x = position.embed(refContext(base(), 'position'), x, pp);
  const rmsAll: number[][] = [rmsRows(x)];
  const probsAll: Float64Array[] = [];
  const entAll: Float64Array[] = [];

  spec.layers.forEach((l, i) => {
    layer = i;
    const p = `layers.${i}`;
    const norm = (name: string, u: Mat) => need(REF_NORMS, l.norm.kind, 'norm')(refContext(base(), `${p}.${name}`), u, l.norm.params);
    const mixer = (u: Mat) => {
      const out = need(REF_MIXERS, l.mixer.kind, 'mixer')(refContext(base(), `${p}.mixer`), u, l.mixer.params);
      probsAll.push(out.probs);
      entAll.push(rowEntropies(out.probs, spec.nHeads, T));
      return out.y;
    };
    const ffn = (u: Mat) => need(REF_FFNS, l.ffn.kind, 'ffn')(refContext(base(), `${p}.ffn`), u, l.ffn.params);
    const sub = (name: string, u: Mat, f: (t: Mat) => Mat): Mat => {
      if (l.placement === 'pre') return add(u, f(norm(`norm_${name}`, u)));
      if (l.placement === 'post') return norm(`norm_${name}`, add(u, f(u)));
      return add(u, norm(`norm_${name}_out`, f(norm(`norm_${name}`, u))));
    };
    x = sub('mixer', x, mixer);
    if (l.ffn.kind !== 'none') x = sub('ffn', x, ffn); // "none" removes the sub-block with its norm and residual
    rmsAll.push(rmsRows(x));
  });

  layer = -1;
  const last = spec.layers[spec.layers.length - 1]!;
  if (last.placement !== 'post') x = need(REF_NORMS, last.norm.kind, 'norm')(refContext(base(), 'final_norm'), x, last.norm.params);
  const logits = new Float64Array(T * vocabSize);
  for (let t = 0; t < T; t++)
    for (let u = 0; u < vocabSize; u++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x.v[t * d + k]! * wte[u * d + k]!;
      logits[t * vocabSize + u] = s;
    }
  return { logits, probs: probsAll, entropy: entAll, residRms: Float64Array.from(rmsAll.flat()), probes };
}
