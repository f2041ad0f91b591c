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
 * @param entropy [H, T] row entropies (nats) as the graph computed them
 * @param map     [H, T, T] the map the entropies belong to
 */
export function headEntropies(entropy: Float32Array, map: Float32Array, H: number, T: number): HeadEntropy[] {
  return Array.from({ length: H }, (_, h) => {
    let sum = 0;
    let fracSum = 0;
    let fracRows = 0;
    for (let i = 0; i < T; i++) {
      const e = entropy[h * T + i]!;
      sum += e;
      let keys = 0;
      for (let j = 0; j < T; j++) if (map[(h * T + i) * T + j] !== 0) keys++;
      if (keys > 1) {
        fracSum += Math.min(1, e / Math.log(keys));
        fracRows++;
      }
    }
    return { head: h, meanNats: sum / T, meanFraction: fracRows ? fracSum / fracRows : NaN };
  });
}
