/**
 * Reference attention, one head and one query at a time, for every block of the attention family:
 * which keys a query sees is a plain predicate written from each paper; grouped-query heads read
 * key/value head ⌊h / (H / kvHeads)⌋ (Ainslie et al., 2023).
 */
import type { RefContext, References } from '../reference/context';
import { columns, erf, mat, setColumns, softmax, type Mat } from '../reference/math';

type P = Record<string, unknown>;

export interface RefAttentionOptions {
  /** 0 = one key/value head per query head. */
  kvHeads: number;
  visible: (i: number, j: number) => boolean;
  /** Logits of one row (−Infinity where hidden) → weights; softmax by default. */
  normalise?: (logits: number[], i: number, h: number) => number[];
  /** The logits leave out the position bias (the normaliser applies it itself). */
  separateBias?: boolean;
  /** Multiplies query i of head h before the product; `q` is that query before rotation. */
  queryScale?: (h: number, i: number, q: Float64Array) => number;
}

export function referenceAttention(ctx: RefContext, x: Mat, o: RefAttentionOptions): { y: Mat; probs: Float64Array } {
  const { T, nHeads: H, headDim: hd, dModel: d } = ctx;
  const kv = o.kvHeads === 0 ? H : o.kvHeads;
  const q = ctx.linear(x, d, 'q');
  const k = ctx.linear(x, kv * hd, 'k');
  const v = ctx.linear(x, kv * hd, 'v');
  const probs = new Float64Array(H * T * T);
  const mixed = mat(T, d);
  for (let h = 0; h < H; h++) {
    const g = Math.floor(h / (H / kv));
    const qRaw = columns(q, h * hd, hd);
    const qh = ctx.position.rotate(qRaw);
    const kh = ctx.position.rotate(columns(k, g * hd, hd));
    const vh = columns(v, g * hd, hd);
    const out = mat(T, hd);
    for (let i = 0; i < T; i++) {
      const scale = o.queryScale ? o.queryScale(h, i, qRaw.v.subarray(i * hd, (i + 1) * hd)) : 1;
      const logits = Array.from({ length: T }, (_, j) => {
        if (!o.visible(i, j)) return -Infinity;
        let dot = 0;
        for (let c = 0; c < hd; c++) dot += scale * qh.v[i * hd + c]! * kh.v[j * hd + c]!;
        return dot / Math.sqrt(hd) + (o.separateBias ? 0 : ctx.position.bias(h, i, j));
      });
      const a = o.normalise ? o.normalise(logits, i, h) : softmax(logits);
      a.forEach((w, j) => {
        probs[(h * T + i) * T + j] = w;
        for (let c = 0; c < hd; c++) out.v[i * hd + c]! += w * vh.v[j * hd + c]!;
      });
    }
    setColumns(mixed, h * hd, out);
  }
  return { y: ctx.linear(mixed, d, 'o'), probs };
}

const causalOr = (p: P, f: (i: number, j: number) => boolean) => (i: number, j: number) => (p['causal'] === false || j <= i) && f(i, j);

/** Which keys each query may see, per block kind, written from the papers. */
export const VISIBLE: Record<string, (p: P) => (i: number, j: number) => boolean> = {
  softmax_attention: (p) => causalOr(p, () => true),
  sliding_window: (p) => causalOr(p, (i, j) => Math.abs(i - j) < (p['window'] as number)),
  dilated_attention: (p) => {
    const d = p['dilation'] as number;
    return causalOr(p, (i, j) => Math.abs(i - j) % d === 0 && Math.abs(i - j) < d * (p['span'] as number));
  },
  sink_attention: (p) => {
    const n = p['sinks'] as number;
    const w = p['window'] as number;
    return p['causal'] !== false ? (i, j) => j <= i && (j < n || i - j < w) : (i, j) => j < n || i < n || Math.abs(i - j) < w;
  },
  selective_attention: (p) => causalOr(p, () => true),
  power_softmax: (p) => causalOr(p, () => true),
  minimal_attention: (p) => causalOr(p, () => true),
  retention_decay: (p) => causalOr(p, () => true),
};

const masked = (kind: string) => (ctx: RefContext, x: Mat, p: P) =>
  referenceAttention(ctx, x, { kvHeads: p['kvHeads'] as number, visible: VISIBLE[kind]!(p) });

export const softmaxAttention = masked('softmax_attention');
export const slidingWindow = masked('sliding_window');
export const dilatedAttention = masked('dilated_attention');
export const sinkAttention = masked('sink_attention');

const causal = (p: P) => (i: number, j: number) => p['causal'] === false || j <= i;

/** RMT, 1-D, as its code computes it: softmax(s + |i − j| log γ_h), γ_h = 1 − 2^(−a − r·h/H). */
export const retentionDecay = (ctx: RefContext, x: Mat, p: P) => {
  const a = p['initValue'] as number;
  const r = p['headsRange'] as number;
  const gamma = (h: number) => 1 - Math.pow(2, -a - (r * h) / ctx.nHeads);
  return referenceAttention(ctx, x, {
    kvHeads: p['kvHeads'] as number,
    visible: causal(p),
    normalise: (logits, i, h) => softmax(logits.map((s, j) => s + Math.abs(i - j) * Math.log(gamma(h)))),
  });
};

/** Power-softmax: s^p · exp(b) / Σ_k s_k^p · exp(b_k) over the visible keys (b the position bias, 0 without one). */
export const powerSoftmax = (ctx: RefContext, x: Mat, p: P) => {
  const power = p['power'] as number;
  return referenceAttention(ctx, x, {
    kvHeads: p['kvHeads'] as number,
    visible: causal(p),
    separateBias: true,
    normalise: (logits, i, h) => {
      const num = logits.map((s, j) => (s === -Infinity ? 0 : Math.pow(s, power) * Math.exp(ctx.position.bias(h, i, j))));
      const z = num.reduce((u, v) => u + v, 0);
      return num.map((v) => v / z);
    },
  });
};

const gelu = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));

/** Selective attention: τ_i = 1 + σ(α) log(i + 1) + tanh(w_h · GELU(q_i)) multiplies each query. */
export const selectiveAttention = (ctx: RefContext, x: Mat, p: P) => {
  const alpha = ctx.weight('alpha')[0]!;
  const w = ctx.weight('w_tok'); // [1, H, hd, 1]
  const hd = ctx.headDim;
  return referenceAttention(ctx, x, {
    kvHeads: p['kvHeads'] as number,
    visible: causal(p),
    queryScale: (h, i, q) => {
      let dot = 0;
      for (let c = 0; c < hd; c++) dot += w[h * hd + c]! * gelu(q[c]!);
      return 1 + Math.log(i + 1) / (1 + Math.exp(-alpha)) + Math.tanh(dot);
    },
  });
};

/** Minimal attention (Bermeitinger et al.): s = x_i W_h x_j (or (x_i A_h)(x_j A_h)), values are x. */
export const minimalAttention = (ctx: RefContext, x: Mat, p: P) => {
  const { T, nHeads: H, headDim: hd, dModel: d } = ctx;
  const symmetric = p['symmetric'] === true;
  const visible = causal(p);
  const probs = new Float64Array(H * T * T);
  const y = mat(T, d);
  const a = symmetric ? ctx.linear(x, d, 'a', { bias: false }) : null; // [T, H·hd]
  const wqk = symmetric ? null : ctx.weight('wqk'); // [d, H·d]
  for (let h = 0; h < H; h++) {
    const ah = a ? ctx.position.rotate(columns(a, h * hd, hd)) : null;
    // score(i, j) before scaling
    const score = (i: number, j: number): number => {
      let s = 0;
      if (ah) for (let c = 0; c < hd; c++) s += ah.v[i * hd + c]! * ah.v[j * hd + c]!;
      else
        for (let r = 0; r < d; r++) {
          let xw = 0;
          for (let c = 0; c < d; c++) xw += x.v[i * d + c]! * wqk![c * H * d + h * d + r]!;
          s += xw * x.v[j * d + r]!;
        }
      return s;
    };
    for (let i = 0; i < T; i++) {
      const logits = Array.from({ length: T }, (_, j) => (visible(i, j) ? score(i, j) / Math.sqrt(hd) + ctx.position.bias(h, i, j) : -Infinity));
      softmax(logits).forEach((wgt, j) => {
        probs[(h * T + i) * T + j] = wgt;
        for (let c = 0; c < hd; c++) y.v[i * d + h * hd + c]! += wgt * x.v[j * d + h * hd + c]!;
      });
    }
  }
  return { y, probs };
};

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { mixer: { softmax_attention: softmaxAttention, sliding_window: slidingWindow, dilated_attention: dilatedAttention, sink_attention: sinkAttention, selective_attention: selectiveAttention, power_softmax: powerSoftmax, minimal_attention: minimalAttention, retention_decay: retentionDecay } };
