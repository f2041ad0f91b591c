/** Reference: multi-head softmax attention (Vaswani et al., 2017), one head and one query at a time. */
import type { RefContext } from '../context';
import { columns, entropy, mat, setColumns, softmax, type Mat } from '../math';

export function softmaxAttention(ctx: RefContext, x: Mat, p: Record<string, unknown>): { y: Mat; probs: Float64Array } {
  const { T, nHeads: H, headDim: hd, dModel: d } = ctx;
  const causal = p['causal'] !== false;
  const q = ctx.linear(x, d, 'q');
  const k = ctx.linear(x, d, 'k');
  const v = ctx.linear(x, d, 'v');
  const probs = new Float64Array(H * T * T);
  const mixed = mat(T, d);
  for (let h = 0; h < H; h++) {
    const qh = ctx.position.rotate(columns(q, h * hd, hd));
    const kh = ctx.position.rotate(columns(k, h * hd, hd));
    const vh = columns(v, h * hd, hd);
    const out = mat(T, hd);
    for (let i = 0; i < T; i++) {
      const logits = Array.from({ length: T }, (_, j) => {
        if (causal && j > i) return -Infinity;
        let dot = 0;
        for (let c = 0; c < hd; c++) dot += qh.v[i * hd + c]! * kh.v[j * hd + c]!;
        return dot / Math.sqrt(hd) + ctx.position.bias(h, i, j);
      });
      const a = softmax(logits);
      a.forEach((w, j) => {
        probs[(h * T + i) * T + j] = w;
        for (let c = 0; c < hd; c++) out.v[i * hd + c]! += w * vh.v[j * hd + c]!;
      });
    }
    setColumns(mixed, h * hd, out);
  }
  return { y: ctx.linear(mixed, d, 'o'), probs };
}

/** Row entropies [H, T] of maps [H, T, T]. */
export function rowEntropies(probs: Float64Array, H: number, T: number): Float64Array {
  const out = new Float64Array(H * T);
  for (let r = 0; r < H * T; r++) out[r] = entropy(Array.from(probs.subarray(r * T, (r + 1) * T)));
  return out;
}
