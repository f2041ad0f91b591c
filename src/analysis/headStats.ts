/**
 * What a head does, in numbers: statistics of its attention map on one example that name the
 * circuits the papers find (Olsson et al., In-context Learning and Induction Heads; Xiao et al.,
 * Efficient Streaming Language Models with Attention Sinks).
 *
 * Each row's weights are taken as |A[t, j]| rescaled to sum to 1 (as the entropy is), so implicit
 * maps of attention-free mixers, whose weights may be negative, are read the same way. For query t:
 *
 *   previous-token   the weight on key t − 1                           (queries t ≥ 1)
 *   induction        the weight on the keys j + 1 that follow an earlier occurrence j of the
 *                    current token, j + 1 < t (not the query itself)  (queries with such a j)
 *   sink             the weight on key 0, the first token               (queries t ≥ 1)
 *   distance         Σ_j weight · |t − j|, how far back the head looks  (every query)
 *
 * and a head's statistic is the mean over the queries that have one; null when none does (no
 * repeated token: no induction score). Entropy is the graph's own (analysis/entropy.ts).
 */

export interface HeadStats {
  head: number;
  previousToken: number | null;
  induction: number | null;
  sink: number | null;
  /** Mean attention distance, in positions. */
  distance: number | null;
}

/**
 * The statistics of every head of one layer run.
 * @param map [H, T, T] attention weights (attn_probs), row t the query
 * @param tokens the example's T token ids
 */
export function headStats(map: ArrayLike<number>, tokens: ArrayLike<number>, H: number): HeadStats[] {
  const T = tokens.length;
  if (map.length !== H * T * T) throw new Error(`a map of ${H} heads over ${T} tokens has ${H * T * T} weights, got ${map.length}`);
  // The keys that follow an earlier occurrence of each query's token (shared by every head).
  const inductionKeys: number[][] = Array.from({ length: T }, (_, t) => {
    const keys: number[] = [];
    for (let j = 0; j + 1 < t; j++) if (tokens[j] === tokens[t]) keys.push(j + 1);
    return keys;
  });
  return Array.from({ length: H }, (_, h) => {
    const sums = { previousToken: 0, induction: 0, sink: 0, distance: 0 };
    const counts = { previousToken: 0, induction: 0, sink: 0, distance: 0 };
    const add = (key: keyof typeof sums, v: number) => {
      sums[key] += v;
      counts[key]++;
    };
    for (let t = 0; t < T; t++) {
      const row = h * T * T + t * T;
      // One pass over the row for its total and its distance (the worker runs this on every head of
      // every layer run: 144 heads × 512² weights for GPT-2 small), divided by the total once.
      let total = 0;
      let distance = 0;
      for (let j = 0; j < T; j++) {
        const a = Math.abs(map[row + j]!);
        total += a;
        distance += a * (t > j ? t - j : j - t);
      }
      if (!(total > 0)) continue; // a row with no weight says nothing
      const w = (j: number) => Math.abs(map[row + j]!) / total;
      add('distance', distance / total);
      if (t >= 1) {
        add('previousToken', w(t - 1));
        add('sink', w(0));
      }
      if (inductionKeys[t]!.length) add('induction', inductionKeys[t]!.reduce((s, j) => s + w(j), 0));
    }
    const mean = (key: keyof typeof sums) => (counts[key] ? sums[key] / counts[key] : null);
    return { head: h, previousToken: mean('previousToken'), induction: mean('induction'), sink: mean('sink'), distance: mean('distance') };
  });
}
