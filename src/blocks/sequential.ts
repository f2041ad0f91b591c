/**
 * Sequential residual blocks: the mixer, then the feed-forward, each added to the stream in turn.
 * Paper: "Attention Is All You Need" (Vaswani et al., 2017).
 *
 *   h = x ⊕ Mixer(x),  x' = h ⊕ FFN(h)     (⊕: residual addition with the layer's norm placement)
 */
import { z } from 'zod';
import { defineBlock } from './define';
import { chainModules } from './residual';

export default defineBlock({
  kind: 'sequential',
  slot: 'topology',
  layout: 'sequential',
  title: 'Sequential',
  paper: 'Attention Is All You Need',
  explanation:
    'The usual transformer layer: the token mixer reads the residual stream and adds its result, ' +
    'then the feed-forward block reads the updated stream and adds its own. Each sub-block sees ' +
    'everything the one before it wrote.',
  doc: `
**Paper:** "Attention Is All You Need" (Vaswani et al., 2017).
**Math:** h = x ⊕ Mixer(x), then x' = h ⊕ FFN(h). Each module reads the latest stream.
`,
  params: z.object({}),
  // A module that is not there (ffn "none", or dropped) is skipped: the next reads the same stream.
  emit: (ctx, state, parts) => chainModules(ctx, parts, state, (s) => s.x),
});
