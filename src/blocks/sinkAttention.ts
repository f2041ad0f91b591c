/**
 * Sink (global) tokens plus a local window: the first `sinks` tokens are visible to every query,
 * the rest only within a sliding window. "Efficient Streaming Language Models with Attention Sinks"
 * (Xiao et al., 2023) keeps 4 sink tokens and a recent window; SinkLoRA and Longformer's global
 * tokens use the same pattern.
 *
 *   visible(i, j) = j < sinks  or  |i − j| < w        (and j ≤ i when causal)
 * In the bidirectional form the sink tokens also see every key (Longformer's global attention).
 */
import { z } from 'zod';
import { ATTENTION_PARAMS, attention, bandMask, checkKvHeads, kvHeadsOf, relativePositions } from './attention';
import { defineBlock } from './define';
import { attentionDecode, kvCacheState } from './kvCache';
import { allOf, anyOf } from './nn';

export default defineBlock({
  kind: 'sink_attention',
  slot: 'mixer',
  title: 'Sink tokens + local window',
  paper: 'Efficient Streaming Language Models with Attention Sinks',
  explanation:
    'A sliding window plus a few "sink" tokens at the start that every token can always see. ' +
    'Trained models dump spare attention on the first tokens; keeping them visible lets a ' +
    'windowed model stay stable on long streams. The map is a diagonal stripe plus solid first columns.',
  map: 'explicit',
  doc: `
**Paper:** "Efficient Streaming Language Models with Attention Sinks" (Xiao et al., 2023), whose code
keeps 4 start tokens plus a recent window; Longformer's global tokens in the bidirectional form.
**Math:** visible(i, j) = j < sinks or |i − j| < w (and j ≤ i when causal); bidirectional: sink
queries also see every key. The map is a band plus solid first columns.

**Decoding:** the sinks keep their slots for good and a ring holds the last \`window\` keys after them: sinks + window slots of 2 · kvHeads · headDim floats.
`,
  params: z.object({
    sinks: z.number().int().min(1).max(16).default(4),
    window: z.number().int().min(1).max(512).default(8),
    ...ATTENTION_PARAMS,
  }),
  check: (p, model) => checkKvHeads(p.kvHeads, model.nHeads),
  emit(ctx, x, p) {
    const { b } = ctx;
    const { diff, query, key } = relativePositions(ctx);
    const sinks = b.scalar(p.sinks);
    let global = b.less(key, sinks); // [1, T]: key j is a sink
    if (!p.causal) global = anyOf(ctx, global, b.less(query, sinks)); // [T, T]: sink queries see everything
    const seen = anyOf(ctx, global, bandMask(ctx, diff, p.window, false));
    const mask = p.causal ? allOf(ctx, seen, b.greaterOrEqual(diff, b.scalar(0))) : seen;
    return attention(ctx, x, { kvHeads: kvHeadsOf(p.kvHeads, ctx.nHeads), mask });
  },
  // Decoding: the sinks keep their slots; a ring holds the last `window` keys after them.
  decode: {
    state: (p, m) => kvCacheState(kvHeadsOf(p.kvHeads, m.nHeads), m.dModel / m.nHeads, { kind: 'sinks', sinks: p.sinks, window: p.window }),
    emit: (ctx, x, p, state) =>
      attentionDecode(ctx, x, state, { kvHeads: kvHeadsOf(p.kvHeads, ctx.nHeads), layout: { kind: 'sinks', sinks: p.sinks, window: p.window } }),
  },
});
