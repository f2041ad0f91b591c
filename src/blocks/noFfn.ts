/**
 * No feed-forward block: the layer is attention only.
 * Paper: "Reducing the Transformer Architecture to a Minimum" (Bermeitinger et al., 2024).
 *
 *   h = x + Mixer(N(x))   (pre placement; the FFN sub-block, its norm and its residual are gone)
 *
 * The block is `absent`: the compiler leaves the whole sub-block out and never calls its emitter.
 */
import { z } from 'zod';
import { defineBlock } from './define';

export default defineBlock({
  kind: 'none',
  slot: 'ffn',
  title: 'None (no feed-forward)',
  paper: 'Reducing the Transformer Architecture to a Minimum',
  explanation:
    'Leaves the feed-forward half of the layer out, with its norm and residual connection: the layer ' +
    'is attention only. Attention alone is not linear (the softmax mixes tokens non-linearly), and the ' +
    'paper finds that such slimmer models can come close to full ones on simple tasks with far fewer ' +
    'parameters. Here it shows how much of the parameter count and compute the MLP normally takes.',
  doc: `
**Paper:** "Reducing the Transformer Architecture to a Minimum" (Bermeitinger et al., 2024).

**Math:** h = x + Mixer(N(x)) (pre placement): the feed-forward sub-block, its norm and its residual
addition are removed from the layer.

Leaves the feed-forward half of the layer out, so the layer is attention only. Attention by itself is
still non-linear (the softmax mixes tokens non-linearly), and the paper reports that such slimmer
models come close to full ones on simple tasks with far fewer parameters. In the playground it shows
how much of the parameter count and compute the feed-forward block normally takes.
`,
  params: z.object({}),
  absent: true,
  emit() {
    throw new Error('the "none" feed-forward block is absent: the compiler must not emit it');
  },
});
