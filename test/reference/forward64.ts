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

  // Layer runs: a loop over layers a…b with count n repeats a…b n times in a row, same weights.
  const runs: number[] = [];
  for (let i = 0; i < spec.layers.length; ) {
    const loop = spec.loops.find((l) => l.start === i);
    if (!loop) runs.push(i++);
    else {
      for (let c = 0; c < loop.count; c++) for (let l = loop.start; l <= loop.end; l++) runs.push(l);
      i = loop.end + 1;
    }
  }

  let prev = x; // the stream one module earlier (ladder residual); r_{−1} = r_0
  runs.forEach((i, r) => {
    layer = r;
    const l = spec.layers[i]!;
    const p = `layers.${i}`;
    const norm = (name: string, u: Mat) => need(REF_NORMS, l.norm.kind, 'norm')(refContext(base(), `${p}.${name}`), u, l.norm.params);
    const mixer = (u: Mat) => {
      const out = need(REF_MIXERS, l.mixer.kind, 'mixer')(refContext(base(), `${p}.mixer`), u, l.mixer.params);
      probsAll.push(out.probs);
      entAll.push(rowEntropies(out.probs, spec.nHeads, T));
      return out.y;
    };
    const hasFfn = l.ffn.kind !== 'none'; // "none" removes the sub-block with its norm and residual
    const ffn = (u: Mat) => need(REF_FFNS, l.ffn.kind, 'ffn')(refContext(base(), `${p}.ffn`), u, l.ffn.params);
    // base ⊕ f(input) with the layer's placement (Peri-LN paper).
    const module = (name: string, baseStream: Mat, input: Mat, f: (t: Mat) => Mat): Mat => {
      if (l.placement === 'pre') return add(baseStream, f(norm(`norm_${name}`, input)));
      if (l.placement === 'post') return norm(`norm_${name}`, add(baseStream, f(input)));
      return add(baseStream, norm(`norm_${name}_out`, f(norm(`norm_${name}`, input))));
    };
    const kind = l.topology.kind;
    if (kind === 'parallel') {
      // PaLM: both sub-blocks read x; their results are added together.
      const branches: [string, (t: Mat) => Mat][] = hasFfn ? [['mixer', mixer], ['ffn', ffn]] : [['mixer', mixer]];
      const next =
        l.placement === 'post'
          ? norm('norm_mixer', branches.reduce((acc, [, f]) => add(acc, f(x)), x))
          : branches.reduce((acc, [name, f]) => {
              const out = f(norm(`norm_${name}`, x));
              return add(acc, l.placement === 'peri' ? norm(`norm_${name}_out`, out) : out);
            }, x);
      prev = x;
      x = next;
    } else {
      // sequential: each module reads the latest stream; ladder: the stream one module earlier.
      const ladder = kind === 'ladder';
      if (kind !== 'sequential' && !ladder) throw new Error(`reference: no topology ${kind}`);
      const h = module('mixer', x, ladder ? prev : x, mixer);
      if (hasFfn) {
        const next = module('ffn', h, ladder ? x : h, ffn);
        prev = h;
        x = next;
      } else {
        prev = x;
        x = h;
      }
    }
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
