/**
 * RMSNorm: rescale each token's vector by its root mean square, then apply a learned gain.
 * Paper: "Root Mean Square Layer Normalization" (Zhang & Sennrich, 2019).
 *
 *   y = x / sqrt(mean(x²) + ε) · γ,  statistics over the model dimension; no centring, no bias.
 */
import { z } from 'zod';
import { defineBlock } from './define';

export default defineBlock({
  kind: 'rms_norm',
  slot: 'norm',
  diagram: { label: 'RMS', name: 'RMSNorm' },
  title: 'RMSNorm',
  paper: 'Root Mean Square Layer Normalization',
  explanation:
    'Like LayerNorm, but it only rescales: each token vector is divided by its root mean square ' +
    'and multiplied by a learned gain γ. It skips subtracting the mean and the bias, which makes it ' +
    'cheaper, and in practice it works as well. Most recent language models use it.',
  doc: `
**Paper:** "Root Mean Square Layer Normalization" (Zhang & Sennrich, 2019).
**Math:** y = x / √(mean(x²) + ε) · γ. There is no centring and no bias.
`,
  params: z.object({ epsilon: z.number().min(1e-12).max(1e-2).default(1e-6) }),
  emit(ctx, x, p) {
    const { b } = ctx;
    const gamma = ctx.weight('gamma', [ctx.dModel], { kind: 'constant', value: 1 });
    const meanSquare = b.reduceMean(b.mul(x, x), [-1], true); // [B, T, 1]
    const rms = b.sqrt(b.add(meanSquare, b.scalar(p.epsilon)));
    return b.mul(b.div(x, rms), gamma); // [B, T, d]
  },
});
