/**
 * The ONNX file `npm run export` writes, for every mode: the graph (the compiler's for inspect and
 * fast, src/train/step.ts's for grad and train) and the metadata that says how to run it.
 * docs/graph-outputs.md is the contract; the metadata keys are listed there.
 */
import { compile } from '../../src/compiler/compile';
import { numel, type Graph, type Initializer } from '../../src/graph/ir';
import { toOnnxBytes } from '../../src/graph/onnx';
import type { Spec } from '../../src/spec/types';
import { DEFAULT_OPTIMIZER, type OptimizerSettings } from '../../src/train/optimizer';
import { gradGraph, gradGroups, trainGraph } from '../../src/train/step';
import type { ExportMode } from './source';

export interface ModelFileOptions {
  mode: ExportMode;
  T: number;
  batch: number;
  /** The train mode's AdamW settings (DEFAULT_OPTIMIZER when not given). */
  optimizer?: OptimizerSettings;
}

export interface ModelFile {
  bytes: Uint8Array;
  graph: Graph;
  /** Trainable parameters of the model (inputs in train mode, initialisers otherwise). */
  params: number;
}

const KEY = 'transformer_playground';

/**
 * How to start and continue a train graph, stored in the file so a user with only the file knows.
 * The starting weights are not in the train file: the inspect or fast export of the same spec holds
 * them as initialisers under the same names (at any --seq-len and --batch: no weight depends on T or B).
 */
const TRAIN_USAGE = [
  'Inputs named like a weight (docs/weights.md) start from the initialisers of the same name in the inspect or fast export of this spec (npm run export -- CONFIG --mode fast).',
  'adam_m.* and adam_v.* start at zeros; sigma_u.<weight> (σReparam only) starts at the top left singular vector of <weight>.',
  'step counts from 1; lr is the learning rate of this step.',
  'After each step feed every output next.X as input X.',
].join(' ');

const DECODE_USAGE = [
  'One token per run: tokens [B, 1] is the new token and position [1] its 0-based position (float), below seq_len, the cache capacity.',
  'Every state.<run>.<name> input starts at zeros; after each run feed each output next.state.<run>.<name> as state.<run>.<name>.',
  'logits [B, 1, V] are the next-token logits; they equal the last row of the fast graph run on all the tokens so far.',
].join(' ');

const GRAD_USAGE =
  'Weights are initialisers. sigma_u.<weight> inputs (σReparam only) take the top left singular vector of <weight>; output next.sigma_u.<weight> is the vector one power iteration on.';

/** Builds the graph of `mode` for `spec` and serialises it with its metadata. */
export function modelFile(spec: Spec, { mode, T, batch, optimizer = DEFAULT_OPTIMIZER }: ModelFileOptions): ModelFile {
  const training = mode === 'grad' || mode === 'train';
  let graph: Graph;
  let weights: readonly Initializer[]; // the trainable weights, as initialisers or (train) inputs
  const extra: Record<string, string> = {};
  if (mode === 'train') {
    const built = trainGraph(spec, { T, batch }, optimizer);
    graph = built.graph;
    weights = built.weights;
    extra[`${KEY}.optimizer`] = JSON.stringify({
      algorithm: 'AdamW',
      beta1: optimizer.beta1,
      beta2: optimizer.beta2,
      eps: optimizer.eps,
      weight_decay: optimizer.weightDecay,
      weight_decay_on: 'weights of rank >= 2',
      clip_norm: optimizer.clipNorm,
    });
    extra[`${KEY}.layer_grad_norms`] = JSON.stringify(gradGroups(spec));
    extra[`${KEY}.usage`] = TRAIN_USAGE;
  } else {
    graph = mode === 'grad' ? gradGraph(spec, { T, batch }) : compile(spec, { T, mode, batch });
    weights = graph.initializers.filter((i) => i.trainable);
    if (mode === 'grad' && graph.inputs.some((t) => t.name.startsWith('sigma_u.'))) extra[`${KEY}.usage`] = GRAD_USAGE;
    if (mode === 'decode') extra[`${KEY}.usage`] = DECODE_USAGE;
  }
  // A batch of 1 in inference modes writes the file it always did; training files always say B.
  const batched = batch === 1 && !training ? '' : `, B = ${batch}`;
  const length = mode === 'decode' ? `cache capacity C = ${T}` : `T = ${T}`;
  const bytes = toOnnxBytes(graph, {
    docString: `${spec.name} (Transformer Playground, ${mode} mode, ${length}${batched})`,
    metadata: {
      [`${KEY}.spec`]: JSON.stringify(spec),
      [`${KEY}.mode`]: mode,
      [`${KEY}.seq_len`]: String(T),
      ...(batched ? { [`${KEY}.batch`]: String(batch) } : {}),
      ...extra,
    },
  });
  return { bytes, graph, params: weights.reduce((s, w) => s + numel(w.tensor.shape), 0) };
}
