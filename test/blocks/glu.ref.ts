/**
 * Reference: GLU variants (Shazeer, 2020), y = (act(x W) ⊙ (x V)) W₂ without biases, with
 * act = Swish (u·σ(u)), exact GELU (u·Φ(u)) or ReLU.
 */
import type { RefContext, References } from '../reference/context';
import { erf, map, mul, type Mat } from '../reference/math';

const ACTIVATIONS: Record<string, (u: number) => number> = {
  swiglu: (u) => u / (1 + Math.exp(-u)),
  geglu: (u) => 0.5 * u * (1 + erf(u / Math.SQRT2)),
  reglu: (u) => Math.max(0, u),
};

export function glu(ctx: RefContext, x: Mat, p: Record<string, unknown>): Mat {
  const hidden = ctx.dModel * (p['expansion'] as number);
  const act = ACTIVATIONS[p['variant'] as string]!;
  const gate = map(ctx.linear(x, hidden, 'gate', { bias: false }), act);
  const up = ctx.linear(x, hidden, 'up', { bias: false });
  return ctx.linear(mul(gate, up), ctx.dModel, 'down', { bias: false });
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { ffn: { glu } };
