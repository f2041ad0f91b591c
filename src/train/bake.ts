/**
 * Trained weights baked into an inference graph (inspect, fast or decode), for export and for the views:
 * the graph is compiled with weights as inputs, and the trained values become its initialisers
 * under the same names. σReparam's ‖W‖₂ is computed in the graph from the trained W, by one
 * power iteration from W's converged top singular vector (stored beside it), so it is exact.
 */
import type { CompileOptions } from '../compiler/compile';
import { compile, sigmaStateName } from '../compiler/compile';
import type { Graph, Initializer } from '../graph/ir';
import { leftSingularVector } from '../graph/spectral';
import type { Spec } from '../spec/types';

export function bakeWeights(spec: Spec, opts: Pick<CompileOptions, 'T' | 'mode' | 'batch' | 'fold' | 'reduce'>, weights: ReadonlyMap<string, Float32Array>): Graph {
  const graph = compile(spec, { ...opts, weights: 'inputs', spectral: 'power' });
  const stored: Initializer[] = [];
  const inputs = graph.inputs.filter((t) => {
    const value = weights.get(t.name);
    if (value) {
      if (value.length !== t.shape.reduce((a, b) => a * b, 1)) throw new Error(`the trained weight ${t.name} has ${value.length} values for [${t.shape}]`);
      stored.push({ tensor: t, data: value, init: { kind: 'data' }, trainable: true, scope: 'trained' });
      return false;
    }
    if (t.name.startsWith('sigma_u.')) {
      const w = graph.inputs.find((x) => sigmaStateName(x.name) === t.name)!;
      const [rows, cols] = w.shape as [number, number];
      stored.push({ tensor: t, data: leftSingularVector(weights.get(w.name)!, rows, cols), init: { kind: 'data' }, trainable: false, scope: 'trained' });
      return false;
    }
    return true;
  });
  // A decode graph's other inputs are fed each step (the token's position, the state, keep masks), not weights.
  const fedEachStep = (name: string) => name === 'tokens' || name === 'position' || name.startsWith('state.') || name.startsWith('keep.');
  const missing = graph.inputs.filter((t) => !fedEachStep(t.name) && inputs.includes(t));
  if (missing.length) throw new Error(`no trained values for ${missing.map((t) => t.name).join(', ')}`);
  // Training state (next.<statistic>, next.sigma_u.*) is dropped; a decode graph's next.state.* is its output.
  const state = new Set(graph.outputs.filter((t) => t.name.startsWith('next.') && !t.name.startsWith('next.state.')).map((t) => t.name));
  return {
    ...graph,
    inputs,
    initializers: [...graph.initializers, ...stored],
    outputs: graph.outputs.filter((t) => !state.has(t.name)),
    nodes: graph.nodes.filter((n) => !n.outputs.some((t) => state.has(t.name))),
  };
}
