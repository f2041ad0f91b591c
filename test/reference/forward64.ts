/**
 * The float64 forward pass of a whole model, composed from the per-block references (written from
 * the papers' math; nothing shared with the emitters). Each block's reference lives beside its
 * test, in test/blocks/*.ref.ts, and declares what it covers (`export const references`); this
 * file finds them there. Weights are read by name from the compiled graph's initialisers.
 */
import type { Spec } from '../../src/spec/types';
import { refContext, type RefContext, type References } from './context';
import { rowEntropies } from './entropy';
import { add, map, mat, type Mat } from './math';

export type Weights = (name: string) => Float64Array;

export interface ReferenceOutputs {
  logits: Float64Array; // [T, V]
  probs: Float64Array[]; // per layer [H, T, T]
  entropy: Float64Array[]; // per layer [H, T]
  residRms: Float64Array; // [L + 1, T]
  /** Extra probes by output name (e.g. "router_probs.1"). */
  probes: Map<string, Float64Array>;
  /** What the unembedding reads [T, d] (after the final norm), T′ rows after a reduction. */
  hidden: Float64Array;
}

/** Token reduction (src/compiler/reduce.ts): after layer run `afterRun`, every stream becomes R·X, R [keep, T]. */
export interface ReferenceReduce {
  afterRun: number;
  keep: number;
  R: Float64Array;
}

/** Every reference file's declarations, by file. */
const FILES = import.meta.glob<{ references: References }>('../blocks/*.ref.ts', { eager: true });

/** Every reference by slot and kind, gathered from the reference files; a kind declared twice is an error. */
export const REFERENCES: Required<References> = (() => {
  const all: Required<References> = { mixer: {}, norm: {}, ffn: {}, position: {} };
  for (const [file, mod] of Object.entries(FILES)) {
    for (const [slot, table] of Object.entries(mod.references ?? {}) as [keyof References, Record<string, never>][]) {
      for (const [kind, f] of Object.entries(table)) {
        if (kind in all[slot]) throw new Error(`reference: the ${slot} "${kind}" is declared twice (again in ${file})`);
        (all[slot] as Record<string, unknown>)[kind] = f;
      }
    }
  }
  return all;
})();

const need = <S extends keyof References>(slot: S, kind: string): NonNullable<References[S]>[string] => {
  const f = REFERENCES[slot][kind];
  if (!f) throw new Error(`reference: no ${slot} reference for "${kind}" (declare it in a test/blocks/*.ref.ts beside the block's test)`);
  return f as NonNullable<References[S]>[string];
};

/** cos(a_t, b_t) for each row t. */
function cosineRows(a: Mat, b: Mat): Float64Array {
  return Float64Array.from({ length: a.rows }, (_, t) => {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let k = 0; k < a.cols; k++) {
      const u = a.v[t * a.cols + k]!;
      const w = b.v[t * b.cols + k]!;
      ab += u * w;
      aa += u * u;
      bb += w * w;
    }
    return ab / (Math.sqrt(aa) * Math.sqrt(bb));
  });
}

function rmsRows(x: Mat): number[] {
  return Array.from({ length: x.rows }, (_, i) => Math.sqrt(x.v.subarray(i * x.cols, (i + 1) * x.cols).reduce((a, b) => a + b * b, 0) / x.cols));
}

/** Forward pass of `spec` on `tokens` with weights `w`. */
export function referenceForward(spec: Spec, w: Weights, tokens: number[], vocabSize: number, reduce?: ReferenceReduce): ReferenceOutputs {
  let T = tokens.length;
  const fullT = T;
  // After a reduction: each row's position Σ_j R[i, j] · j (whole numbers only here: pruning matrices).
  let cutAt: number[] | null = null;
  const d = spec.dModel;
  const probes = new Map<string, Float64Array>();
  const position = need('position', spec.position.kind);
  const pp = spec.position.params;
  let layer = -1;
  const probsAll: Float64Array[] = [];
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
  const base = (): Omit<RefContext, 'weight' | 'linear'> => ({
    T, dModel: d, nHeads: spec.nHeads, headDim: d / spec.nHeads, maxLen: spec.maxLen, layer, w, probes, sigmaReparam: spec.sigmaReparam,
    runs, earlierProbs: (run) => (run >= 0 && run < layer ? probsAll[run] ?? null : null),
    position: {
      rotate: (m) => {
        if (!position.rotate) return m;
        const ctx = refContext({ ...base(), T: fullT }, 'position');
        if (!cutAt) return position.rotate(ctx, m, pp);
        // After a reduction row k sits at position cutAt[k]: rotate it there in a full-length matrix.
        const big = mat(fullT, m.cols);
        cutAt.forEach((at, k) => big.v.set(m.v.subarray(k * m.cols, (k + 1) * m.cols), at * m.cols));
        const turned = position.rotate(ctx, big, pp);
        const out = mat(m.rows, m.cols);
        cutAt.forEach((at, k) => out.v.set(turned.v.subarray(at * m.cols, (at + 1) * m.cols), k * m.cols));
        return out;
      },
      bias: (h, i, j) => (position.bias ? position.bias(refContext({ ...base(), T: fullT }, 'position'), h, cutAt ? cutAt[i]! : i, cutAt ? cutAt[j]! : j, pp) : 0),
    },
  });

  const wte = w('embed.tokens');
  let x = mat(T, d);
  tokens.forEach((tok, t) => x.v.set(wte.subarray(tok * d, (tok + 1) * d), t * d));
  if (position.embed) x = position.embed(refContext(base(), 'position'), x, pp);
  const rmsAll: number[][] = [rmsRows(x)];
  const entAll: Float64Array[] = [];

  let prev = x; // the stream one module earlier (ladder residual); r_{−1} = r_0
  let pair: [Mat, Mat] | null = null; // the two streams of consecutive reversible layers
  // X′ = R·X after run reduce.afterRun: plain loops, row i = Σ_j R[i, j] X[j].
  const times = (m: Mat): Mat => {
    const out = mat(reduce!.keep, m.cols);
    for (let i = 0; i < reduce!.keep; i++)
      for (let j = 0; j < m.rows; j++) {
        const r = reduce!.R[i * m.rows + j]!;
        if (r !== 0) for (let k = 0; k < m.cols; k++) out.v[i * m.cols + k] = out.v[i * m.cols + k]! + r * m.v[j * m.cols + k]!;
      }
    return out;
  };
  const reduceAfter = (r: number) => {
    if (!reduce || r !== reduce.afterRun) return;
    x = times(x);
    prev = times(prev);
    if (pair) pair = [times(pair[0]), times(pair[1])];
    cutAt = Array.from({ length: reduce.keep }, (_, i) => {
      let at = 0;
      for (let j = 0; j < T; j++) at += reduce.R[i * T + j]! * j;
      if ((position.rotate || position.bias) && !Number.isInteger(at)) throw new Error(`reference: row ${i} sits at position ${at}; the position references take whole positions`);
      return at;
    });
    T = reduce.keep;
  };
  runs.forEach((i, r) => {
    layer = r;
    const l = spec.layers[i]!;
    const p = `layers.${i}`;
    const norm = (name: string, u: Mat) => need('norm', l.norm.kind)(refContext(base(), `${p}.${name}`), u, l.norm.params);
    const mixer = (u: Mat) => {
      const out = need('mixer', l.mixer.kind)(refContext(base(), `${p}.mixer`), u, l.mixer.params);
      probsAll.push(out.probs);
      entAll.push(rowEntropies(out.probs, spec.nHeads, T));
      return out.y;
    };
    // "none" removes the sub-block with its norm and residual; so does a drop ("What Matters in Transformers?").
    const hasMixer = !l.drop?.mixer;
    const hasFfn = l.ffn.kind !== 'none' && !l.drop?.ffn;
    if (!hasMixer) {
      // A dropped mixer adds nothing: its map is all zeros, and so is each row's entropy.
      probsAll.push(new Float64Array(spec.nHeads * T * T));
      entAll.push(new Float64Array(spec.nHeads * T));
    }
    const ffn = (u: Mat) => need('ffn', l.ffn.kind)(refContext(base(), `${p}.ffn`), u, l.ffn.params);
    // He et al. 2024: the similarity of a module = cos(X_t, Y_t) per token, X the hidden state it
    // receives and Y the one it hands on.
    const similarity = (name: string, before: Mat, after: Mat) => probes.set(`sim_${name}.${r}`, cosineRows(before, after));
    // base ⊕ f(input) with the layer's placement (Peri-LN paper).
    const module = (name: string, baseStream: Mat, input: Mat, f: (t: Mat) => Mat): Mat => {
      let out: Mat;
      if (l.placement === 'pre') out = add(baseStream, f(norm(`norm_${name}`, input)));
      else if (l.placement === 'post') out = norm(`norm_${name}`, add(baseStream, f(input)));
      else out = add(baseStream, norm(`norm_${name}_out`, f(norm(`norm_${name}`, input))));
      similarity(name, baseStream, out);
      return out;
    };
    const present: [string, (t: Mat) => Mat][] = [...(hasMixer ? [['mixer', mixer] as [string, (t: Mat) => Mat]] : []), ...(hasFfn ? [['ffn', ffn] as [string, (t: Mat) => Mat]] : [])];
    const kind = l.topology.kind;
    if (kind === 'reversible') {
      // RevNet coupling on two copies of the stream: y1 = x1 ⊕ Mixer(x2), y2 = x2 ⊕ FFN(y1);
      // the rest of the model reads (y1 + y2)/2.
      const [x1, x2] = pair ?? [x, x];
      const y1 = hasMixer ? module('mixer', x1, x2, mixer) : x1;
      const y2 = hasFfn ? module('ffn', x2, y1, ffn) : x2;
      const streams = new Float64Array(T * 2 * d);
      for (let t = 0; t < T; t++) {
        streams.set(y1.v.subarray(t * d, (t + 1) * d), t * 2 * d);
        streams.set(y2.v.subarray(t * d, (t + 1) * d), t * 2 * d + d);
      }
      probes.set(`rev_streams.${r}`, streams);
      const mean = (a: Mat, b: Mat) => map(a, (v, k) => (v + b.v[k]!) / 2);
      prev = mean(y1, x2);
      x = mean(y1, y2);
      pair = [y1, y2];
      rmsAll.push(rmsRows(x));
      reduceAfter(r);
      return;
    }
    pair = null;
    if (kind === 'parallel') {
      // PaLM: both sub-blocks read x; their results are added together. A module's similarity is
      // cos(x, x + its branch).
      const branches = present.map(([name, f]) => {
        const out = l.placement === 'post' ? f(x) : f(norm(`norm_${name}`, x));
        const y = l.placement === 'peri' ? norm(`norm_${name}_out`, out) : out;
        similarity(name, x, add(x, y));
        return y;
      });
      const sum = branches.reduce((acc, y) => add(acc, y), x);
      const next = l.placement === 'post' && branches.length ? norm('norm_mixer', sum) : sum;
      prev = x;
      x = next;
    } else {
      // sequential: each module reads the latest stream; ladder: the stream one module earlier.
      // A module that is not there leaves the sequence of modules.
      const ladder = kind === 'ladder';
      if (kind !== 'sequential' && !ladder) throw new Error(`reference: no topology ${kind}`);
      for (const [name, f] of present) {
        const next = module(name, x, ladder ? prev : x, f);
        prev = x;
        x = next;
      }
    }
    rmsAll.push(rmsRows(x));
    reduceAfter(r);
  });

  layer = -1;
  const last = spec.layers[spec.layers.length - 1]!;
  if (last.placement !== 'post') x = need('norm', last.norm.kind)(refContext(base(), 'final_norm'), x, last.norm.params);
  const logits = new Float64Array(T * vocabSize);
  for (let t = 0; t < T; t++)
    for (let u = 0; u < vocabSize; u++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x.v[t * d + k]! * wte[u * d + k]!;
      logits[t * vocabSize + u] = s / Math.sqrt(d); // tied unembedding, rescaled by 1/√d (T5)
    }
  return { logits, probs: probsAll, entropy: entAll, residRms: Float64Array.from(rmsAll.flat()), probes, hidden: x.v };
}
