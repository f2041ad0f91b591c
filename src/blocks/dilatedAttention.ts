/**
 * Dilated attention: each query sees every d-th key, up to `span` of them in each direction.
 * The dilated sliding window of Longformer (Beltagy et al., 2020); D-Former ("D-Former: A U-shaped
 * Dilated Transformer for 3D Medical Image Segmentation", Wu et al., 2022) alternates such dilated
 * (global-scope) layers with local ones, which a hybrid schedule of this block and
 * sliding-window attention reproduces.
 *
 *   visible(i, j) = (i − j) mod d = 0  and  |i − j| < d · span  (and j ≤ i when causal)
 */
import { z } from 'zod';
import { ATTENTION_PARAMS, attention, bandMask, checkKvHeads, kvHeadsOf, relativePositions } from './attention';
import { defineBlock } from './define';
import { allOf } from './nn';

export default defineBlock({
  kind: 'dilated_attention',
  slot: 'mixer',
  title: 'Dilated attention',
  paper: 'D-Former: A U-shaped Dilated Transformer for 3D Medical Image Segmentation',
  explanation:
    'Softmax attention over a comb of keys: each token looks at itself and at every d-th token ' +
    'around it, skipping the ones in between. With the same number of keys as a sliding window it ' +
    'reaches d times further, at the price of gaps. Alternating dilated and local layers covers both ' +
    'near and far context.',
  map: 'explicit',
  doc: `
**Paper:** "D-Former: A U-shaped Dilated Transformer for 3D Medical Image Segmentation" (Wu et al.,
2022); the 1-D pattern is Longformer's dilated sliding window.
**Math:** visible(i, j) = (i − j) mod d = 0 and |i − j| < d · span (and j ≤ i when causal).
The map is a comb: every d-th diagonal. D-Former alternates local and dilated ("global-scope")
layers. A schedule of \`sliding_window\` and \`dilated_attention\` layers gives the same alternation.
(We could not read D-Former's method text; the 1-D reduction is ours.)
`,
  params: z.object({
    dilation: z.number().int().min(1).max(64).default(2),
    span: z.number().int().min(1).max(512).describe('keys each way').default(16),
    ...ATTENTION_PARAMS,
  }),
  check: (p, model) => checkKvHeads(p.kvHeads, model.nHeads),
  emit(ctx, x, p) {
    const { b } = ctx;
    const { diff } = relativePositions(ctx);
    const d = b.scalar(p.dilation);
    const onComb = b.equal(b.mul(b.floor(b.div(diff, d)), d), diff); // (i − j) mod d = 0, exact for integers
    const mask = allOf(ctx, onComb, bandMask(ctx, diff, p.dilation * p.span, p.causal));
    return attention(ctx, x, { kvHeads: kvHeadsOf(p.kvHeads, ctx.nHeads), mask });
  },
});
