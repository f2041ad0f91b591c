/**
 * Token merging as a matrix: X′ = M · X with M [T′, T], each row's weights summing to 1.
 *
 * Token Transforming (Zeng, Yu, Kong & Tang, "Token Transforming: A Unified and Training-Free
 * Token Compression Framework for Vision Transformer Acceleration", arXiv 2506.05709) writes every
 * token compression as such a matrix: pruning has one-hot rows on the kept tokens, merging has
 * rows that average groups, and its own many-to-many form lets a token spread over several rows.
 * What is built here is ToMe's bipartite soft matching (Bolya et al., ICLR 2023, "Token Merging:
 * Your ViT But Faster", facebookresearch/ToMe tome/merge.py), the one-to-one special case:
 *
 *   1. normalise each token's metric vector to unit length;
 *   2. split the tokens alternately into A (even places) and B (odd places);
 *   3. for each a ∈ A, its most similar b ∈ B by cosine, and that score;
 *   4. the r tokens of A with the highest scores are merged into their b (r ≤ |A|), the others stay;
 *   5. a merged token is the size-weighted mean of what it merges (ToMe's merge_wavg with sizes).
 *
 * A larger reduction than one round allows (T′ < ⌈T/2⌉) takes several rounds at the same cut, each
 * on the merged tokens' metric (the mean of their members'), as ToMe's merges across layers do.
 * Since sizes weight every mean, a merged token is always the plain mean of the original tokens of
 * its group: row g of M is 1/|g| on the group's members.
 *
 * Differences from ToMe, said plainly: ToMe's metric is the layer's attention keys averaged over
 * heads; here it is the residual stream X at the cut (keys are not an output every mixer has; X is
 * among the features ToMe's ablation compares). ToMe keeps the rows as [unmerged A, B]; here rows
 * are in the order of their first token, which changes the alternating split of a later round only.
 * ToMe's proportional attention (adding log size to the logits of later layers) is left out.
 * Token Transforming's many-to-many matrix (soft weights over several targets) is NOT implemented:
 * its exact rule could not be checked against the paper's text or code here (UNVERIFIED).
 */

/** A merge: the original tokens of each output row (in row order) and the matrix M [groups, T]. */
export interface MergeResult {
  groups: number[][];
  matrix: Float64Array;
}

/** Unit-length rows (a zero row stays zero). */
function unitRows(feats: Float64Array[]): Float64Array[] {
  return feats.map((f) => {
    const n = Math.sqrt(f.reduce((s, v) => s + v * v, 0));
    return n > 0 ? f.map((v) => v / n) : f.slice();
  });
}

/** Mean of the metric rows of `members` ([T, d] row-major). */
function meanRow(metric: ArrayLike<number>, d: number, members: readonly number[]): Float64Array {
  const m = new Float64Array(d);
  for (const j of members) for (let k = 0; k < d; k++) m[k] = m[k]! + metric[j * d + k]! / members.length;
  return m;
}

/** One round of bipartite soft matching on `groups`, merging r of them. */
function mergeRound(groups: number[][], metric: ArrayLike<number>, d: number, r: number): number[][] {
  const feats = unitRows(groups.map((g) => meanRow(metric, d, g)));
  const A = groups.map((_, i) => i).filter((i) => i % 2 === 0);
  const B = groups.map((_, i) => i).filter((i) => i % 2 === 1);
  const best = A.map((a) => {
    let score = -Infinity;
    let to = B[0]!;
    for (const b of B) {
      let s = 0;
      for (let k = 0; k < d; k++) s += feats[a]![k]! * feats[b]![k]!;
      if (s > score) {
        score = s;
        to = b;
      }
    }
    return { a, to, score };
  });
  const merged = best.slice().sort((x, y) => y.score - x.score || x.a - y.a).slice(0, r);
  const into = new Map<number, number[]>();
  for (const m of merged) into.set(m.to, [...(into.get(m.to) ?? []), m.a]);
  const gone = new Set(merged.map((m) => m.a));
  const next = groups
    .map((g, i) => (gone.has(i) ? null : [...g, ...(into.get(i) ?? []).flatMap((a) => groups[a]!)].sort((x, y) => x - y)))
    .filter((g): g is number[] => g !== null);
  return next.sort((x, y) => x[0]! - y[0]!);
}

/** ToMe's bipartite soft matching from T tokens down to `keep`, with `metric` [T, d] (row-major). */
export function bipartiteMerge(metric: ArrayLike<number>, T: number, d: number, keep: number): MergeResult {
  if (metric.length !== T * d) throw new Error(`bipartiteMerge: the metric needs ${T} × ${d} values, got ${metric.length}`);
  if (!Number.isInteger(keep) || keep < 1 || keep > T) throw new Error(`keep: the tokens kept must be a whole number from 1 to ${T}, got ${keep}`);
  let groups = Array.from({ length: T }, (_, i) => [i]);
  while (groups.length > keep) {
    const n = groups.length;
    groups = mergeRound(groups, metric, d, Math.min(n - keep, Math.floor(n / 2)));
  }
  return { groups, matrix: groupMatrix(groups, T) };
}

/** M [groups, T]: row g is 1/|g| on the members of group g. */
export function groupMatrix(groups: readonly (readonly number[])[], T: number): Float64Array {
  const M = new Float64Array(groups.length * T);
  groups.forEach((g, k) => g.forEach((j) => (M[k * T + j] = 1 / g.length)));
  return M;
}
