/**
 * Reverse-mode differentiation over the graph IR.
 *
 * Walk the recorded nodes backwards from a scalar loss; at each node that lies between a weight
 * and the loss, apply its op's rule (rules.ts) to the summed gradient of its output, and add what
 * comes out to the gradients of its inputs. A tensor read in several places (a weight shared by
 * looped layers, the residual stream) gets the sum of what each reader sends back. The gradient
 * nodes are appended to the same builder, so the result is one graph: forward, then backward.
 */
import type { GraphBuilder } from '../graph/builder';
import type { OpNode, Tensor } from '../graph/ir';
import { NO_GRADIENT, RULES } from './rules';

/** A gradient that cannot be built: an op on the way from a weight to the loss has no rule. */
export class GradientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GradientError';
  }
}

export interface DifferentiateOptions {
  /** Tensors treated as constants (stop-gradient); by default those the builder marked with `detach`. */
  detached?: ReadonlySet<string>;
}

/** Which tensors depend on `wrt` through float ops (and so may carry a gradient). */
function dependents(nodes: readonly OpNode[], wrt: readonly Tensor[], detached: ReadonlySet<string>): Set<string> {
  const live = new Set(wrt.map((t) => t.name));
  for (const n of nodes) {
    if (NO_GRADIENT.has(n.op)) continue;
    if (!n.inputs.some((t) => live.has(t.name))) continue;
    for (const out of n.outputs) if (out.dtype === 'float32' && !detached.has(out.name)) live.add(out.name);
  }
  return live;
}

/** Which tensors the loss depends on. */
function ancestors(nodes: readonly OpNode[], loss: Tensor): Set<string> {
  const needed = new Set([loss.name]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (n.outputs.some((t) => needed.has(t.name))) n.inputs.forEach((t) => needed.add(t.name));
  }
  return needed;
}

/**
 * Appends to `b` the gradient of the scalar `loss` with respect to each tensor of `wrt`, and
 * returns them by name. A weight the loss does not depend on gets zeros.
 */
export function differentiate(b: GraphBuilder, loss: Tensor, wrt: readonly Tensor[], opts: DifferentiateOptions = {}): Map<string, Tensor> {
  if (loss.shape.length !== 0 || loss.dtype !== 'float32') throw new GradientError(`the loss must be a float32 scalar, got ${loss.dtype} [${loss.shape}]`);
  const nodes = [...b.recorded];
  const live = dependents(nodes, wrt, opts.detached ?? b.detachedNames);
  const needed = ancestors(nodes, loss);
  const carries = (t: Tensor) => t.dtype === 'float32' && live.has(t.name) && needed.has(t.name);

  const pending = new Map<string, Tensor[]>([[loss.name, [b.scalar(1)]]]);
  /** The summed gradient of `t` (null when none came back), its sums emitted in a backward scope. */
  const take = (t: Tensor, scope: string): Tensor | null => {
    const parts = pending.get(t.name);
    if (!parts) return null;
    pending.delete(t.name);
    return b.scope(`grad · ${scope}`, () => parts.reduce((s, g) => b.add(s, g)));
  };

  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (!node.outputs.some(carries)) continue;
    const need = node.inputs.map(carries);
    if (!need.some(Boolean)) continue;
    if (node.outputs.length !== 1) throw new GradientError(`${node.scope || 'model'}: ${node.op} with ${node.outputs.length} outputs has no gradient rule`);
    const gy = take(node.outputs[0]!, node.scope);
    if (!gy) continue;
    const rule = RULES[node.op];
    if (!rule) {
      if (NO_GRADIENT.has(node.op)) continue;
      throw new GradientError(`${node.scope || 'model'}: the op ${node.op} has no gradient rule, so this model cannot be trained`);
    }
    const grads = b.scope(`grad · ${node.scope}`, () => rule(b, node, gy, need));
    node.inputs.forEach((t, k) => {
      const g = grads[k];
      if (!need[k] || !g) return;
      const list = pending.get(t.name);
      if (list) list.push(g);
      else pending.set(t.name, [g]);
    });
  }

  return new Map(wrt.map((w) => [w.name, take(w, 'weights') ?? b.scope('grad · weights', () => b.expand(b.scalar(0), [...w.shape]))]));
}
