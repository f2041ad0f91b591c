/**
 * The position-wise feed-forward network: two linear layers with a non-linearity between.
 * Paper: "Attention Is All You Need" (Vaswani et al., 2017). Activations: ReLU (the original),
 * GELU ("Gaussian Error Linear Units", Hendrycks & Gimpel, 2016), SiLU / Swish (x·σ(x), same
 * paper and Ramachandran et al., 2017) and ReLU² ("Primer", So et al., 2021).
 *
 *   y = act(x W₁ + b₁) W₂ + b₂,  hidden width = expansion · dModel
 *   relu(u) = max(0, u)   gelu(u) = u·Φ(u)   silu(u) = u·σ(u)   relu2(u) = max(0, u)²
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import { defineBlock, type BlockContext } from './define';
import { gelu } from './nn';

export type Activation = 'relu' | 'gelu' | 'silu' | 'relu2';

export function activate(ctx: BlockContext, u: Tensor, act: Activation): Tensor {
  const { b } = ctx;
  switch (act) {
    case 'relu': return b.relu(u);
    case 'gelu': return gelu(ctx, u);
    case 'silu': return b.mul(u, b.sigmoid(u));
    case 'relu2': { const r = b.relu(u); return b.mul(r, r); }
  }
}

export default defineBlock({
  kind: 'mlp',
  slot: 'ffn',
  title: 'MLP',
  paper: 'Attention Is All You Need',
  explanation:
    'Applied to every token on its own: widen the vector by the expansion factor, pass it through a ' +
    'non-linearity, and project it back. Attention moves information between tokens; the MLP ' +
    'transforms what each token holds, and carries most of the parameters. The non-linearity can be ' +
    'ReLU (keep positives, zero negatives), GELU or SiLU (smooth versions that let small negatives ' +
    'through), or ReLU² (ReLU squared, sparser and sharper).',
  doc: `
**Paper:** "Attention Is All You Need" (Vaswani et al., 2017); GELU from "Gaussian Error Linear
Units (GELUs)" (Hendrycks & Gimpel, 2016); SiLU/Swish x·σ(x) (same paper; Ramachandran et al., 2017);
ReLU² from "Primer: Searching for Efficient Transformers for Language Modeling" (So et al., 2021).

**Math:** y = act(x W1 + b1) W2 + b2, W1: [d, e·d], W2: [e·d, d] (e = expansion), with
act(u) = max(0, u) (relu), u·Φ(u) = ½u(1 + erf(u/√2)) (gelu, exact), u·σ(u) (silu), max(0, u)² (relu2).

Applied to every token on its own: the vector is widened by the expansion factor, passed through a
non-linearity and projected back. Attention moves information between tokens; the MLP transforms
what each token holds and carries most of a layer's parameters. ReLU zeroes negatives; GELU and SiLU
are smooth versions that let small negative values through; ReLU² squares the positive part, which
makes the hidden activations sparser and sharper (Primer found it trains faster than GELU).
`,
  params: z.object({
    activation: z.enum(['relu', 'gelu', 'silu', 'relu2']).default('gelu'),
    expansion: z.number().int().min(1).max(8).default(4),
  }),
  emit(ctx, x, p) {
    const hidden = ctx.dModel * p.expansion;
    const h = activate(ctx, ctx.linear(x, ctx.dModel, hidden, '1'), p.activation); // [B, T, hidden]
    return ctx.linear(h, hidden, ctx.dModel, '2'); // [B, T, d]
  },
});
