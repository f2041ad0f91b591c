/**
 * One block of a graph as a graph of its own, for timing blocks one at a time (the latency
 * breakdown, docs/benchmarks.md#per-block-breakdown). A block is a scope: the sub-graph holds the
 * scope's nodes exactly as the whole graph has them, at the same shapes. Tensors it reads from
 * other scopes become its inputs, the weights it reads come along, and the tensors it hands to
 * other scopes (or to the graph's outputs) become its outputs.
 */
import { GraphBuilder } from './builder';
import type { Graph, Initializer, Tensor } from './ir';

/** The scope of a node as the cost model names it ("model" for nodes outside any block). */
export const scopeName = (scope: string): string => scope || 'model';

/** The scopes of `graph` that hold nodes, in the order they first appear. */
export function graphScopes(graph: Graph): string[] {
  return [...new Set(graph.nodes.map((n) => scopeName(n.scope)))];
}

/** The nodes of `scope` in `graph` as a graph of their own; null when the scope hands nothing on. */
export function scopeSubgraph(graph: Graph, scope: string): Graph | null {
  const inside = graph.nodes.filter((n) => scopeName(n.scope) === scope);
  const produced = new Set(inside.flatMap((n) => n.outputs.map((t) => t.name)));
  const inits = new Map(graph.initializers.map((i) => [i.tensor.name, i]));
  const inputs = new Map<string, Tensor>();
  const weights = new Map<string, Initializer>();
  for (const n of inside)
    for (const t of n.inputs) {
      if (!t.name || produced.has(t.name)) continue; // "" is an optional input left out
      const w = inits.get(t.name);
      if (w) weights.set(t.name, w);
      else inputs.set(t.name, t);
    }
  // What the rest of the graph reads from this scope: the sub-graph must compute all of it.
  const readOutside = new Set([
    ...graph.nodes.filter((n) => scopeName(n.scope) !== scope).flatMap((n) => n.inputs.map((t) => t.name)),
    ...graph.outputs.map((t) => t.name),
  ]);
  const outputs = inside.flatMap((n) => n.outputs).filter((t) => readOutside.has(t.name));
  if (outputs.length === 0) return null;
  return { name: `${graph.name} · ${scope}`, inputs: [...inputs.values()], outputs, initializers: [...weights.values()], nodes: inside };
}

/**
 * The emptiest graph that still runs on every provider: y = x + x for x [1, T, d]. Its run time
 * is the fixed cost of a run (feeding an input, dispatching work, reading an output back) that
 * every block's sub-graph pays too. A bare Identity would not do: a runtime may serve it without
 * touching the GPU at all, and miss WebGPU's upload, dispatch and download.
 */
export function passThroughGraph(shape: number[]): Graph {
  const b = new GraphBuilder('pass_through', 0);
  const x = b.input('x', 'float32', shape);
  b.output(b.add(x, x), 'y');
  return b.finish();
}
