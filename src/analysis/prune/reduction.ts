/**
 * The two token reductions the page offers, as the matrix R [T′, T] the reduced graph takes
 * (src/compiler/reduce.ts): Zero-TPrune's pruning (one-hot rows on the most important tokens by
 * Weighted PageRank on the cut layer's attention maps) and ToMe's merging (rows averaging the
 * groups bipartite soft matching forms from the stream at the cut), Token Transforming's X′ = T·X
 * in both cases.
 */
import { bipartiteMerge, groupMatrix } from './merge';
import { keepMostImportant, pruneMatrix, weightedPageRank } from './zeroTPrune';

export type ReduceMethod = 'zero_tprune' | 'tome';

/** Each method's name and one line for the page. */
export const REDUCE_METHODS: Record<ReduceMethod, { title: string; note: string }> = {
  zero_tprune: { title: 'Zero-TPrune (prune)', note: 'Weighted PageRank on the attention graph of the cut layer, averaged over heads; the least important tokens are removed.' },
  tome: { title: 'ToMe (merge)', note: 'Bipartite soft matching on the stream at the cut: the most similar pairs are averaged into one token, in rounds until T′ remain.' },
};

/** What a reduction decided: R, the original tokens of each reduced row, and the importance it ranked by (pruning). */
export interface Reduction {
  R: Float64Array;
  groups: number[][];
  importance: Float64Array | null;
}

/** R for `method` from the cut layer's maps `probs` [H, T, T] and the stream `stream` [T, d]. */
export function reduction(method: ReduceMethod, keep: number, inputs: { probs: ArrayLike<number>; H: number; stream: ArrayLike<number>; d: number; T: number }): Reduction {
  const { T } = inputs;
  if (method === 'zero_tprune') {
    const importance = weightedPageRank(inputs.probs, inputs.H, T);
    const kept = keepMostImportant(importance, keep);
    return { R: pruneMatrix(kept, T), groups: kept.map((j) => [j]), importance };
  }
  const { groups } = bipartiteMerge(inputs.stream, T, inputs.d, keep);
  return { R: groupMatrix(groups, T), groups, importance: null };
}
