/**
 * Summaries of attention entropy per head. Entropy is in nats; the fraction divides each row's
 * entropy by the largest it could have, log(number of keys the row may see), so 1 means uniform
 * attention over those keys and 0 means all weight on one key. Rows that may see one key only
 * have no spread to measure and are left out of the fraction.
 */

export interface HeadEntropy {
  head: number;
  /** Mean over queries, nats. */
  meanNats: number;
  /** Mean over queries of entropy / log(visible keys), in [0, 1]; NaN when no row sees two keys. */
  meanFraction: number;
}

/**
 * @param entropy     [H, T] row entropies (nats) as the graph computed them
 * @param visibleKeys how many keys query i may see (i + 1 for a causal map, T for a bidirectional one)
 */
export function headEntropies(entropy: Float32Array, H: number, T: number, visibleKeys: (i: number) => number): HeadEntropy[] {
  return Array.from({ length: H }, (_, h) => {
    let sum = 0;
    let fracSum = 0;
    let fracRows = 0;
    for (let i = 0; i < T; i++) {
      const e = entropy[h * T + i]!;
      sum += e;
      const n = visibleKeys(i);
      if (n > 1) {
        fracSum += e / Math.log(n);
        fracRows++;
      }
    }
    return { head: h, meanNats: sum / T, meanFraction: fracRows ? fracSum / fracRows : NaN };
  });
}
