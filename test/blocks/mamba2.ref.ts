/**
 * Mamba-2 (SSD) reference, written from the recurrence, one head and one token at a time:
 *   Δ_t = softplus(x_t W_Δ + b_Δ)_h,  a_t = exp(Δ_t A_h),  A_h = −exp(A_log_h)
 *   h_t = a_t h_{t−1} + Δ_t B_t X_tᵀ  (h: N × P),  y_t = h_tᵀ C_t + D_h X_t,  out = (y ⊙ SiLU(z)) W_o
 * The map is read off the same recurrence: y is linear in X once Δ, B, C are fixed, so column s of
 * head h's map is the response of the scalar recurrence to a unit input at s (D_h on the diagonal).
 */
import type { RefContext, References } from '../reference/context';
import { mat, type Mat } from '../reference/math';

type P = Record<string, unknown>;

/** log(1 + eᵛ) without overflow. */
const softplus = (v: number): number => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));

export function mamba2(ctx: RefContext, x: Mat, p: P): { y: Mat; probs: Float64Array } {
  const { T, nHeads: H, headDim: hd, dModel: d } = ctx;
  const N = p['state'] as number;
  const X = ctx.linear(x, d, 'x', { bias: false }); // [T, H·hd]
  const z = ctx.linear(x, d, 'z', { bias: false });
  const Bm = ctx.linear(x, N, 'B', { bias: false }); // [T, N]
  const Cm = ctx.linear(x, N, 'C', { bias: false });
  const dtRaw = ctx.linear(x, H, 'dt', { bias: false }); // [T, H]
  const dtBias = ctx.weight('dt_bias');
  const aLog = ctx.weight('A_log');
  const D = ctx.weight('D');
  const Bt = (t: number, n: number) => Bm.v[t * N + n]!;
  const Ct = (t: number, n: number) => Cm.v[t * N + n]!;

  const y = mat(T, d);
  const probs = new Float64Array(H * T * T);
  for (let h = 0; h < H; h++) {
    const A = -Math.exp(aLog[h]!);
    const delta = Array.from({ length: T }, (_, t) => softplus(dtRaw.v[t * H + h]! + dtBias[h]!));
    const decay = delta.map((dt) => Math.exp(dt * A));
    // The state h_t [N, hd], step by step.
    const state = new Float64Array(N * hd);
    for (let t = 0; t < T; t++) {
      for (let n = 0; n < N; n++)
        for (let c = 0; c < hd; c++) state[n * hd + c] = decay[t]! * state[n * hd + c]! + delta[t]! * Bt(t, n) * X.v[t * d + h * hd + c]!;
      for (let c = 0; c < hd; c++) {
        let out = D[h]! * X.v[t * d + h * hd + c]!;
        for (let n = 0; n < N; n++) out += state[n * hd + c]! * Ct(t, n);
        y.v[t * d + h * hd + c] = out;
      }
    }
    // The map: a unit input at s, run through the same recurrence (a scalar channel).
    for (let s = 0; s < T; s++) {
      const g = new Float64Array(N);
      for (let t = s; t < T; t++) {
        for (let n = 0; n < N; n++) g[n] = decay[t]! * g[n]! + (t === s ? delta[t]! * Bt(t, n) : 0);
        let r = t === s ? D[h]! : 0;
        for (let n = 0; n < N; n++) r += g[n]! * Ct(t, n);
        probs[(h * T + t) * T + s] = r;
      }
    }
  }
  // y ⊙ SiLU(z), then the output projection.
  const gated = mat(T, d, y.v.map((v, i) => v * (z.v[i]! / (1 + Math.exp(-z.v[i]!)))));
  return { y: ctx.linear(gated, d, 'o', { bias: false }), probs };
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { mixer: { mamba2 } };
