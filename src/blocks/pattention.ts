/**
 * Pattention, TokenFormer's token–parameter attention (not a block itself; tokenformer.ts and
 * pattentionFfn.ts use it). Paper: "TokenFormer: Rethinking Transformer Scaling with Tokenized Model
 * Parameters" (Wang et al., 2024).
 *
 *   S = X K_Pᵀ                          [B, T, P]: each input token against P learnable key tokens
 *   Θ(S)_tp = GELU(S_tp · √P / ‖S_t‖₂)  the paper's modified softmax (Eq. 5: τ = √n, L2 norm of the row)
 *   Pattention(X) = Θ(S) V_P            [B, T, dOut]: a mix of the P learnable value tokens
 *
 * Checked against the authors' code (Haiyang-W/TokenFormer, megatron/model/tokenformer.py, class
 * Pattention): `nonlinear_norm_func` with 'l2_norm_gelu' computes inputs / ‖inputs‖₂ · √(n) over the
 * parameter-token axis, then F.gelu (exact, erf form); scale_factor is 1 (no 1/√d) since the norm
 * removes the scale anyway; no bias. Their released configs (configs/tokenformer/*.yml) all set
 * norm_activation_type "l2_norm_gelu", which is this order (normalise, then GELU). The code's other
 * options ('gelu_l2_norm': GELU first, then the norm; 'softmax') are not offered here.
 * One addition, for float safety: ‖S_t‖₂ is clipped below at 1e-12 (a row of exact zeros would be
 * 0/0 in the authors' code).
 *
 * Per token, no token mixing: cost O(T · P · (dIn + dOut)).
 */
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { gelu } from './nn';

/** Θ [B, T, P] and the output [B, T, dOut] of Pattention over x [B, T, dIn] with weights `${name}_keys`, `${name}_values`. */
export function pattention(ctx: BlockContext, x: Tensor, dIn: number, dOut: number, P: number, name: string): { y: Tensor; theta: Tensor } {
  const { b } = ctx;
  // Key tokens: any scale works (the row norm removes it); value tokens N(0, 1/P) so that a mix of
  // P of them, weighted by Θ entries of size about 1, has entries of size about 1.
  const keys = ctx.weight(`${name}_keys`, [P, dIn], { kind: 'normal', std: 1 / Math.sqrt(dIn) });
  const values = ctx.weight(`${name}_values`, [P, dOut], { kind: 'normal', std: 1 / Math.sqrt(P) });
  const s = b.matmul(x, b.transpose(keys, [1, 0])); // [B, T, P]
  const norm = b.clip(b.sqrt(b.reduceSum(b.mul(s, s), [-1], true)), 1e-12); // ‖S_t‖₂, [B, T, 1]
  const theta = gelu(ctx, b.mul(b.div(s, norm), b.scalar(Math.sqrt(P)))); // [B, T, P]
  return { y: b.matmul(theta, values), theta };
}
