/**
 * A training run held in memory: the `train` step graph in one session, and the state it carries
 * from step to step (weights, Adam moments, σReparam vectors), fed in and read back by name.
 * Runs wherever onnxruntime runs (onnxruntime-web WASM or WebGPU, onnxruntime-node): the runtime
 * module is passed in, so this file stays free of the page and of Node.
 *
 * Where the state lives between steps:
 *   - WASM / CPU: in Float32Arrays here, read back from each step's outputs and fed to the next.
 *   - WebGPU (`keepOnGpu`): on the GPU. The session hands the `next.*` outputs back as GPU
 *     tensors (onnxruntime-web's preferredOutputLocation 'gpu-buffer'), the next step takes them
 *     as its inputs as they are, and the step before's tensors are disposed once the new ones
 *     exist. Only the step's figures (loss, accuracy, gradient norms) come to the CPU each step;
 *     the weights come when asked (`weights()`, `readState()`), downloaded once per step at most.
 */
import { toOnnxBytes } from '../graph/onnx';
import type { Spec } from '../spec/types';
import { checkTrainingBudget } from './budget';
import { scoreBatches } from './evaluate';
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
export interface OrtTensor {
  getData(): Promise<unknown>;
  dispose(): void;
  /** 'cpu', 'gpu-buffer', … (onnxruntime-common's Tensor.DataLocation); absent counts as 'cpu'. */
  readonly location?: string;
  /** The GPUBuffer of a 'gpu-buffer' tensor. */
  readonly gpuBuffer?: unknown;
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
  Tensor: (new (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]) => OrtTensor) & {
    /** A tensor on an existing GPU buffer that it does not own (onnxruntime-web). */
    fromGpuBuffer?(buffer: never, options: { dataType: 'float32'; dims: readonly number[] }): OrtTensor;
  };
  InferenceSession: { create(bytes: Uint8Array, options?: object): Promise<OrtSession> };
}

export interface TrainerOptions {
  optimizer?: OptimizerSettings;
  /** Execution providers, in order of preference (default WASM). */
  providers?: string[];
  /** Keep the state on the GPU between steps (see above); true by default when the first provider is 'webgpu'. */
  keepOnGpu?: boolean;
  /**
   * Start from this state (every state input by name, as `readState` gives it) after step `step`,
   * in place of the seed's weights and zero moments: a run moved to another provider goes on.
   */
  from?: { step: number; state: ReadonlyMap<string, Float32Array> };
  /**
   * Runs a download from the GPU in turn with the module's session runs (workers/jobs.ts passes
   * its runtime's queue): onnxruntime-web's WebGPU backend records a download on the same command
   * encoder as the kernels of a run in progress. Default: at once.
   */
  exclusive?: <R>(task: () => Promise<R>) => Promise<R>;
}

/**
 * A state value left on the GPU by a step: `feed` is what the next step takes, `owner` the output
 * tensor that owns the buffer (disposed when the value is replaced), `read` its values once
 * downloaded. After a download onnxruntime-common calls the owner a CPU tensor, so `feed` becomes
 * a tensor on the same GPU buffer: the next step still takes it from the GPU, not by an upload.
 */
interface OnGpu {
  feed: OrtTensor;
  owner: OrtTensor;
  read?: Promise<Float32Array>;
}
type Held = Float32Array | OnGpu;

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
    private state: Map<string, Held>,
    /** The names of the trainable weights, in the graph's order. */
    readonly weightNames: readonly string[],
    /** Whether each step's state outputs stay on the GPU. */
    readonly keepOnGpu: boolean,
    private readonly exclusive: <R>(task: () => Promise<R>) => Promise<R>,
    /** The state inputs the held-out graph takes. */
    private readonly evalInputs: ReadonlySet<string>,
  ) {}

  /** Downloads in flight: a step disposes the tensors they read only after them. */
  private reads: Promise<unknown> = Promise.resolve();

  /**
   * Builds the step graph and its session, with the spec's seeded weights and zero moments. A step
   * that would not fit the memory budget is refused first (TrainingBudgetError, budget.ts).
   */
  static async create(ort: OrtLike, spec: Spec, shape: StepShape, opts: TrainerOptions = {}): Promise<Trainer> {
    checkTrainingBudget(spec, shape);
    const { graph, weights } = trainGraph(spec, shape, opts.optimizer ?? DEFAULT_OPTIMIZER);
    const providers = opts.providers ?? ['wasm'];
    const keepOnGpu = opts.keepOnGpu ?? providers[0] === 'webgpu';
    const state = new Map<string, Held>();
    for (const w of weights) {
      state.set(w.tensor.name, Float32Array.from(w.data as Float32Array));
      if (w.statistic) continue; // a running statistic: set by the step itself, no moments
      state.set(momentName('m', w.tensor.name), new Float32Array(w.data.length));
      state.set(momentName('v', w.tensor.name), new Float32Array(w.data.length));
    }
    for (const [name, value] of initialState(graph, weights)) state.set(name, value);
    if (opts.from) {
      const missing = [...state.keys()].filter((n) => opts.from!.state.get(n)?.length !== (state.get(n) as Float32Array).length);
      if (missing.length) throw new Error(`the state to start from lacks or misshapes ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}`);
      for (const n of state.keys()) state.set(n, Float32Array.from(opts.from.state.get(n)!));
    }
    const base = { executionProviders: providers, graphOptimizationLevel: 'all', logSeverityLevel: 3 };
    // On the GPU the state outputs stay there; the figures of the step come to the CPU.
    const onGpu = keepOnGpu ? { preferredOutputLocation: Object.fromEntries([...state.keys()].map((n) => [nextName(n), 'gpu-buffer'])) } : {};
    const session = await ort.InferenceSession.create(toOnnxBytes(graph), { ...base, ...onGpu });
    const evaluation = evalGraph(spec, shape);
    const evalSession = await ort.InferenceSession.create(toOnnxBytes(evaluation), base);
    const dims = new Map(graph.inputs.map((t) => [t.name, t.shape]));
    // The held-out graph is an inference pass: it reads the weights it uses (not, e.g., the LN of
    // SLAB's training-only mix) and the σReparam vectors.
    const evalInputs = new Set(evaluation.inputs.map((t) => t.name));
    const trainer = new Trainer(ort, shape, session, evalSession, dims, state, weights.map((w) => w.tensor.name), keepOnGpu, opts.exclusive ?? ((task) => task()), evalInputs);
    trainer.step = opts.from?.step ?? 0;
    return trainer;
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
    for (const [name, value] of this.state) {
      if (names(name)) out[name] = value instanceof Float32Array ? new this.ort.Tensor('float32', value, [...this.dims.get(name)!]) : value.feed;
    }
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
    const next = new Map<string, Held>();
    for (const name of this.state.keys()) {
      const t = out[nextName(name)]!;
      next.set(name, this.keepOnGpu ? { feed: t, owner: t } : await read(nextName(name)));
    }
    const report: StepReport = {
      step,
      loss,
      accuracy: (await read('accuracy'))[0]!,
      gradNorm: (await read('grad_norm'))[0]!,
      layerGradNorms: Array.from(await read('layer_grad_norms')),
      lr,
    };
    if (this.keepOnGpu) {
      const kept = new Set(this.state.keys());
      for (const [name, t] of Object.entries(out)) if (!name.startsWith('next.') || !kept.has(name.slice('next.'.length))) t.dispose();
      const before = this.state;
      this.state = next;
      this.step = step;
      await this.disposeHeld(before);
    } else {
      this.state = next;
      this.step = step;
    }
    return report;
  }

  /** Disposes the GPU tensors of `state`, after the downloads that read them. */
  private async disposeHeld(state: Map<string, Held>): Promise<void> {
    await this.reads;
    for (const v of state.values()) if (!(v instanceof Float32Array)) v.owner.dispose();
  }

  /** The values of state input `name` now: the array itself on the CPU, downloaded once from the GPU. */
  private value(name: string): Promise<Float32Array> {
    const v = this.state.get(name)!;
    if (v instanceof Float32Array) return Promise.resolve(v);
    v.read ??= (async () => {
      const buffer = v.owner.location === 'gpu-buffer' ? v.owner.gpuBuffer : undefined;
      const data = (await this.exclusive(() => v.owner.getData())) as Float32Array;
      // The owner now reads as a CPU tensor: feed the next step the same GPU buffer instead.
      if (buffer !== undefined && this.ort.Tensor.fromGpuBuffer) v.feed = this.ort.Tensor.fromGpuBuffer(buffer as never, { dataType: 'float32', dims: [...this.dims.get(name)!] });
      return data;
    })();
    return v.read;
  }

  /** The values of `names` now, as one download (steps wait for it before disposing what it reads). */
  private download(names: readonly string[]): Promise<Map<string, Float32Array>> {
    const all = Promise.all(names.map(async (n) => [n, await this.value(n)] as const)).then((pairs) => new Map(pairs));
    this.reads = Promise.all([this.reads, all.catch(() => undefined)]).then(() => undefined);
    return all;
  }

  /** Loss and accuracy over held-out batches (each position weighted equally), without training. */
  async evaluate(batches: readonly Examples[]): Promise<{ loss: number; accuracy: number }> {
    return scoreBatches(batches, async (ex) => {
      const out = await this.evalSession.run(this.feeds(ex, this.stateFeeds((n) => this.evalInputs.has(n))));
      const r = { loss: ((await out['loss']!.getData()) as Float32Array)[0]!, accuracy: ((await out['accuracy']!.getData()) as Float32Array)[0]! };
      Object.values(out).forEach((t) => t.dispose());
      return r;
    });
  }

  /**
   * The current weights by name (copies are not made: do not modify), as they are when called: on
   * the GPU, downloaded now (once per step, however often asked). These are the weights inference
   * graphs take, running statistics included; a weight only the training step uses (the LayerNorm
   * SLAB's progressive BatchNorm hands over from) is left out: readState has everything.
   */
  weights(): Promise<Map<string, Float32Array>> {
    return this.download(this.weightNames.filter((n) => this.evalInputs.has(n)));
  }

  /** Everything a step carries to the next (weights, moments, σReparam vectors), by input name: what `from` takes. */
  readState(): Promise<Map<string, Float32Array>> {
    return this.download([...this.state.keys()]);
  }

  /** Where the state is between steps. */
  get location(): 'cpu' | 'gpu' {
    return this.keepOnGpu ? 'gpu' : 'cpu';
  }

  async release(): Promise<void> {
    await this.disposeHeld(this.state).catch(() => undefined); // a lost device has nothing left to free
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
