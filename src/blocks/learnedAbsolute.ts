/**
 * Learned absolute positions: a trainable vector per position, added to the token embedding.
 * Paper: "Attention Is All You Need" (Vaswani et al., 2017), as used by GPT-2.
 */
import { z } from 'zod';
import { defineBlock } from './define';

export default defineBlock({
  kind: 'learned_absolute',
  slot: 'position',
  title: 'Learned absolute positions',
  paper: 'Attention Is All You Need',
  explanation:
    'The model keeps one learned vector per position, up to its longest text, and adds it to the ' +
    'embedding of the token at that position. Attention can then tell "first" from "fifth", but a ' +
    'position it never had a vector for simply does not exist.',
  doc: `
**Paper:** "Attention Is All You Need" (Vaswani et al., 2017), as GPT-2 uses it.
**Math:** x₀[t] = E[token_t] + P[t], where P is a learned table [maxLen, d].
`,
  params: z.object({}),
  emit: {
    embed(ctx, x) {
      const { b, T, maxLen, dModel } = ctx;
      const table = ctx.weight('table', [maxLen, dModel], { kind: 'normal', std: 1 });
      const positions = b.constant('positions', 'int64', [T], Array.from({ length: T }, (_, i) => i));
      return b.add(x, b.gather(table, positions)); // [B, T, d] + [T, d]
    },
    embedAt(ctx, x, _p, positions) {
      const { b, maxLen, dModel } = ctx;
      const table = ctx.weight('table', [maxLen, dModel], { kind: 'normal', std: 1 });
      return b.add(x, b.gather(table, b.cast(positions, 'int64'))); // [B, n, d] + [n, d]
    },
  },
});
