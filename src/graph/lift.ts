/**
 * Weights as graph inputs. A graph built with its weights baked in (initialisers) becomes one that
 * takes every trainable weight as an input under the same name (docs/weights.md); constants
 * (masks, rotation tables, index vectors) stay initialisers. The caller feeds the weights, so one
 * session serves any values of them: a new seed, or the weights a training step returned.
 */
import type { Graph, Initializer } from './ir';

/** `graph` with its trainable weights as inputs, and those weights (name, shape, values) in input order. */
export function liftWeights(graph: Graph): { graph: Graph; weights: Initializer[] } {
  const weights = graph.initializers.filter((i) => i.trainable);
  return {
    graph: {
      ...graph,
      inputs: [...graph.inputs, ...weights.map((w) => w.tensor)],
      initializers: graph.initializers.filter((i) => !i.trainable),
    },
    weights,
  };
}
