/**
 * The position-wise feed-forward network: two linear layers with a non-linearity between.
 * Paper: "Attention Is All You Need" (Vaswani et al., 2017); GELU from "Gaussian Error Linear Units".
 *
 *   y = act(x W₁ + b₁) W₂ + b₂,  hidden width = expansion · dModel.
 */
import { z } from 'zod';
import { defineBlock } from './define';
import { gelu } from './nn';

export default defineBlock({
  kind: 'mlp',
  slot: 'ffn',
  title: 'MLP',
  paper: 'Attention Is All You Need',
  explanation:
    'Applied to every token on its own: widen the vector by the expansion factor, pass it through a ' +
    'non-linearity, and project it back. Attention moves information between tokens; the MLP ' +
    'transforms what each token holds, and carries most of the parameters.',
  params: z.object({
    activation: z.enum(['gelu']).default('gelu'),
    expansion: z.number().int().min(1).max(8).default(4),
  }),
  emit(ctx, x, p) {
    const hidden = ctx.dModel * p.expansion;
    const h = gelu(ctx, ctx.linear(x, ctx.dModel, hidden, '1')); // [1, T, hidden]
    return ctx.linear(h, hidden, ctx.dModel, '2'); // [1, T, d]
  },
});
