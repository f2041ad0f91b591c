/**
 * Zero-TPrune's importance stage (Wang, Dedhia & Jha, CVPR 2024, "Zero-TPrune: Zero-Shot Token
 * Pruning through Leveraging of the Attention Graph in Pre-Trained Transformers", arXiv 2305.17328).
 *
 * The attention map of a layer is read as a weighted directed graph: row i of head h's map A_h
 * says how much token i draws from each token j, so an edge i → j of weight A_h[i, j]. A token is
 * important when important tokens attend to it. The paper's Weighted PageRank (WPR) starts from
 * the uniform distribution s⁰ = 1/T and iterates
 *
 *   s_h ← A_hᵀ s_h,   i.e.  s_h(j) = Σ_i A_h[i, j] s_h(i),
 *
 * per head, then averages the heads: s = (1/H) Σ_h s_h. Each row of a softmax map sums to 1, so
 * Aᵀ keeps Σ s = 1 and the iteration is the power method for A's stationary distribution (its
 * left eigenvector of eigenvalue 1); we stop when the L1 change falls below 1e−12 or after
 * PAGERANK_MAX_ITERATIONS. Maps that are not row-stochastic (the signed implicit maps of
 * attention-free mixers) are read as p = |A| / Σ_j |A| per row first, as the entropy probes do.
 *
 * Verified: the abstract's "importance distribution via Weighted Page Rank on the attention
 * graph" and the update s ← Aᵀ s over the heads (the brief's statement of it). NOT implemented,
 * and not verified here (the authors' code is not public; a third-party reimplementation exists
 * but is not the authors'): the refinements of the I-stage (Emphasizing Informative Region,
 * Variance-based Head Filter) and the S-stage (similarity-based pruning of the tokens the
 * importance ranking puts in one partition). Here the lowest-importance tokens are simply pruned.
 */

/** The most power iterations of WPR. */
export const PAGERANK_MAX_ITERATIONS = 200;

/** Each row of `map` [T, T] as a distribution: |A| / Σ_j |A| (uniform for an all-zero row). */
function rowStochastic(map: ArrayLike<number>, offset: number, T: number): Float64Array {
  const p = new Float64Array(T * T);
  for (let i = 0; i < T; i++) {
    let sum = 0;
    for (let j = 0; j < T; j++) sum += Math.abs(map[offset + i * T + j]!);
    for (let j = 0; j < T; j++) p[i * T + j] = sum > 0 ? Math.abs(map[offset + i * T + j]!) / sum : 1 / T;
  }
  return p;
}

/** WPR importance of each of the T tokens from a layer's maps `probs` [H, T, T], averaged over heads (sums to 1). */
export function weightedPageRank(probs: ArrayLike<number>, H: number, T: number): Float64Array {
  if (probs.length !== H * T * T) throw new Error(`weightedPageRank: the maps need ${H} × ${T} × ${T} values, got ${probs.length}`);
  const mean = new Float64Array(T);
  for (let h = 0; h < H; h++) {
    const A = rowStochastic(probs, h * T * T, T);
    let s = new Float64Array(T).fill(1 / T);
    for (let it = 0; it < PAGERANK_MAX_ITERATIONS; it++) {
      const next = new Float64Array(T);
      for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) next[j] = next[j]! + A[i * T + j]! * s[i]!;
      let change = 0;
      for (let j = 0; j < T; j++) change += Math.abs(next[j]! - s[j]!);
      s = next;
      if (change < 1e-12) break;
    }
    for (let j = 0; j < T; j++) mean[j] = mean[j]! + s[j]! / H;
  }
  return mean;
}

/** The `keep` most important tokens, in their original order (ties: the earlier token). */
export function keepMostImportant(importance: ArrayLike<number>, keep: number): number[] {
  const T = importance.length;
  if (!Number.isInteger(keep) || keep < 1 || keep > T) throw new Error(`keep: the tokens kept must be a whole number from 1 to ${T}, got ${keep}`);
  const order = Array.from({ length: T }, (_, i) => i).sort((a, b) => importance[b]! - importance[a]! || a - b);
  return order.slice(0, keep).sort((a, b) => a - b);
}

/** The pruning matrix R [keep, T]: row k one-hot on the k-th kept token. */
export function pruneMatrix(kept: readonly number[], T: number): Float64Array {
  const R = new Float64Array(kept.length * T);
  kept.forEach((j, k) => (R[k * T + j] = 1));
  return R;
}
