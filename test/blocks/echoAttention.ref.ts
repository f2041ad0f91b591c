/**
 * EchoAtt reference: the attention probabilities A [H, T, T] of an earlier layer run, copied as
 * they are, applied to this layer's own values: y = concat_h(A_h (x W_V)_h) W_O. `from` < 0 names
 * the run |from| back; `from` ≥ 0 the latest earlier run of spec layer `from`.
 */
import type { RefContext, References } from '../reference/context';
import { mat, type Mat } from '../reference/math';

type P = Record<string, unknown>;

export function echoAttention(ctx: RefContext, x: Mat, p: P): { y: Mat; probs: Float64Array } {
  const { T, nHeads: H, headDim: hd, dModel: d, layer: r } = ctx;
  const from = p['from'] as number;
  let source = -1;
  if (from < 0) source = r + from;
  else for (let s = 0; s < r; s++) if (ctx.runs?.[s] === from) source = s; // the latest one wins
  const A = source >= 0 ? ctx.earlierProbs?.(source) ?? null : null;
  if (!A) throw new Error(`echo reference: run ${r} has no earlier map for from = ${from}`);
  const v = ctx.linear(x, d, 'v');
  const heads = mat(T, d);
  for (let h = 0; h < H; h++)
    for (let i = 0; i < T; i++)
      for (let c = 0; c < hd; c++) {
        let s = 0;
        for (let j = 0; j < T; j++) s += A[(h * T + i) * T + j]! * v.v[j * d + h * hd + c]!;
        heads.v[i * d + h * hd + c] = s;
      }
  return { y: ctx.linear(heads, d, 'o'), probs: A };
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { mixer: { echo_attention: echoAttention } };
