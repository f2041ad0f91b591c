/**
 * Reference: T5 relative position bias (Raffel et al., 2020), bias B[bucket(j − i), h] from the one
 * table "position.relative_bias" [buckets, H]. The bucket, from T5's _relative_position_bucket,
 * written out for one distance at a time (n = i − j, how far back the key is):
 *   bidirectional: each sign gets half of the buckets; n < 0 adds half the buckets and n → |n|.
 *   unidirectional: n → max(n, 0).
 *   With N buckets per side and E = ⌊N/2⌋: n if n < E, else
 *   min(N − 1, E + ⌊log(n/E) / log(maxDistance/E) · (N − E)⌋) (floor taken with a 1e-9 guard).
 */
import type { RefContext, References } from '../reference/context';

export function bucket(relative: number, buckets: number, maxDistance: number, bidirectional: boolean): number {
  const back = -relative;
  const N = bidirectional ? Math.floor(buckets / 2) : buckets;
  const first = bidirectional && back < 0 ? N : 0;
  const n = bidirectional ? Math.abs(back) : Math.max(back, 0);
  const E = Math.floor(N / 2);
  if (n < E) return first + n;
  const wide = E + Math.floor((Math.log(n / E) / Math.log(maxDistance / E)) * (N - E) + 1e-9);
  return first + Math.min(N - 1, wide);
}

export const t5Bias = {
  bias(ctx: RefContext, h: number, i: number, j: number, p: Record<string, unknown>): number {
    const b = bucket(j - i, p['buckets'] as number, p['maxDistance'] as number, p['bidirectional'] as boolean);
    return ctx.weight('relative_bias')[b * ctx.nHeads + h]!;
  },
};

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { position: { t5_bias: t5Bias } };
