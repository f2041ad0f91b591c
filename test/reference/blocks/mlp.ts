/** Reference: the position-wise MLP with GELU (Vaswani et al., 2017; Hendrycks & Gimpel, 2016). */
import type { RefContext } from '../context';
import { erf, map, type Mat } from '../math';

const gelu = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));

export function mlp(ctx: RefContext, x: Mat, p: Record<string, unknown>): Mat {
  const hidden = ctx.dModel * (p['expansion'] as number);
  return ctx.linear(map(ctx.linear(x, hidden, '1'), gelu), ctx.dModel, '2');
}
