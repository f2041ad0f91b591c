/**
 * Token reduction inside the graph (compile option `reduce`): the model runs its layer runs
 * 0 … afterRun at the full length T, then the residual stream becomes
 *
 *   X′ = R · X,   R [B, T′, T] the graph input `reduce`,
 *
 * and the remaining runs, the final norm and the unembedding run at T′ = keep. Pruning (Zero-TPrune)
 * feeds rows that are one-hot on the kept tokens; merging (ToMe, Token Transforming's X′ = T·X)
 * feeds rows of weights that sum to 1 (src/analysis/prune/). Every stream the next topology may
 * read is reduced the same way: x, the stream one module earlier (ladder) and the two streams of a
 * reversible pair.
 *
 * Which models: bidirectional ones only (every mixer non-causal). Pruning a causal decoder's
 * tokens changes what every later token may see, so its outputs are not those of any smaller
 * sequence; the playground's route for decoders is KV-cache eviction (docs/decoding.md).
 * Positions: after the cut a reduced token sits at p′ = R·p, p = (0, 1, …, T − 1): a kept token at
 * its own position, a merged one at its group's weighted mean. Positions added at the embedding
 * (learned absolute, sinusoidal) travel in X itself; position blocks that act inside attention
 * (RoPE, ALiBi, T5 bias) get p′ through their positions-as-tensors hooks (rotateAt, biasAt), at
 * the text's full length T. (T5's bias looks up whole distances: a merged token's fractional
 * distance is truncated by its Cast to int64.) p′ is one vector for the batch, so these position
 * blocks take batch 1 only. The mixers after the cut must not depend on token indices (windows,
 * sinks, pooling, per-position weights), which no longer are positions: only the
 * global, permutation-equivariant mixers of INDEX_FREE (src/spec/reduce.ts) are allowed there.
 */
import type { ResidualState } from '../blocks/define';
import type { GraphBuilder } from '../graph/builder';
import type { Tensor } from '../graph/ir';
export { INDEX_FREE, reduceProblems, type ReduceOption } from '../spec/reduce';

/** The graph input that carries R, and the outputs a reduced graph adds. */
export const REDUCE_INPUT = 'reduce';
/** The residual stream at the cut, before R [B, T, d] (the merge metric reads it). */
export const REDUCE_STREAM = 'reduce.x';
/** The final hidden state the unembedding reads [B, T′, d] (after the final norm). */
export const REDUCE_HIDDEN = 'hidden';

/** p′ = R · p as float32 [T′] (batch 1), p the positions 0 … T − 1 as [T, 1]. */
export function reducedPositions(b: GraphBuilder, R: Tensor, positions: Tensor): Tensor {
  return b.reshape(b.matmul(R, positions), [R.shape[1]!]); // [1, T′, T] · [T, 1] → [1, T′, 1] → [T′]
}

/** X′ = R · X for every stream the next layer may read. */
export function reduceStream(b: GraphBuilder, state: ResidualState, R: Tensor): ResidualState {
  const apply = (t: Tensor) => b.matmul(R, t); // [B, T′, T] · [B, T, d] → [B, T′, d]
  const x = apply(state.x);
  return {
    x,
    prev: state.prev === state.x ? x : apply(state.prev),
    ...(state.pair ? { pair: [apply(state.pair[0]), apply(state.pair[1])] as const } : {}),
  };
}
