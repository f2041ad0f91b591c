/**
 * Summaries of attention entropy per head. Entropy is in nats; the fraction divides each row's
 * entropy by the largest it could have, log(number of keys the row can see), so 1 means uniform
 * attention and 0 means all weight on one key. Rows that see one key only have no spread to
 * measure and are left out of the fraction.
 */

export interface HeadEntropy {
  head: number;
  /** Mean over queries, nats. */
  meanNats: number;
  /** Mean over queries of entropy / log(visible keys), in [0, 1]; NaN when no row sees two keys. */
  meanFraction: number;
}

/**
 * @param entropy [H, T] row entropies (nats) as the graph computed them
 * @param probs   [H, T, T] the maps, to count the keys each row can see (weights > 0)
 */
export function headEntropies(entropy: Float32Array, probs: Float32Array, H: number, T: number): HeadEntropy[] {
  return Array.from({ length: H }, (_, h) => {
    let sum = 0;
    let fracSum = 0;
    let fracRows = 0;
    for (let i = 0; i < T; i++) {
      const e = entropy[h * T + i]!;
      sum += e;
      let visible = 0;
      for (let j = 0; j < T; j++) if (probs[(h * T + i) * T + j]! > 0) visible++;
      if (visible > 1) {
        fracSum += e / Math.log(visible);
        fracRows++;
      }
    }
    return { head: h, meanNats: sum / T, meanFraction: fracRows ? fracSum / fracRows : NaN };
  });
}
