/**
 * Reference: MatFormer's nested FFN (Devvrit et al., 2023) at the granularity its parameter picks:
 * y = act(x W₁[:, :m] + b₁[:m]) W₂[:m, :] + b₂, m = h/8, h/4, h/2 or h (S, M, L, XL; rounded down, ≥ 1).
 */
import type { RefContext, References } from '../reference/context';
import { erf, mat, type Mat } from '../reference/math';

const ACT: Record<string, (u: number) => number> = {
  relu: (u) => Math.max(0, u),
  gelu: (u) => 0.5 * u * (1 + erf(u / Math.SQRT2)),
  silu: (u) => u / (1 + Math.exp(-u)),
  relu2: (u) => Math.max(0, u) ** 2,
};
const SHARE: Record<string, number> = { S: 8, M: 4, L: 2, XL: 1 };

export function matformer(ctx: RefContext, x: Mat, p: Record<string, unknown>): Mat {
  const d = ctx.dModel;
  const h = d * (p['expansion'] as number);
  const m = Math.max(1, Math.floor(h / SHARE[p['granularity'] as string]!));
  const act = ACT[p['activation'] as string]!;
  const [w1, b1, w2, b2] = ['w1', 'b1', 'w2', 'b2'].map((n) => ctx.weight(n)) as [Float64Array, Float64Array, Float64Array, Float64Array];
  const y = mat(x.rows, d);
  for (let t = 0; t < x.rows; t++) {
    const hidden = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      let s = b1[j]!;
      for (let k = 0; k < d; k++) s += x.v[t * d + k]! * w1[k * h + j]!; // W₁ is [d, h]: column j
      hidden[j] = act(s);
    }
    for (let o = 0; o < d; o++) {
      let s = b2[o]!;
      for (let j = 0; j < m; j++) s += hidden[j]! * w2[j * d + o]!; // W₂ is [h, d]: row j
      y.v[t * d + o] = s;
    }
  }
  return y;
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { ffn: { matformer } };
