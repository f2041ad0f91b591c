/**
 * Summaries of attention entropy per head. Entropy is in nats (the graph computes it over each
 * row's |weights| rescaled to sum to 1). The fraction divides each row's entropy by the largest it
 * could have, log(number of keys the row gives any weight to), so 1 means spread evenly over those
 * keys and 0 means all weight on one key. Counting keys from the map itself is right for every mask
 * (causal, windows, combs, sinks, bidirectional, implicit maps); a visible key that gets a weight of
 * exactly 0 (a ReLU feature map, an underflow) counts as unseen. Rows with one such key have no
 * spread to measure and are left out of the fraction.
 */

export interface HeadEntropy {
  head: number;
  /** Mean over queries, nats. */
  meanNats: number;
  /** Mean over queries of entropy / log(keys with weight), in [0, 1]; NaN when no row has two. */
  meanFraction: number;
}

/**
 * Each row's entropy as a fraction of the uniform maximum log(keys it uses): [H, T], NaN for rows
 * with fewer than two keys (nothing to spread).
 * @param entropy [H, T] row entropies (nats) as the graph computed them
 * @param support [H, T] keys with a nonzero weight in each row (analysis/maps.ts rowSupport)
 */
export function rowFractions(entropy: Float32Array, support: ArrayLike<number>): Float32Array {
  return Float32Array.from(entropy, (e, r) => (support[r]! > 1 ? Math.min(1, e / Math.log(support[r]!)) : NaN));
}

/** Mean entropy of each head, in nats and as a fraction of uniform (see rowFractions). */
export function headEntropies(entropy: Float32Array, support: ArrayLike<number>, H: number, T: number): HeadEntropy[] {
  const fractions = rowFractions(entropy, support);
  return Array.from({ length: H }, (_, h) => {
    let sum = 0;
    let fracSum = 0;
    let fracRows = 0;
    for (let i = 0; i < T; i++) {
      sum += entropy[h * T + i]!;
      const f = fractions[h * T + i]!;
      if (!Number.isNaN(f)) {
        fracSum += f;
        fracRows++;
      }
    }
    return { head: h, meanNats: sum / T, meanFraction: fracRows ? fracSum / fracRows : NaN };
  });
}

/**
 * headEntropies for every layer run: [runs][H], the overview the head grid and the entropy heatmap colour by.
 * @param entropy per run [H, T] row entropies (nats)
 * @param support per run [H, T] keys with a nonzero weight in each row
 */
export function headEntropyGrid(entropy: readonly Float32Array[], support: readonly ArrayLike<number>[], H: number, T: number): HeadEntropy[][] {
  return entropy.map((e, r) => headEntropies(e, support[r]!, H, T));
}
