/**
 * LayerNorm: normalise each token's vector to zero mean and unit variance, then scale and shift.
 * Paper: "Layer Normalization" (Ba, Kiros, Hinton, 2016).
 *
 *   y = (x − mean(x)) / sqrt(var(x) + ε) · γ + β,  statistics over the model dimension.
 */
import { z } from 'zod';
import { defineBlock } from './define';

export default defineBlock({
  kind: 'layer_norm',
  slot: 'norm',
  diagram: { label: 'LN', name: 'LN' },
  title: 'LayerNorm',
  paper: 'Layer Normalization',
  explanation:
    'Rescales every token vector to zero mean and unit variance across its features, then applies a ' +
    'learned gain γ and bias β. It keeps the size of the residual stream under control; where it ' +
    'sits (before or after each sub-block) changes how that size grows with depth.',
  doc: `
**Paper:** "Layer Normalization" (Ba et al., 2016).
**Math:** y = (x − mean(x)) / √(var(x) + ε) · γ + β, per token over the model dimension.
`,
  params: z.object({ epsilon: z.number().min(1e-12).max(1e-2).default(1e-5) }),
  emit(ctx, x, p) {
    const gamma = ctx.weight('gamma', [ctx.dModel], { kind: 'constant', value: 1 });
    const beta = ctx.weight('beta', [ctx.dModel], { kind: 'constant', value: 0 });
    return ctx.b.layerNorm(x, gamma, beta, p.epsilon);
  },
});
