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
 * Positions: after the cut a token's position must still be its original one. Here that holds
 * only when position enters at the embedding (learned absolute, sinusoidal, none): the reduced
 * rows carry it in X. Position blocks that act inside attention (RoPE, ALiBi, T5 bias) would
 * see indices 0 … T′−1 instead, so they are refused. For the same reason the mixers after the cut
 * must not depend on token indices (windows, sinks, pooling, per-position weights): only the
 * global, permutation-equivariant mixers of INDEX_FREE are allowed there.
 */
import { findBlock } from '../blocks/registry';
import type { ResidualState } from '../blocks/define';
import type { GraphBuilder } from '../graph/builder';
import type { Tensor } from '../graph/ir';
import { layerSchedule } from '../spec/schedule';
import type { Spec } from '../spec/types';

/** Where to reduce and to how many tokens. */
export interface ReduceOption {
  /** The layer run (loops unrolled, 0-based) after which the stream is reduced. */
  afterRun: number;
  /** T′: tokens after the reduction, 1 … T. */
  keep: number;
}

/** The graph input that carries R, and the outputs a reduced graph adds. */
export const REDUCE_INPUT = 'reduce';
/** The residual stream at the cut, before R [B, T, d] (the merge metric reads it). */
export const REDUCE_STREAM = 'reduce.x';
/** The final hidden state the unembedding reads [B, T′, d] (after the final norm). */
export const REDUCE_HIDDEN = 'hidden';

/**
 * Mixers whose output is permutation-equivariant when bidirectional: token i's output depends on
 * the set of tokens, not on their indices (global attention and its linear form). Only these may
 * run after the cut, where indices no longer are positions.
 */
export const INDEX_FREE = new Set(['softmax_attention', 'linear_attention', 'power_softmax', 'minimal_attention', 'tokenformer']);

/** Why `spec` cannot be reduced at sequence length T as `opt` asks, in sentences (empty when it can). */
export function reduceProblems(spec: Spec, T: number, opt: ReduceOption): string[] {
  const problems: string[] = [];
  const runs = layerSchedule(spec);
  if (!Number.isInteger(opt.afterRun) || opt.afterRun < 0 || opt.afterRun >= runs.length) {
    problems.push(`reduce.afterRun: the layer run to reduce after must be a whole number from 0 to ${runs.length - 1}, got ${opt.afterRun}`);
  }
  if (!Number.isInteger(opt.keep) || opt.keep < 1 || opt.keep > T) problems.push(`reduce.keep: the tokens kept must be a whole number from 1 to T (${T}), got ${opt.keep}`);
  const position = findBlock('position', spec.position.kind);
  if (position && (position.emit.rotate || position.emit.bias)) {
    problems.push(
      `reduce: the position encoding "${spec.position.kind}" acts inside attention, where a reduced token would be rotated or biased by its new index instead of its original position; token reduction here needs positions added at the embedding (learned_absolute, sinusoidal or nope)`,
    );
  }
  runs.forEach((run, r) => {
    const layer = spec.layers[run.layer]!;
    if (layer.drop?.mixer) return;
    const block = findBlock('mixer', layer.mixer.kind);
    const parsed = block?.parse(layer.mixer.params);
    const causal = parsed?.ok ? (parsed.params['causal'] as boolean | undefined) : undefined;
    if (causal !== false) {
      problems.push(
        `reduce: layer run ${r}'s mixer "${layer.mixer.kind}" is causal; pruning or merging a causal decoder's tokens changes what every later token may see, so its outputs are no longer the model's on any text: use KV-cache eviction for decoders, and token reduction for bidirectional models (every mixer with causal off)`,
      );
    } else if (r > opt.afterRun && !INDEX_FREE.has(layer.mixer.kind)) {
      problems.push(`reduce: layer run ${r} comes after the cut and its mixer "${layer.mixer.kind}" depends on token indices (windows, sinks, pooling or per-position weights), which no longer are positions once tokens are removed; after the cut only ${[...INDEX_FREE].join(', ')} can run`);
    }
  });
  return problems;
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
