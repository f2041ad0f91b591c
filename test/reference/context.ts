/** What a reference block may read: the model's shape, its weights by name, and position hooks. */
import { affine, columns, mat, setColumns, spectralNorm, type Mat } from './math';

export interface RefPosition {
  /** Rotation of one head's queries or keys [T, headDim] (row t is position t); identity by default. */
  rotate(m: Mat): Mat;
  /** Additive logit bias for head h, query i, key j; 0 by default. */
  bias(h: number, i: number, j: number): number;
}

export interface RefContext {
  T: number;
  dModel: number;
  nHeads: number;
  headDim: number;
  maxLen: number;
  /** The layer run being computed (loops unrolled), -1 outside the stack. */
  layer: number;
  /** The spec layer of each run, in order (set by forward64; optional for hand-made contexts). */
  runs?: readonly number[];
  /** The map [H, T, T] the mixer of an earlier run returned, or null (attention-map sharing, EchoAtt; set by forward64). */
  earlierProbs?: (run: number) => Float64Array | null;
  /** A weight by its full name. */
  w(name: string): Float64Array;
  /** A weight of this block ("wq" → "layers.0.mixer.wq"). */
  weight(name: string): Float64Array;
  /** x W + b with this block's weights `w${name}` and `b${name}`. */
  linear(x: Mat, outDim: number, name: string, opts?: { bias?: boolean }): Mat;
  position: RefPosition;
  /** σReparam of the model: every linear weight becomes (γ / ‖W‖₂) W. */
  sigmaReparam: { enabled: boolean };
  /** Extra probe outputs by name (e.g. router_probs), flattened row-major. */
  probes: Map<string, Float64Array>;
}

/** A context for the block whose weights live under `prefix`. */
export function refContext(base: Omit<RefContext, 'weight' | 'linear'>, prefix: string): RefContext {
  const weight = (name: string) => base.w(`${prefix}.${name}`);
  return {
    ...base,
    weight,
    linear: (x, outDim, name, opts) => {
      let w = weight(`w${name}`);
      if (base.sigmaReparam.enabled) {
        const scale = weight(`g${name}`)[0]! / spectralNorm(w, x.cols, outDim);
        w = w.map((v) => v * scale);
      }
      return affine(x, w, opts?.bias === false ? null : weight(`b${name}`), outDim);
    },
  };
}

type P = Record<string, unknown>;

/** A position reference: any of embed / rotate / bias, as the block has them. */
export interface RefPositionBlock {
  embed?(ctx: RefContext, x: Mat, p: P): Mat;
  /** Rotate one head's [T, headDim] queries or keys. */
  rotate?(ctx: RefContext, m: Mat, p: P): Mat;
  bias?(ctx: RefContext, h: number, i: number, j: number, p: P): number;
}

/** The references one file declares, by slot and kind (`export const references` in test/blocks/*.ref.ts). */
export interface References {
  mixer?: Record<string, (ctx: RefContext, x: Mat, p: P) => { y: Mat; probs: Float64Array }>;
  norm?: Record<string, (ctx: RefContext, x: Mat, p: P) => Mat>;
  ffn?: Record<string, (ctx: RefContext, x: Mat, p: P) => Mat>;
  position?: Record<string, RefPositionBlock>;
}

/**
 * The multi-head frame of a q/k/v mixer: q, k, v = x W_q, x W_k, x W_v; `head` computes head h's
 * [T, headDim] output from its column slices (not rotated) and writes its map rows into `probs`
 * [H, T, T]; y = concat_h(out_h) W_o.
 */
export function multiHead(ctx: RefContext, x: Mat, head: (h: number, q: Mat, k: Mat, v: Mat, probs: Float64Array) => Mat): { y: Mat; probs: Float64Array } {
  const { T, nHeads: H, headDim: hd, dModel: d } = ctx;
  const q = ctx.linear(x, d, 'q');
  const k = ctx.linear(x, d, 'k');
  const v = ctx.linear(x, d, 'v');
  const probs = new Float64Array(H * T * T);
  const mixed = mat(T, d);
  for (let h = 0; h < H; h++) setColumns(mixed, h * hd, head(h, columns(q, h * hd, hd), columns(k, h * hd, hd), columns(v, h * hd, hd), probs));
  return { y: ctx.linear(mixed, d, 'o'), probs };
}
