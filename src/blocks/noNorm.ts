/**
 * No normalisation: the norm positions of the layer pass x through unchanged.
 * Paper: "Stabilizing Transformer Training by Preventing Attention Entropy Collapse" (Zhai et al.,
 * 2023), which trains transformers without LayerNorm when σReparam is on (see docs/config.md).
 */
import { z } from 'zod';
import { defineBlock } from './define';

export default defineBlock({
  kind: 'none',
  slot: 'norm',
  diagram: null,
  title: 'No norm',
  paper: 'Stabilizing Transformer Training by Preventing Attention Entropy Collapse',
  explanation:
    'Leaves the residual stream as it is: nothing rescales it between sub-blocks. Watch the residual ' +
    'norm grow from layer to layer, and the attention logits with it. σReparam on the linear layers ' +
    'is one way to keep a norm-free transformer stable.',
  doc: `
**Paper:** "Stabilizing Transformer Training by Preventing Attention Entropy Collapse" (Zhai et al.,
2023), which shows that σReparam lets transformers train without LayerNorm.
**Math:** y = x. See σReparam in config.md.
`,
  params: z.object({}),
  emit: (_ctx, x) => x,
});
