/**
 * Sliding-window attention: each query sees only the w nearest keys (itself included).
 * Used by Longformer ("Longformer: The Long-Document Transformer", Beltagy et al., 2020), Mistral,
 * and the sliding-window layers of DeltaNet and MASFormer hybrids.
 *
 *   visible(i, j) = 0 ≤ i − j < w (causal)  or  |i − j| < w (bidirectional)
 *   A = softmax over the visible keys, y = concat_h(A_h V_h) W_O
 */
import { z } from 'zod';
import { ATTENTION_PARAMS, attention, bandMask, checkKvHeads, kvHeadsOf, relativePositions } from './attention';
import { defineBlock } from './define';
import { attentionDecode, kvCacheState } from './kvCache';

export default defineBlock({
  kind: 'sliding_window',
  slot: 'mixer',
  title: 'Sliding-window attention',
  paper: 'Longformer: The Long-Document Transformer',
  explanation:
    'Softmax attention restricted to a band: each token attends only to the w tokens nearest to it ' +
    '(in a decoder, itself and the w − 1 before it). The map is a diagonal stripe. Cost grows ' +
    'linearly with length for a fixed window, and stacking layers lets information travel further ' +
    'than one window, one window per layer.',
  map: 'explicit',
  letter: 'W',
  doc: `
**Paper:** "Longformer: The Long-Document Transformer" (Beltagy et al., 2020); used by Mistral and
the sliding-window layers of DeltaNet and MASFormer hybrids.
**Math:** visible(i, j) = 0 ≤ i − j < w (causal) or |i − j| < w; softmax over visible keys.
The map is a diagonal band w wide.

**Decoding:** a ring of the last \`window\` keys and values: 2 · kvHeads · headDim floats per slot, \`window\` slots at most, whatever the length.
`,
  params: z.object({
    window: z.number().int().min(1).max(512).default(8),
    ...ATTENTION_PARAMS,
  }),
  check: (p, model) => checkKvHeads(p.kvHeads, model.nHeads),
  emit(ctx, x, p) {
    const { diff } = relativePositions(ctx);
    return attention(ctx, x, { kvHeads: kvHeadsOf(p.kvHeads, ctx.nHeads), mask: bandMask(ctx, diff, p.window, p.causal) });
  },
  // Decoding: a ring of the last `window` keys and values; the window caps the cache.
  decode: {
    state: (p, m) => kvCacheState(kvHeadsOf(p.kvHeads, m.nHeads), m.dModel / m.nHeads, { kind: 'window', window: p.window }),
    emit: (ctx, x, p, state) => attentionDecode(ctx, x, state, { kvHeads: kvHeadsOf(p.kvHeads, ctx.nHeads), layout: { kind: 'window', window: p.window } }),
  },
});
