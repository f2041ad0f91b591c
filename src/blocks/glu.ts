/**
 * Gated linear units in the feed-forward slot: SwiGLU, GeGLU, ReGLU.
 * Paper: "GLU Variants Improve Transformer" (Shazeer, 2020).
 *
 *   y = (act(x W) ⊙ (x V)) W₂,  W, V: [d, hidden], W₂: [hidden, d], hidden = expansion · dModel
 *   swiglu: act(u) = u·σ(u) (Swish₁ = SiLU)   geglu: act(u) = u·Φ(u) (exact GELU)   reglu: act(u) = max(0, u)
 *
 * Like the paper, the three projections have no bias. The paper shrinks hidden to ⅔ of the MLP's
 * to keep the parameter count equal; here the width is simply expansion · dModel, so a GLU has
 * 1.5× the parameters of an MLP of the same expansion.
 */
import { z } from 'zod';
import { defineBlock } from './define';
import { gelu } from './nn';

export default defineBlock({
  kind: 'glu',
  slot: 'ffn',
  title: 'GLU (SwiGLU / GeGLU / ReGLU)',
  paper: 'GLU Variants Improve Transformer',
  explanation:
    'A feed-forward block with a gate. Each token is projected twice to the wide hidden size: one ' +
    'copy goes through a non-linearity (Swish for SwiGLU, GELU for GeGLU, ReLU for ReGLU) and then ' +
    'multiplies the other copy element by element, so every hidden unit decides how much of its ' +
    'partner passes. The gated vector is projected back to the model width. Used by LLaMA, PaLM and ' +
    'most recent language models.',
  doc: `
**Paper:** "GLU Variants Improve Transformer" (Shazeer, 2020).

**Math:** y = (act(x W) ⊙ (x V)) W2, W, V: [d, e·d], W2: [e·d, d], no biases (as in the paper);
act = Swish u·σ(u) (swiglu), exact GELU (geglu) or ReLU (reglu); ⊙ is the element-wise product.

A feed-forward block with a gate. Each token is projected twice to the hidden width: one copy goes
through the non-linearity and then multiplies the other copy element by element, so each hidden unit
decides how much of its partner passes. The gated vector is projected back to the model width. The
paper shrinks the hidden width to ⅔ of the MLP's to keep parameters equal; here the width is simply
expansion · dModel, so a GLU has 1.5× the parameters of an MLP with the same expansion. SwiGLU is the
feed-forward block of LLaMA, PaLM and most recent language models.
`,
  params: z.object({
    variant: z.enum(['swiglu', 'geglu', 'reglu']).default('swiglu'),
    expansion: z.number().int().min(1).max(8).default(4),
  }),
  emit(ctx, x, p) {
    const { b, dModel } = ctx;
    const hidden = dModel * p.expansion;
    const u = ctx.linear(x, dModel, hidden, 'gate', { bias: false }); // [B, T, hidden]  x W
    const v = ctx.linear(x, dModel, hidden, 'up', { bias: false }); // [B, T, hidden]  x V
    const gate =
      p.variant === 'swiglu' ? b.mul(u, b.sigmoid(u))
      : p.variant === 'geglu' ? gelu(ctx, u)
      : b.relu(u); // [B, T, hidden]
    return ctx.linear(b.mul(gate, v), hidden, dModel, 'down', { bias: false }); // [B, T, d]
  },
});
