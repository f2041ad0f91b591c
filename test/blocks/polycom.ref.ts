/**
 * Reference: PolyCom (Zhuo et al., 2024), an MLP y = ρ(x W₁ + b₁) W₂ + b₂ whose activation is
 *   PolyReLU  ρ(u) = a₀ + Σ_{i=1..r} a_i ReLU(u)^i, element-wise, or
 *   PolyNorm  ρ(u) = a₀ + Σ_{i=1..r} a_i u^i / √(mean_j (u_j^i)² + 1e-6), the mean taken per token
 *             over the hidden units (the authors' code: an RMS normalisation of each power).
 * Coefficients are the weights `a` (a₁ … a_r) and `a0`.
 */
import type { RefContext, References } from '../reference/context';
import { mat, type Mat } from '../reference/math';

const EPS = 1e-6;

export function polycom(ctx: RefContext, x: Mat, p: Record<string, unknown>): Mat {
  const hidden = ctx.dModel * (p['expansion'] as number);
  const r = p['order'] as number;
  const norm = p['variant'] === 'polynorm';
  const a = ctx.weight('a');
  const a0 = ctx.weight('a0')[0]!;
  const h = ctx.linear(x, hidden, '1');
  const act = mat(h.rows, hidden);
  for (let t = 0; t < h.rows; t++) {
    const row = Array.from(h.v.subarray(t * hidden, (t + 1) * hidden), (u) => (norm ? u : Math.max(0, u)));
    const out = new Array<number>(hidden).fill(a0);
    for (let i = 1; i <= r; i++) {
      const pw = row.map((u) => u ** i);
      const scale = norm ? 1 / Math.sqrt(pw.reduce((s, v) => s + v * v, 0) / hidden + EPS) : 1;
      pw.forEach((v, j) => (out[j]! += a[i - 1]! * v * scale));
    }
    act.v.set(out, t * hidden);
  }
  return ctx.linear(act, ctx.dModel, '2');
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { ffn: { polycom } };
