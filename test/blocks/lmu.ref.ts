/**
 * Legendre Memory Unit mixer reference, from the recurrence, one token at a time:
 *   θ ṁ = A m + B u,  A_ij = (2i + 1)(−1 if i < j else (−1)^(i−j+1)),  B_i = (2i + 1)(−1)^i
 *   Ā, B̄: zero-order hold with dt = 1 (matrix exponential of [[A/θ, B/θ], [0, 0]], computed below
 *   by its own Taylor series with scaling and squaring, independently of src/)
 *   u = x W_u (heads of headDim channels),  m_t = Ā m_{t−1} + B̄ u_t per channel,  y_t = m_tᵀ w_h,
 *   out = merge(y) W_o.
 * The map is read off the same recurrence: column s of head h's map is the response y_t (t ≥ s) to a
 * unit input at s.
 */
import type { RefContext, References } from '../reference/context';
import { mat, type Mat } from '../reference/math';

type P = Record<string, unknown>;

function square(a: number[][]): number[][] {
  return a.map((row, i) => row.map((_, j) => a[i]!.reduce((s, v, k) => s + v * a[k]![j]!, 0)));
}

/** e^M: M scaled by 2^−s until its max-abs row sum ≤ 1/8, a 30-term Taylor series, then s squarings. */
function expm(m: number[][]): number[][] {
  const norm = Math.max(...m.map((row) => row.reduce((s, v) => s + Math.abs(v), 0)));
  let s = 0;
  while (norm / 2 ** s > 1 / 8) s++;
  const a = m.map((row) => row.map((v) => v / 2 ** s));
  let term: number[][] = a.map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));
  let sum = term.map((row) => [...row]);
  for (let k = 1; k <= 30; k++) {
    term = term.map((row) => a[0]!.map((_, j) => row.reduce((acc, v, l) => acc + v * a[l]![j]!, 0) / k));
    sum = sum.map((row, i) => row.map((v, j) => v + term[i]![j]!));
  }
  for (let i = 0; i < s; i++) sum = square(sum);
  return sum;
}

/** Ā [q][q] and B̄ [q] of the Legendre memory of order q and window θ, zero-order hold, dt = 1. */
export function lmuDiscrete(q: number, theta: number): { A: number[][]; B: number[] } {
  const aug = Array.from({ length: q + 1 }, (_, i) =>
    Array.from({ length: q + 1 }, (_, j) => {
      if (i === q) return 0;
      if (j === q) return ((2 * i + 1) * (-1) ** i) / theta;
      return ((2 * i + 1) * (i < j ? -1 : (-1) ** (i - j + 1))) / theta;
    }),
  );
  const e = expm(aug);
  return { A: e.slice(0, q).map((row) => row.slice(0, q)), B: e.slice(0, q).map((row) => row[q]!) };
}

export function lmu(ctx: RefContext, x: Mat, p: P): { y: Mat; probs: Float64Array } {
  const { T, nHeads: H, headDim: hd, dModel: d } = ctx;
  const q = p['order'] as number;
  const { A, B } = lmuDiscrete(q, p['theta'] as number);
  const u = ctx.linear(x, d, 'u', { bias: false }); // [T, d]
  const wm = ctx.weight('wm'); // [H, q]
  const step = (m: number[], input: number) => A.map((row, i) => row.reduce((s, v, j) => s + v * m[j]!, 0) + B[i]! * input);
  const read = (h: number, m: number[]) => m.reduce((s, v, i) => s + v * wm[h * q + i]!, 0);

  const y = mat(T, d);
  const probs = new Float64Array(H * T * T);
  for (let h = 0; h < H; h++) {
    for (let c = 0; c < hd; c++) {
      let m = new Array<number>(q).fill(0);
      for (let t = 0; t < T; t++) {
        m = step(m, u.v[t * d + h * hd + c]!);
        y.v[t * d + h * hd + c] = read(h, m);
      }
    }
    for (let s = 0; s < T; s++) {
      let m = new Array<number>(q).fill(0);
      for (let t = s; t < T; t++) {
        m = step(m, t === s ? 1 : 0);
        probs[(h * T + t) * T + s] = read(h, m);
      }
    }
  }
  return { y: ctx.linear(y, d, 'o', { bias: false }), probs };
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { mixer: { lmu } };
