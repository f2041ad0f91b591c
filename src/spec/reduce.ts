/**
 * Which models and cuts token reduction accepts (compile option `reduce`, src/compiler/reduce.ts,
 * explains the reasons): bidirectional models, and after the cut only mixers that do not depend on
 * token indices. The page checks the same before it asks.
 */
import { findBlock } from '../blocks/registry';
import { layerSchedule } from './schedule';
import type { Spec } from './types';

/** Where to reduce and to how many tokens. */
export interface ReduceOption {
  /** The layer run (loops unrolled, 0-based) after which the stream is reduced. */
  afterRun: number;
  /** T′: tokens after the reduction, 1 … T. */
  keep: number;
}

/**
 * Mixers whose output is permutation-equivariant when bidirectional: token i's output depends on
 * the set of tokens, not on their indices (global attention and its linear form). Only these may
 * run after the cut, where indices no longer are positions.
 */
export const INDEX_FREE = new Set(['softmax_attention', 'linear_attention', 'power_softmax', 'minimal_attention', 'tokenformer']);

/** Why `spec` cannot be reduced at sequence length T (batch B) as `opt` asks, in sentences (empty when it can). */
export function reduceProblems(spec: Spec, T: number, opt: ReduceOption, B = 1): string[] {
  const problems: string[] = [];
  const runs = layerSchedule(spec);
  if (!Number.isInteger(opt.afterRun) || opt.afterRun < 0 || opt.afterRun >= runs.length) {
    problems.push(`reduce.afterRun: the layer run to reduce after must be a whole number from 0 to ${runs.length - 1}, got ${opt.afterRun}`);
  }
  if (!Number.isInteger(opt.keep) || opt.keep < 1 || opt.keep > T) problems.push(`reduce.keep: the tokens kept must be a whole number from 1 to T (${T}), got ${opt.keep}`);
  const position = findBlock('position', spec.position.kind);
  const inAttention = !!position && !!(position.emit.rotate || position.emit.bias);
  if (inAttention && B > 1) {
    problems.push(`reduce: the position encoding "${spec.position.kind}" acts inside attention, where the reduced tokens' positions R·p are shared by the batch; reduce one sequence at a time (batch 1)`);
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

