/**
 * T5 relative position bias: a learned scalar per (distance bucket, head) added to the logits.
 * Paper: "Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer"
 * (Raffel et al., 2020), section 2.1.
 *
 *   logits_h[i, j] = q_i · k_j / √hd + B[bucket(j − i), h]
 *
 * bucket(r) follows the T5 reference code (_relative_position_bucket in Mesh TensorFlow's
 * transformer_layers.py), with n = i − j (how far back the key is) and N buckets:
 *   - bidirectional: half of the buckets for each sign; keys after the query (n < 0) get the upper
 *     half (offset ⌊N/2⌋), and n becomes |n|, with N' = ⌊N/2⌋ buckets per side;
 *     unidirectional: n = max(n, 0) (a key after the query counts as distance 0), N' = N;
 *   - with E = ⌊N'/2⌋: n < E is its own bucket (exact small distances);
 *     otherwise E + ⌊ log(n/E) / log(maxDistance/E) · (N' − E) ⌋, at most N' − 1 (logarithmically
 *     wider buckets; every distance from maxDistance on shares the last one).
 * The floor is taken in float64 with a 1e-9 guard, so distances where the ratio is an exact integer
 * (e.g. n = 16, E = 8, maxDistance = 128: log 2 / log 16 · 8 = 2) land in the bucket the formula
 * gives, whatever the rounding of the logarithms.
 *
 * The table B [buckets, H] is one weight under the 'position' prefix, shared by every layer as in T5
 * (which computes it in the first layer and reuses it). It is initialised N(0, 1) like the other
 * position table here (learned_absolute), so an untrained model shows visible structure; Hugging
 * Face's T5 uses N(0, d_model^−1/2). Bucket numbers are integers fixed by T, so they are computed
 * here: a constant lookup over the 2T − 1 relative positions j − i (O(T), not T²), indexed in the
 * graph by (j − i) + T − 1 built from the position index vectors.
 */
import { z } from 'zod';
import { defineBlock } from './define';
import { positionIndices } from './nn';

export interface BucketParams {
  buckets: number;
  maxDistance: number;
  bidirectional: boolean;
}

/** Distances below this are bucketed exactly (half of the buckets of one direction). */
const exactBuckets = (p: BucketParams): number => Math.floor((p.bidirectional ? Math.floor(p.buckets / 2) : p.buckets) / 2);

/** T5's bucket of the relative position r = j − i (key minus query). */
export function relativePositionBucket(r: number, p: BucketParams): number {
  let n = -r; // how far back the key lies
  let perSide = p.buckets;
  let offset = 0;
  if (p.bidirectional) {
    perSide = Math.floor(p.buckets / 2);
    if (n < 0) offset = perSide; // keys after the query use the upper half
    n = Math.abs(n);
  } else {
    n = Math.max(n, 0);
  }
  const exact = Math.floor(perSide / 2);
  if (n < exact) return offset + n;
  const logBucket = exact + Math.floor((Math.log(n / exact) / Math.log(p.maxDistance / exact)) * (perSide - exact) + 1e-9);
  return offset + Math.min(logBucket, perSide - 1);
}

export default defineBlock({
  kind: 't5_bias',
  slot: 'position',
  title: 'T5 relative bias',
  paper: 'Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer',
  explanation:
    'Each head learns one number per distance bucket and adds it to the attention score of every ' +
    'query–key pair that far apart. Small distances each get their own bucket; larger ones share ' +
    'buckets that widen logarithmically, and everything beyond the maximum distance shares the last. ' +
    'The model therefore learns how much to favour near or far tokens, but cannot tell apart two ' +
    'long distances in the same bucket. Bidirectional mode keeps separate buckets for keys before ' +
    'and after the query; the default (decoder) mode does not.',
  doc: `
**Paper:** *Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer*
(Raffel et al., 2020), section 2.1.

**Math:** logits_h[i, j] = q_i · k_j / √hd + B[bucket(j − i), h], with B a learned table
[buckets, H] shared by all layers (initialised N(0, 1) here; Hugging Face's T5 uses
N(0, d_model^−1/2)). The bucket follows T5's \`_relative_position_bucket\`: with n = i − j,
bidirectional mode gives each sign half of the buckets (keys after the query take the upper half
and n becomes |n|), unidirectional mode clips n at 0 (a later key counts as distance 0). With N
buckets per side and E = ⌊N/2⌋, distances n < E get their own bucket and larger ones
E + ⌊log(n/E) / log(maxDistance/E) · (N − E)⌋, capped at N − 1. The graph stores the bucket of each
of the 2T − 1 relative positions (O(T), not T²) and gathers B through it.

Each head learns one number per distance bucket and adds it to the attention score of every
query–key pair that far apart. Small distances each get a bucket of their own; larger ones share
buckets that widen logarithmically, and all distances from \`maxDistance\` on share the last one. The
model thus learns how much each head should favour near or far tokens, but cannot tell apart two
long distances that fall in the same bucket. Bidirectional mode (T5's encoder) keeps separate
buckets for keys before and after the query; the default unidirectional mode (T5's decoder) does
not.
`,
  params: z.object({
    buckets: z.number().int().min(8).max(64).default(32),
    maxDistance: z.number().int().min(16).max(512).default(128),
    bidirectional: z.boolean().default(false),
  }),
  check: (p) => {
    const exact = exactBuckets(p);
    return p.maxDistance > exact ? null : `parameter "maxDistance" must be greater than ${exact}, the number of exactly bucketed distances (half the buckets of one direction), got ${p.maxDistance}`;
  },
  emit: {
    bias(ctx, p) {
      const { b, T, nHeads } = ctx;
      const table = ctx.weight('relative_bias', [p.buckets, nHeads], { kind: 'normal', std: 1 }); // [buckets, H]
      // lookup[r + T − 1] = bucket of the relative position r = j − i, for r = −(T − 1) … T − 1.
      const lookup = b.constant('t5_buckets', 'int64', [2 * T - 1], Array.from({ length: 2 * T - 1 }, (_, k) => relativePositionBucket(k - (T - 1), p)));
      const { rows, cols } = positionIndices(ctx); // int64 [T, 1] (i) and [1, T] (j)
      const at = b.add(b.sub(cols, rows), b.constant('t5_offset', 'int64', [], [T - 1])); // [T, T]: j − i + T − 1
      const buckets = b.gather(lookup, at); // [T, T] int64
      const perHead = b.transpose(b.gather(table, buckets), [2, 0, 1]); // [T, T, H] → [H, T, T]
      return b.reshape(perHead, [1, nHeads, T, T]); // [1, H, T, T]
    },
    biasAt(ctx, p, query, key) {
      // Relative positions j − i from −(maxLen − 1) to maxLen − 1 looked up in the same bucket table.
      const { b, maxLen: L, nHeads } = ctx;
      const table = ctx.weight('relative_bias', [p.buckets, nHeads], { kind: 'normal', std: 1 });
      const lookup = b.constant('t5_buckets', 'int64', [2 * L - 1], Array.from({ length: 2 * L - 1 }, (_, k) => relativePositionBucket(k - (L - 1), p)));
      const at = b.cast(b.add(b.sub(key, query), b.scalar(L - 1)), 'int64'); // [n, m]
      const perHead = b.transpose(b.gather(table, b.gather(lookup, at)), [2, 0, 1]); // [H, n, m]
      return b.reshape(perHead, [1, nHeads, query.shape[0]!, key.shape[1]!]);
    },
  },
});
