/**
 * Reference: ALiBi (Press et al., 2022). Logit bias −m_h · |i − j|. Slopes: for H a power of two,
 * m_h = 2^(−8h/H), h = 1 … H. Otherwise (the authors' get_slopes), with n the largest power of two
 * below H: m_h = 2^(−8h/n) for h = 1 … n, then the odd-numbered slopes of the 2n-head sequence,
 * 2^(−8(2k − 1)/(2n)) for k = 1 … H − n.
 */
import type { RefContext, References } from '../reference/context';

export function slopes(H: number): number[] {
  const n = Math.pow(2, Math.floor(Math.log2(H)));
  const out: number[] = [];
  for (let h = 1; h <= n; h++) out.push(Math.pow(2, (-8 * h) / n));
  for (let k = 1; k <= H - n; k++) out.push(Math.pow(2, (-8 * (2 * k - 1)) / (2 * n)));
  return out;
}

export const alibi = {
  bias(ctx: RefContext, h: number, i: number, j: number): number {
    return -slopes(ctx.nHeads)[h]! * Math.abs(i - j);
  },
};

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { position: { alibi } };
