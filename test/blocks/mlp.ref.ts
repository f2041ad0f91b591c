/**
 * Reference: the position-wise MLP (Vaswani et al., 2017) with ReLU, GELU (Hendrycks & Gimpel,
 * 2016), SiLU (x·σ(x)) or ReLU² (So et al., 2021): y = act(x W₁ + b₁) W₂ + b₂.
 */
import type { RefContext, References } from '../reference/context';
import { erf, map, type Mat } from '../reference/math';

const ACTIVATIONS: Record<string, (u: number) => number> = {
  relu: (u) => Math.max(0, u),
  gelu: (u) => 0.5 * u * (1 + erf(u / Math.SQRT2)),
  silu: (u) => u / (1 + Math.exp(-u)),
  relu2: (u) => Math.max(0, u) ** 2,
};

export function mlp(ctx: RefContext, x: Mat, p: Record<string, unknown>): Mat {
  const hidden = ctx.dModel * (p['expansion'] as number);
  const act = ACTIVATIONS[p['activation'] as string]!;
  return ctx.linear(map(ctx.linear(x, hidden, '1'), act), ctx.dModel, '2');
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { ffn: { mlp } };
