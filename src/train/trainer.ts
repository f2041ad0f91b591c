/**
 * A training run held in memory: the `train` step graph in one session, and the state it carries
 * from step to step (weights, Adam moments, σReparam vectors), fed in and read back by name.
 * Runs wherever onnxruntime runs (onnxruntime-web WASM or WebGPU, onnxruntime-node): the runtime
 * module is passed in, so this file stays free of the page and of Node.
 */
import { toOnnxBytes } from '../graph/onnx';
import type { Spec } from '../spec/types';
import { checkTrainingBudget } from './budget';
import { DEFAULT_OPTIMIZER, type OptimizerSettings } from './optimizer';
import { evalGraph, initialState, momentName, nextName, trainGraph, type StepShape } from './step';

/** What a task hands the trainer: B rows of T tokens, the next-token targets and which positions count. */
export interface Examples {
  tokens: ArrayLike<number>;
  targets: ArrayLike<number>;
  lossMask: ArrayLike<number>;
}

/** One step's figures. */
export interface StepReport {
  step: number;
  loss: number;
  accuracy: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Gradient norm of the embedding, each layer, and the final norm (step.ts: gradGroups). */
  layerGradNorms: number[];
  lr: number;
}

/** The part of an onnxruntime tensor the trainer uses. */
interface OrtTensor {
  getData(): Promise<unknown>;
  dispose(): void;
}
/** The part of an onnxruntime session the trainer uses. */
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
/**
 * The part of an onnxruntime module the trainer uses: onnxruntime-web and onnxruntime-node both
 * have it (pass either, cast to this type). Only src/runtime imports onnxruntime-web itself.
 */
export interface OrtLike {
  Tensor: new (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(bytes: Uint8Array, options?: object): Promise<OrtSession> };
}

export interface TrainerOptions {
  optimizer?: OptimizerSettings;
  /** Execution providers, in order of preference (default WASM). */
  providers?: string[];
}

const ints = (xs: ArrayLike<number>) => BigInt64Array.from(Array.from(xs), (v) => BigInt(v));

export class Trainer {
  /** The step number of the last step taken (0 before the first). */
  step = 0;

  private constructor(
    private readonly ort: OrtLike,
    readonly shape: StepShape,
    private readonly session: OrtSession,
    private readonly evalSession: OrtSession,
    private readonly dims: Map<string, readonly number[]>,
    /** Everything a step carries to the next, by input name. */
    private state: Map<string, Float32Array>,
    /** The names of the trainable weights, in the graph's order. */
    readonly weightNames: readonly string[],
  ) {}

  /**
   * Builds the step graph and its session, with the spec's seeded weights and zero moments. A step
   * that would not fit the memory budget is refused first (TrainingBudgetError, budget.ts).
   */
  static async create(ort: OrtLike, spec: Spec, shape: StepShape, opts: TrainerOptions = {}): Promise<Trainer> {
    checkTrainingBudget(spec, shape);
    const { graph, weights } = trainGraph(spec, shape, opts.optimizer ?? DEFAULT_OPTIMIZER);
    const providers = opts.providers ?? ['wasm'];
    const make = (g: typeof graph) => ort.InferenceSession.create(toOnnxBytes(g), { executionProviders: providers, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
    const session = await make(graph);
    const evalSession = await make(evalGraph(spec, shape));
    const state = new Map<string, Float32Array>();
    for (const w of weights) {
      state.set(w.tensor.name, Float32Array.from(w.data as Float32Array));
      state.set(momentName('m', w.tensor.name), new Float32Array(w.data.length));
      state.set(momentName('v', w.tensor.name), new Float32Array(w.data.length));
    }
    for (const [name, value] of initialState(graph, weights)) state.set(name, value);
    const dims = new Map(graph.inputs.map((t) => [t.name, t.shape]));
    return new Trainer(ort, shape, session, evalSession, dims, state, weights.map((w) => w.tensor.name));
  }

  private feeds(ex: Examples, extra: Record<string, OrtTensor> = {}): Record<string, OrtTensor> {
    const { T, batch: B } = this.shape;
    const n = B * T;
    if (ex.tokens.length !== n || ex.targets.length !== n || ex.lossMask.length !== n) {
      throw new Error(`a batch must hold ${B} × ${T} = ${n} positions, got ${ex.tokens.length}`);
    }
    const t = (type: 'int64' | 'float32', data: BigInt64Array | Float32Array, dims: readonly number[]) => new this.ort.Tensor(type, data, [...dims]);
    return {
      tokens: t('int64', ints(ex.tokens), [B, T]),
      targets: t('int64', ints(ex.targets), [B, T]),
      loss_mask: t('float32', Float32Array.from(Array.from(ex.lossMask)), [B, T]),
      ...extra,
    };
  }

  private stateFeeds(names: (name: string) => boolean): Record<string, OrtTensor> {
    const out: Record<string, OrtTensor> = {};
    for (const [name, value] of this.state) if (names(name)) out[name] = new this.ort.Tensor('float32', value, [...this.dims.get(name)!]);
    return out;
  }

  /** One AdamW step on `ex` at learning rate `lr`. */
  async train(ex: Examples, lr: number): Promise<StepReport> {
    const step = this.step + 1;
    const scalar = (v: number) => new this.ort.Tensor('float32', Float32Array.of(v), []);
    const out = await this.session.run(this.feeds(ex, { ...this.stateFeeds(() => true), step: scalar(step), lr: scalar(lr) }));
    const read = async (name: string) => (await out[name]!.getData()) as Float32Array;
    const loss = (await read('loss'))[0]!;
    if (!Number.isFinite(loss)) {
      Object.values(out).forEach((t) => t.dispose());
      throw new DivergedError(step, loss);
    }
    const next = new Map<string, Float32Array>();
    for (const name of this.state.keys()) next.set(name, await read(nextName(name)));
    const report: StepReport = {
      step,
      loss,
      accuracy: (await read('accuracy'))[0]!,
      gradNorm: (await read('grad_norm'))[0]!,
      layerGradNorms: Array.from(await read('layer_grad_norms')),
      lr,
    };
    this.state = next;
    this.step = step;
    return report;
  }

  /** Loss and accuracy over held-out batches (each position weighted equally), without training. */
  async evaluate(batches: readonly Examples[]): Promise<{ loss: number; accuracy: number }> {
    let loss = 0;
    let right = 0;
    let count = 0;
    for (const ex of batches) {
      const out = await this.evalSession.run(this.feeds(ex, this.stateFeeds((n) => this.weightNames.includes(n) || n.startsWith('sigma_u.'))));
      const scored = Array.from(ex.lossMask).reduce((s, v) => s + v, 0);
      loss += ((await out['loss']!.getData()) as Float32Array)[0]! * scored;
      right += ((await out['accuracy']!.getData()) as Float32Array)[0]! * scored;
      count += scored;
      Object.values(out).forEach((t) => t.dispose());
    }
    return { loss: loss / Math.max(count, 1), accuracy: right / Math.max(count, 1) };
  }

  /** The current weights by name (copies are not made: do not modify). */
  weights(): Map<string, Float32Array> {
    return new Map(this.weightNames.map((n) => [n, this.state.get(n)!]));
  }

  async release(): Promise<void> {
    await this.session.release();
    await this.evalSession.release();
  }
}

/** A step whose loss is not a number: the run diverged. The weights stay as they were before it. */
export class DivergedError extends Error {
  constructor(readonly step: number, readonly loss: number) {
    super(`training diverged at step ${step}: the loss became ${loss}. Lower the learning rate or turn on σReparam; the weights are those of step ${step - 1}.`);
    this.name = 'DivergedError';
  }
}
