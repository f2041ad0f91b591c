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
import { attentionDecode, kvCacheState, type CacheLayout } from './kvCache';

/** The cache a causal query needs: the last d·(span − 1) + 1 positions (the farthest visible key is d·(span − 1) back). */
export const dilatedLayout = (dilation: number, span: number): CacheLayout => ({ kind: 'window', window: dilation * (span - 1) + 1 });

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
**Decoding:** K/V cache, a ring of the last d·(span − 1) + 1 positions (the farthest key a query
sees), of which the new query reads every d-th: 2·kvHeads·headDim floats per token per layer up
to that window, then none.
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
  // Decoding: a ring of the window the comb reaches; the comb itself from each slot's distance.
  decode: {
    state: (p, m) => kvCacheState(kvHeadsOf(p.kvHeads, m.nHeads), m.dModel / m.nHeads, dilatedLayout(p.dilation, p.span)),
    emit(ctx, x, p, state) {
      const { b, decode: dec } = ctx;
      const d = b.scalar(p.dilation);
      return attentionDecode(ctx, x, state, {
        kvHeads: kvHeadsOf(p.kvHeads, ctx.nHeads),
        layout: dilatedLayout(p.dilation, p.span),
        visible: (positions) => {
          const diff = b.sub(dec.position, positions); // t − j, whole numbers (the ring's range is the band)
          const onComb = b.cast(b.equal(b.mul(b.floor(b.div(diff, d)), d), diff), 'float32'); // (t − j) mod d = 0
          return b.reshape(onComb, [1, 1, 1, positions.shape[0]!]);
        },
      });
    },
  },
});
