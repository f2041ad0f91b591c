/**
 * The two training graphs, built on the forward (fast) graph the compiler makes:
 *
 *   grad:  tokens, targets, loss_mask → loss, accuracy, grad.<weight> for every trainable weight
 *          (weights stay initialisers: the graph checks or inspects one model's gradient);
 *   train: one whole AdamW step. Weights and their two moments come in as inputs and go out as
 *          next.<name>, so the caller feeds each step's outputs to the next step.
 *
 * Both follow docs/graph-outputs.md ("Training graphs"). The loss is next-token cross-entropy
 * averaged over the positions the loss mask selects; accuracy counts a position right when the
 * target's logit is the largest.
 */
import { compile } from '../compiler/compile';
import { GraphBuilder } from '../graph/builder';
import { liftWeights } from '../graph/lift';
import { leftSingularVector } from '../graph/spectral';
import type { Graph, Initializer, Tensor } from '../graph/ir';
import type { Spec } from '../spec/types';
import { differentiate } from './autodiff';
import { DEFAULT_OPTIMIZER, type OptimizerSettings } from './optimizer';

/** What a training graph is built for: sequence length and batch size. */
export interface StepShape {
  T: number;
  batch: number;
}

/** Names of the moment tensors of weight `name`, and of what a step hands back. */
export const momentName = (which: 'm' | 'v', name: string): string => `adam_${which}.${name}`;
export const nextName = (name: string): string => `next.${name}`;

/**
 * The forward graph with the loss and accuracy appended; `lift` feeds the weights as inputs.
 * `objective` is what is differentiated: the cross-entropy plus the auxiliary losses blocks declare
 * (MoE load balancing), unless `aux` is false.
 */
function lossGraph(spec: Spec, shape: StepShape, lift: boolean, aux = true, training = false) {
  const forward = compile(spec, { T: shape.T, mode: 'fast', batch: shape.batch, spectral: 'power', auxLosses: aux, training });
  const lifted = lift ? liftWeights(forward) : { graph: forward, weights: forward.initializers.filter((i) => i.trainable) };
  const b = GraphBuilder.extend({ ...lifted.graph, name: `playground_train_T${shape.T}_B${shape.batch}` }, spec.seed);
  const logits = lifted.graph.nodes.flatMap((n) => n.outputs).find((t) => t.name === 'logits')!; // [B, T, V]
  const [B, T, V] = logits.shape as [number, number, number];
  const targets = b.input('targets', 'int64', [B, T]);
  const mask = b.input('loss_mask', 'float32', [B, T]);
  const { loss, accuracy } = b.scope('loss', () => {
    const ids = b.constant('vocab_ids', 'int64', [V], Array.from({ length: V }, (_, i) => i));
    const onehot = b.cast(b.equal(b.reshape(targets, [B, T, 1]), ids), 'float32'); // [B, T, V]
    const count = b.clip(b.reduceSum(mask, [0, 1], false), 1); // positions scored (at least 1)
    const masked = (perPosition: Tensor) => b.div(b.reduceSum(b.mul(perPosition, mask), [0, 1], false), count);
    // log softmax as z − log Σ exp z with z = logits − max (onnxruntime-web's WebGPU provider has no
    // LogSoftmax kernel). The max is detached: log softmax does not depend on it.
    const z = b.sub(logits, b.detach(b.reduceMax(logits, [-1], true)));
    const logp = b.sub(z, b.log(b.reduceSum(b.exp(z), [-1], true))); // [B, T, V]
    const picked = b.reduceSum(b.mul(logp, onehot), [-1], false); // log p(target), [B, T]
    const targetLogit = b.reduceSum(b.mul(logits, onehot), [-1], false);
    const right = b.cast(b.greaterOrEqual(targetLogit, b.reduceMax(logits, [-1], false)), 'float32');
    return { loss: b.neg(masked(picked)), accuracy: masked(right) };
  });
  const auxLoss = aux ? lifted.graph.nodes.flatMap((n) => n.outputs).find((t) => t.name === 'aux_loss') : undefined;
  const objective = auxLoss ? b.scope('loss', () => b.add(loss, auxLoss)) : loss;
  // extend() keeps the forward graph's nodes but not its outputs: σReparam's next.sigma_u.* and the
  // running statistics' next.<name> (training graphs) must stay outputs.
  const state = lifted.graph.outputs.filter((t) => t.name.startsWith(nextName('')));
  return { b, loss, accuracy, objective, auxLoss, weights: lifted.weights, state };
}

/** The finished graph with the forward pass's state outputs (next.sigma_u.*) declared again. */
const withState = (graph: Graph, state: readonly Tensor[]): Graph => ({ ...graph, outputs: [...graph.outputs, ...state] });

/**
 * The starting values of a graph's persistent state inputs (σReparam's power-iteration vectors,
 * sigma_u.<weight>): each weight's top left singular vector, so the first step's σ is exact.
 */
export function initialState(graph: Graph, weights: readonly Initializer[]): Map<string, Float32Array> {
  const byName = new Map(weights.map((w) => [w.tensor.name, w]));
  const state = new Map<string, Float32Array>();
  for (const input of graph.inputs) {
    if (!input.name.startsWith('sigma_u.')) continue;
    const w = byName.get(input.name.slice('sigma_u.'.length))!;
    const [rows, cols] = w.tensor.shape as [number, number];
    state.set(input.name, leftSingularVector(w.data as Float32Array, rows, cols));
  }
  return state;
}

/** Which group a weight's gradient norm is counted in: embedding, layer i, or final norm. */
export function gradGroups(spec: Spec): string[] {
  return ['embedding', ...spec.layers.map((_, i) => `layer ${i}`), 'final norm'];
}
const groupOf = (name: string): number => {
  const m = /^layers\.(\d+)\./.exec(name);
  if (m) return 1 + Number(m[1]);
  return name.startsWith('final_norm') ? -1 : 0;
};

/** The held-out graph: the loss graph with weights as inputs, no backward pass; outputs loss and accuracy. */
export function evalGraph(spec: Spec, shape: StepShape): Graph {
  const { b, loss, accuracy } = lossGraph(spec, shape, true, false);
  b.output(loss, 'loss');
  b.output(accuracy, 'accuracy');
  return b.finish();
}

/**
 * The `grad` graph: loss, accuracy and grad.<name> of every trainable weight (of the cross-entropy
 * plus the blocks' auxiliary losses, output as aux_loss; `{ aux: false }` leaves them out).
 * `{ training: true }` differentiates a training step's forward pass (compile option `training`:
 * batch statistics, schedules); the graph then takes the input `step`.
 */
export function gradGraph(spec: Spec, shape: StepShape, { aux = true, training = false } = {}): Graph {
  const { b, loss, accuracy, objective, auxLoss, weights, state } = lossGraph(spec, shape, false, aux, training);
  const grads = differentiate(b, objective, weights.map((w) => w.tensor));
  b.output(loss, 'loss');
  b.output(accuracy, 'accuracy');
  if (auxLoss) b.output(auxLoss, 'total_aux_loss');
  for (const w of weights) b.output(grads.get(w.tensor.name)!, `grad.${w.tensor.name}`);
  return withState(b.finish(), state);
}

/** The `train` graph (one AdamW step) and the initial weights to feed it. */
export function trainGraph(spec: Spec, shape: StepShape, opt: OptimizerSettings = DEFAULT_OPTIMIZER): { graph: Graph; weights: Initializer[] } {
  const { b, loss, accuracy, objective, auxLoss, weights: all, state } = lossGraph(spec, shape, true, true, true);
  // Running statistics are set by the forward pass (its next.<name> outputs), not by AdamW.
  const weights = all.filter((w) => !w.statistic);
  const grads = differentiate(b, objective, weights.map((w) => w.tensor));
  if (auxLoss) b.output(auxLoss, 'total_aux_loss');
  const step = stepInput(b);
  const lr = b.input('lr', 'float32', []);
  b.scope('optimizer', () => {
    // Global gradient norm, and per group for the view.
    const groups = gradGroups(spec);
    const squares: Tensor[][] = groups.map(() => []);
    for (const w of weights) {
      const g = grads.get(w.tensor.name)!;
      const sq = b.reduceSum(b.mul(g, g), w.tensor.shape.map((_, i) => i), false);
      squares[(groupOf(w.tensor.name) + groups.length) % groups.length]!.push(sq);
    }
    // A group without weights (a model without a final norm) counts 0; the constant is made only then,
    // since an unused initialiser makes onnxruntime warn on every session.
    const groupSq = squares.map((list) => (list.length ? list.reduce((s, x) => b.add(s, x)) : b.scalar(0)));
    const total = groupSq.reduce((s, x) => b.add(s, x));
    const norm = b.sqrt(total);
    b.output(norm, 'grad_norm');
    b.output(b.sqrt(b.concat(groupSq.map((x) => b.reshape(x, [1])), 0)), 'layer_grad_norms');
    // Clip to a global norm: scale = min(1, max_norm / (norm + 1e-6)).
    const scale = b.clip(b.div(b.scalar(opt.clipNorm), b.add(norm, b.scalar(1e-6))), undefined, 1);
    // AdamW (Loshchilov & Hutter): bias-corrected moments, weight decay decoupled from the gradient.
    const correct1 = b.sub(b.scalar(1), b.pow(b.scalar(opt.beta1), step));
    const correct2 = b.sub(b.scalar(1), b.pow(b.scalar(opt.beta2), step));
    for (const w of weights) {
      const name = w.tensor.name;
      const shape = [...w.tensor.shape];
      const m = b.input(momentName('m', name), 'float32', shape);
      const v = b.input(momentName('v', name), 'float32', shape);
      const g = b.mul(grads.get(name)!, scale);
      const m2 = b.add(b.mul(m, b.scalar(opt.beta1)), b.mul(g, b.scalar(1 - opt.beta1)));
      const v2 = b.add(b.mul(v, b.scalar(opt.beta2)), b.mul(b.mul(g, g), b.scalar(1 - opt.beta2)));
      let update = b.div(b.div(m2, correct1), b.add(b.sqrt(b.div(v2, correct2)), b.scalar(opt.eps)));
      if (decays(w)) update = b.add(update, b.mul(w.tensor, b.scalar(opt.weightDecay)));
      b.output(b.sub(w.tensor, b.mul(lr, update)), nextName(name));
      b.output(m2, nextName(momentName('m', name)));
      b.output(v2, nextName(momentName('v', name)));
    }
  });
  b.output(loss, 'loss');
  b.output(accuracy, 'accuracy');
  return { graph: withState(b.finish(), state), weights: all };
}

/** The input `step`: the forward pass's when a block asked for it (compile option `training`), else a new one. */
function stepInput(b: GraphBuilder): Tensor {
  return b.inputNamed('step') ?? b.input('step', 'float32', []);
}

/** Weight decay applies to matrices (projections, embeddings), not to biases and norm gains (as in nanoGPT). */
export const decays = (w: Initializer): boolean => w.tensor.shape.length >= 2;


