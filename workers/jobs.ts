/**
 * Training jobs in a worker, one per model slot (A, and B in compare mode), beside `Slots`, and
 * like analyse.ts free of comlink, so Node tests run exactly what the worker runs.
 *
 * A job holds a `Trainer` (src/train/trainer.ts: the step graph's session and the weights, Adam
 * moments and σReparam vectors it carries from step to step) and the run's state: recipe, step,
 * every step's report, the held-out evaluations, and its status. It takes the steps of
 * src/train/run.ts's `train` one for one (the same batches, learning rates and evaluations), so
 * its losses are that function's. Between steps it gives the worker's message queue a turn
 * (`nextTask`): a pause, a stop or an analysis that arrived meanwhile lands before the next step.
 * Its sessions run on the runtime's queue of runs (`Runtime.exclusive`), since one
 * onnxruntime-web module runs one session at a time: an analysis waits at most one step.
 *
 * Analyses of a slot with a job, for the job's architecture (the spec less its seed), run on the
 * job's current weights: `weightsFor` names them `trained <job> step <n>` and the analysis feeds
 * them to the slot's inspect session (Sessions.feed), as a seed edit feeds the seed's. Snapshots
 * of the probe example run the same inspect graph, on a Sessions of the job's own, so they never
 * replace the session of the text on screen.
 *
 * Providers: a job runs on the provider of its worker's runtime. On WebGPU the trainer keeps the
 * weights, moments and σReparam vectors on the GPU between steps (src/train/trainer.ts), and the
 * weights come to the CPU only when an analysis, a snapshot or `trainedWeights` asks for them. As
 * for the analyses, WebGPU falls back to WASM, said in one sentence (`fallbackReason` of the
 * progress): a step graph WebGPU cannot create trains on WASM from the start; a step that fails
 * on WebGPU is taken again on WASM, from the state of the step before read back from the GPU (or,
 * when that cannot be read, from the initial weights with the same batches replayed). A lost
 * device ends the whole worker: the page (src/state/host.ts) starts the job again on WASM.
 */
import { compile } from '../src/compiler/compile';
import { downsample } from '../src/analysis/maps';
import { headStats } from '../src/analysis/headStats';
import { errorParts } from '../src/spec/errors';
import { layerSchedule } from '../src/spec/schedule';
import { VOCAB_SIZE } from '../src/spec/vocab';
import type { Spec } from '../src/spec/types';
import { nextTask, type InputTensor, type Provider, type Runtime } from '../src/runtime/ort';
import { checkTrainingBudget } from '../src/train/budget';
import { heldOutBatches, recipeOptimizer, type Evaluation, type Recipe } from '../src/train/run';
import { hash32 } from '../src/train/random';
import { learningRate } from '../src/train/schedule';
import { TaskError, type Task } from '../src/train/tasks/define';
import { findTask, TASKS } from '../src/train/tasks/registry';
import { DivergedError, Trainer, type Examples, type OrtLike, type StepReport } from '../src/train/trainer';
import { mapView, recipe, type TrainedInputs } from './analyse';
import {
  THUMB_SIDE,
  TRAIN_REPORT_EVERY,
  type ModelSlot,
  type RestoreRequest,
  type TrainedWeights,
  type TrainProgress,
  type TrainRecipe,
  type TrainRequest,
  type TrainResult,
  type TrainSnapshot,
  type TrainStatus,
} from './api';
import { Sessions } from './sessions';

/** One slot's job. */
interface Job {
  id: number;
  slot: ModelSlot;
  /** The spec trained: the request's with the recipe's seed. */
  spec: Spec;
  req: TrainRequest;
  status: TrainStatus;
  message?: string;
  /** The trainer, or for weights restored from elsewhere (`restore`) only the weights: they never train. */
  trainer: Trainer | HeldWeights;
  /** Where its steps run ('webgpu': the state stays on the GPU between steps). */
  provider: Provider;
  /** Why a job of a WebGPU worker runs on WASM, in one sentence, when it does. */
  fallbackReason?: string;
  /** Shapes of the weight inputs, by name (the trainer keeps flat arrays). */
  dims: Map<string, readonly number[]>;
  reports: StepReport[];
  evaluations: Evaluation[];
  /** Wakes the loop of a paused job (after resume or stop). */
  wake: () => void;
  /** Resolves once the loop has ended (its trainer is still held). */
  ended: Promise<unknown>;
}

/** Weights a job holds without a trainer: restored from the browser's storage or an imported file. */
interface HeldWeights {
  readonly step: number;
  /** As Trainer.weights(). */
  weights(): Promise<Map<string, Float32Array>>;
  release(): Promise<void>;
}

/** What tests and the page's later controller may read of a job. */
export interface JobState {
  id: number;
  /** The spec trained (with the recipe's seed) and its recipe. */
  spec: Spec;
  recipe: TrainRecipe;
  status: TrainStatus;
  step: number;
  message?: string;
  reports: readonly StepReport[];
  evaluations: readonly Evaluation[];
}

/** The spec less its seed: equal for the same architecture (the seed only draws the initial weights). */
const architecture = (spec: Spec): string => {
  const { seed: _seed, ...rest } = spec;
  return JSON.stringify(rest);
};

export class Jobs {
  private readonly jobs = new Map<ModelSlot, Job>();
  /** Train requests per slot so far: a request overtaken while it compiled gives way to the newer one. */
  private readonly asked: Record<ModelSlot, number> = { a: 0, b: 0 };
  /** The request of each slot whose step graph is compiling (its number in `asked`), or 0: a stop then cancels it. */
  private readonly compiling: Record<ModelSlot, number> = { a: 0, b: 0 };
  private nextId = 1;
  /** The probes' inspect sessions, one per slot, apart from the views' sessions. */
  private readonly probes: Sessions;
  private readonly ort: OrtLike;

  /**
   * Jobs on `runtime` (the worker's; its queue of runs is shared with the analyses), creating their
   * sessions with `ort` (the same onnxruntime module, cast) on `provider`, by default the
   * runtime's provider when the job starts.
   */
  constructor(
    readonly runtime: Runtime,
    ort: OrtLike,
    private readonly provider?: Provider,
  ) {
    this.probes = new Sessions(runtime);
    this.ort = queued(ort, runtime);
  }

  /** See InferenceApi.train. */
  async train(req: TrainRequest, onProgress: (p: TrainProgress) => void = () => undefined): Promise<TrainResult> {
    const slot = req.slot ?? 'a';
    const asked = ++this.asked[slot];
    const r = req.recipe;
    const spec: Spec = { ...req.spec, seed: r.seed };
    // Refusals first, before the slot's previous job is touched or anything is compiled.
    const task = checkRequest(req);
    const heldOut = task.heldOut(r.taskParams, r.T, r.text);
    const probe = req.probe ?? Array.from(heldOut.tokens.subarray(0, r.T));
    checkTrainingBudget(spec, { T: r.T, batch: r.batch });

    this.compiling[slot] = asked;
    await this.end(slot);
    if (asked !== this.asked[slot]) return overtaken(slot);
    const { trainer, provider, fallbackReason } = await this.create(spec, r);
    if (this.compiling[slot] === asked) this.compiling[slot] = 0;
    if (asked !== this.asked[slot]) {
      await trainer.release();
      return overtaken(slot);
    }
    const inputs = compile(spec, { T: probe.length, mode: 'inspect', weights: 'inputs' }).inputs;
    let ended: () => void = () => undefined;
    const job: Job = {
      id: this.nextId++,
      slot,
      spec,
      req,
      status: 'running',
      trainer,
      provider,
      ...(fallbackReason ? { fallbackReason } : {}),
      dims: new Map(inputs.map((t) => [t.name, t.shape])),
      reports: [],
      evaluations: [],
      wake: () => undefined,
      ended: new Promise<void>((resolve) => (ended = resolve)),
    };
    this.jobs.set(slot, job);
    try {
      return await this.run(job, task, heldOutBatches(heldOut, r.batch), probe, onProgress);
    } finally {
      ended();
    }
  }

  /** A trainer for `spec` on this worker's provider; on WASM, with the reason, when WebGPU cannot create it. */
  private async create(spec: Spec, r: Recipe): Promise<{ trainer: Trainer; provider: Provider; fallbackReason?: string }> {
    const provider = this.provider ?? this.runtime.backend.provider;
    const make = (p: Provider) => this.trainerOn(p, spec, r);
    if (provider === 'webgpu') {
      try {
        return { trainer: await make('webgpu'), provider };
      } catch (e) {
        return { trainer: await make('wasm'), provider: 'wasm', fallbackReason: `WebGPU could not train this model (${errorParts(e).message.slice(0, 160)}); it trains on WASM.` };
      }
    }
    return { trainer: await make('wasm'), provider: 'wasm' };
  }

  /** Step `step` of `job` (its batch and learning rate); on WebGPU, a failed step moves the job to WASM and is taken there. */
  private async step(job: Job, task: Task, step: number): Promise<StepReport> {
    const r = job.req.recipe;
    try {
      return await (job.trainer as Trainer).train(batchAt(task, r, step), lrAt(r, step));
    } catch (e) {
      if (e instanceof DivergedError || job.provider !== 'webgpu') throw e;
      await this.toWasm(job, task, errorParts(e).message.slice(0, 160));
      return await (job.trainer as Trainer).train(batchAt(task, r, step), lrAt(r, step));
    }
  }

  /**
   * Moves `job` from WebGPU to WASM after a failed step: from the state of the last step taken,
   * read back from the GPU, or when it cannot be read, from the initial weights with the steps
   * taken so far replayed on the same batches.
   */
  private async toWasm(job: Job, task: Task, why: string): Promise<void> {
    const r = job.req.recipe;
    const failed = job.trainer as Trainer;
    const taken = failed.step;
    const state = await failed.readState().catch(() => null);
    await failed.release().catch(() => undefined);
    const trainer = await this.trainerOn('wasm', job.spec, r, state ? { step: taken, state } : undefined);
    job.trainer = trainer;
    job.provider = 'wasm';
    if (state) {
      job.fallbackReason = `WebGPU training failed at step ${taken + 1} (${why}); it goes on on WASM from step ${taken}.`;
      return;
    }
    for (let s = 1; s <= taken; s++) await trainer.train(batchAt(task, r, s), lrAt(r, s));
    job.fallbackReason = `WebGPU training failed at step ${taken + 1} (${why}) and its state could not be read back; steps 1 to ${taken} were taken again on WASM, where it goes on.`;
  }

  private trainerOn(provider: Provider, spec: Spec, r: Recipe, from?: { step: number; state: Map<string, Float32Array> }): Promise<Trainer> {
    return Trainer.create(this.ort, spec, { T: r.T, batch: r.batch }, {
      providers: [provider],
      optimizer: recipeOptimizer(r),
      exclusive: (task) => this.runtime.exclusive(task),
      ...(from ? { from } : {}),
    });
  }

  /** The steps of `job`, back to back, until done, stopped, diverged or failed. */
  private async run(job: Job, task: Task, heldOut: Examples[], probe: number[], onProgress: (p: TrainProgress) => void): Promise<TrainResult> {
    const { recipe: r, reportEvery = TRAIN_REPORT_EVERY, snapshotEvery = 0 } = job.req;
    if (!(job.trainer instanceof Trainer)) throw new Error('restored weights do not train');
    /** The job's trainer now: a step that fails on WebGPU moves the job to a WASM one. */
    const trainer = () => job.trainer as Trainer;
    // What the next report carries: everything since the previous one.
    let reports: StepReport[] = [];
    let evaluations: Evaluation[] = [];
    let snapshots: TrainSnapshot[] = [];
    let since = performance.now();
    const report = () => {
      const now = performance.now();
      const p: TrainProgress = {
        job: job.id,
        slot: job.slot,
        status: job.status,
        step: trainer().step,
        steps: r.steps,
        reports,
        evaluations,
        snapshots,
        stepsPerSecond: reports.length ? reports.length / Math.max((now - since) / 1000, 1e-9) : null,
        provider: job.provider,
        ...(job.fallbackReason ? { fallbackReason: job.fallbackReason } : {}),
        ...(job.message ? { message: job.message } : {}),
      };
      reports = [];
      evaluations = [];
      snapshots = [];
      since = now;
      try {
        onProgress(p);
      } catch {
        // the page's listener is not the job's business
      }
    };
    const evaluate = async () => {
      const e = { step: trainer().step, ...(await trainer().evaluate(heldOut)) };
      job.evaluations.push(e);
      evaluations.push(e);
    };

    try {
      for (let step = trainer().step + 1; step <= r.steps; step++) {
        await nextTask(); // messages first: a pause, a stop, an analysis
        while (job.status === 'paused') {
          report();
          await new Promise<void>((wake) => (job.wake = wake));
          since = performance.now();
          if ((job.status as TrainStatus) === 'running') report(); // resumed (stop or reset end the loop below)
        }
        if (job.status !== 'running') break;
        // The batch, learning rate and evaluations of src/train/run.ts's train(), step for step.
        const s = await this.step(job, task, step);
        job.reports.push(s);
        reports.push(s);
        if (step % r.evalEvery === 0 || step === r.steps) await evaluate();
        if (snapshotEvery > 0 && step % snapshotEvery === 0) snapshots.push(await this.snapshot(job, probe));
        if (step % reportEvery === 0 && step < r.steps) report();
      }
      if (job.status === 'running') job.status = 'done';
      // A stopped run ends with a held-out evaluation of the weights it keeps, so the accuracy
      // shown is that of these weights (and of an export of them), not of an earlier step's.
      else if (job.status === 'stopped' && trainer().step > 0 && job.evaluations.at(-1)?.step !== trainer().step) await evaluate();
    } catch (e) {
      if (e instanceof DivergedError) {
        job.status = 'diverged';
        job.message = e.message;
      } else {
        job.status = 'failed';
        job.message = errorParts(e).message;
        report();
        throw e;
      }
    }
    report();
    const status = job.status as TrainResult['status'];
    return { job: job.id, slot: job.slot, status, step: trainer().step, evaluation: job.evaluations.at(-1) ?? null, ...(job.message ? { message: job.message } : {}) };
  }

  /** The probe's maps with the weights of the step just taken. */
  private async snapshot(job: Job, probe: number[]): Promise<TrainSnapshot> {
    const T = probe.length;
    const model = await this.probes.get(job.slot, 'inspect', recipe(job.spec, T, 'inspect', 'inputs', await this.inputs(job)));
    const out = await model.run(probe);
    const L = layerSchedule(job.spec).length;
    const H = job.spec.nHeads;
    const maps = Array.from({ length: L }, (_, i) => out[`attn_probs.${i}`]!.data);
    const thumbs = maps.map((m) => {
      const parts = Array.from({ length: H }, (_, h) => downsample(m, T, h, THUMB_SIDE).values);
      const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      parts.forEach((p, h) => all.set(p, h * p.length));
      return all;
    });
    const held = { id: job.id, T, nHeads: H, maps };
    return {
      step: job.trainer.step,
      T,
      nLayers: L,
      nHeads: H,
      thumbSide: downsample(maps[0]!, T, 0, THUMB_SIDE).side,
      thumbs,
      entropy: Array.from({ length: L }, (_, i) => out[`attn_entropy.${i}`]!.data),
      headStats: maps.map((m) => headStats(m, probe, H)),
      map: mapView(held, job.req.view ?? { layer: 0, head: 0 }) ?? mapView(held, { layer: 0, head: 0 })!,
    };
  }

  /**
   * The job's current weights as graph inputs, named for the step (the trainer's arrays: not
   * copies). The step is the one when asked; on WebGPU the weights are downloaded then.
   */
  private async inputs(job: Job): Promise<TrainedInputs> {
    const key = `trained ${job.id} step ${job.trainer.step}`;
    const weights: InputTensor[] = [];
    for (const [name, data] of await job.trainer.weights()) weights.push({ name, dims: [...job.dims.get(name)!], data });
    return { key, weights };
  }

  /**
   * The weights an analysis of `spec` in `slot` runs on: the slot's job's current ones when it has
   * a job (running or ended) for the same architecture, else null (the seed's). Read when the
   * request arrives, so the analysis names the step whose weights it ran on.
   */
  async weightsFor(slot: ModelSlot, spec: Spec): Promise<TrainedInputs | null> {
    const job = this.jobs.get(slot);
    return job && architecture(job.spec) === architecture(spec) ? this.inputs(job) : null;
  }

  /**
   * Holds `req.weights` in `slot` as a finished job of `req.spec` (status done; no trainer, no
   * reports): analyses of that architecture in the slot run on them exactly as on a job's, and
   * trainedWeights gives them back. Replaces the slot's job. Throws (TaskError) when the weights
   * do not fit the spec's architecture, before the slot's job is touched.
   */
  async restore(slot: ModelSlot, req: RestoreRequest): Promise<JobState> {
    const spec: Spec = { ...req.spec, seed: req.recipe.seed };
    const inputs = compile(spec, { T: Math.min(spec.maxLen, 8), mode: 'inspect', weights: 'inputs' }).inputs.filter((t) => t.name !== 'tokens');
    const given = new Map(req.weights.map((w) => [w.name, w]));
    for (const t of inputs) {
      const w = given.get(t.name);
      if (!w) throw new TaskError(`the weights to restore do not fit the model: ${t.name} is missing`);
      if (w.dims.join(',') !== t.shape.join(',') || w.data.length !== t.shape.reduce((a, b) => a * b, 1))
        throw new TaskError(`the weights to restore do not fit the model: ${t.name} is [${w.dims.join(', ')}], the model's is [${t.shape.join(', ')}]`);
    }
    if (given.size !== inputs.length) throw new TaskError(`the weights to restore do not fit the model: ${given.size} weights for its ${inputs.length}`);
    this.asked[slot]++; // a job still compiling for this slot gives way
    await this.end(slot);
    const weights = new Map(inputs.map((t) => [t.name, Float32Array.from(given.get(t.name)!.data)]));
    const held: HeldWeights = { step: req.step, weights: async () => weights, release: async () => undefined };
    const job: Job = {
      id: this.nextId++,
      slot,
      spec,
      req: { slot, spec, recipe: req.recipe },
      status: 'done',
      trainer: held,
      provider: this.provider ?? this.runtime.backend.provider,
      dims: new Map(inputs.map((t) => [t.name, t.shape])),
      reports: [],
      evaluations: [],
      wake: () => undefined,
      ended: Promise.resolve(),
    };
    this.jobs.set(slot, job);
    return this.state(slot)!;
  }

  /** Pauses the slot's running job after the step in progress. */
  pause(slot: ModelSlot): void {
    const job = this.jobs.get(slot);
    if (job?.status === 'running') job.status = 'paused';
  }

  /** Resumes the slot's paused job. */
  resume(slot: ModelSlot): void {
    const job = this.jobs.get(slot);
    if (job?.status !== 'paused') return;
    job.status = 'running';
    job.wake();
  }

  /** Stops the slot's running or paused job after the step in progress; its weights stay. Resolves once it has stopped. */
  async stop(slot: ModelSlot): Promise<void> {
    if (this.compiling[slot] === this.asked[slot]) this.asked[slot]++; // the request still compiling gives way
    await this.halt(slot);
  }

  /** Stops the slot's job (the one that has taken steps) and waits for its loop to end. */
  private async halt(slot: ModelSlot): Promise<void> {
    const job = this.jobs.get(slot);
    if (!job) return;
    if (job.status === 'running' || job.status === 'paused') {
      job.status = 'stopped';
      job.message = 'stopped';
      job.wake();
    }
    await job.ended;
  }

  /** Stops and forgets the slot's job: its sessions are released and analyses run on the seed's weights again. */
  async reset(slot: ModelSlot): Promise<void> {
    this.asked[slot]++; // a job still compiling for this slot gives way too
    await this.end(slot);
  }

  private async end(slot: ModelSlot): Promise<void> {
    const job = this.jobs.get(slot);
    if (!job) return;
    await this.halt(slot);
    if (this.jobs.get(slot) === job) this.jobs.delete(slot);
    this.probes.releaseSlot(slot);
    await job.trainer.release();
  }

  /** The slot's job's weights, copied (the caller may transfer them), or null when it has none. */
  async trainedWeights(slot: ModelSlot): Promise<TrainedWeights | null> {
    const job = this.jobs.get(slot);
    if (!job) return null;
    const step = job.trainer.step;
    const { key, weights } = await this.inputs(job);
    return { job: job.id, step, key, weights: weights.map((w) => ({ name: w.name, dims: w.dims, data: Float32Array.from(w.data as Float32Array) })) };
  }

  /** Where the slot's job stands (null when it has none). */
  state(slot: ModelSlot): JobState | null {
    const job = this.jobs.get(slot);
    if (!job) return null;
    return { id: job.id, spec: job.spec, recipe: job.req.recipe, status: job.status, step: job.trainer.step, reports: job.reports, evaluations: job.evaluations, ...(job.message ? { message: job.message } : {}) };
  }
}

/** The request's task, checked with its recipe; TaskError says what is wrong. */
function checkRequest(req: TrainRequest): Task {
  const r = req.recipe;
  const task = findTask(r.task);
  if (!task) throw new TaskError(`no task "${r.task}" (known: ${TASKS.map((t) => t.kind).join(', ')})`);
  const whole = (name: string, v: unknown, min: number) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new TaskError(`${name} must be a whole number of at least ${min}, got ${String(v)}`);
  };
  whole('steps', r.steps, 1);
  whole('evalEvery', r.evalEvery, 1);
  whole('warmup', r.warmup, 0);
  whole('reportEvery', req.reportEvery ?? TRAIN_REPORT_EVERY, 1);
  whole('snapshotEvery', req.snapshotEvery ?? 0, 0);
  if (r.weightDecay !== undefined && !(r.weightDecay >= 0 && r.weightDecay < 1)) throw new TaskError(`the weight decay must be from 0 to below 1, got ${r.weightDecay}`);
  if (!(r.lr > 0 && Number.isFinite(r.lr))) throw new TaskError(`the learning rate must be a positive number, got ${r.lr}`);
  if (r.T > req.spec.maxLen) throw new TaskError(`sequence length ${r.T} is longer than the model's maxLen (${req.spec.maxLen})`);
  const problem = task.check(r.taskParams, r.T, r.text);
  if (problem) throw new TaskError(problem);
  if (req.probe && (req.probe.length < 1 || req.probe.length > req.spec.maxLen)) throw new TaskError(`the probe must hold 1 to ${req.spec.maxLen} tokens, got ${req.probe.length}`);
  const bad = req.probe?.find((t) => !Number.isInteger(t) || t < 0 || t >= VOCAB_SIZE);
  if (bad !== undefined) throw new TaskError(`the probe's tokens must be ids from 0 to ${VOCAB_SIZE - 1}, got ${bad}`);
  return task;
}

/** The batch of step `step` of `r`: src/train/run.ts's train() draws the same. */
const batchAt = (task: Task, r: Recipe, step: number): Examples => task.generate(r.taskParams, { batch: r.batch, T: r.T, seed: hash32(r.seed, step), text: r.text });

/** The learning rate of step `step` of `r` (warm-up, then cosine decay). */
const lrAt = (r: Recipe, step: number): number => learningRate(step, { lr: r.lr, warmup: r.warmup, steps: r.steps, minRatio: r.minLrRatio });

/** The result of a request stopped, reset or overtaken by a newer one for its slot before it started. */
const overtaken = (slot: ModelSlot): TrainResult => ({ job: 0, slot, status: 'stopped', step: 0, evaluation: null, message: 'stopped before its first step (by Stop, Reset or a newer training request)' });

/** `ort` whose sessions are created, run and released on `runtime`'s queue of runs (workers/experiments.ts uses it too). */
export function queued(ort: OrtLike, runtime: Runtime): OrtLike {
  return {
    Tensor: ort.Tensor,
    InferenceSession: {
      async create(bytes, options) {
        const s = await runtime.exclusive(() => ort.InferenceSession.create(bytes, options));
        return { run: (feeds) => runtime.exclusive(() => s.run(feeds)), release: () => runtime.exclusive(() => s.release()) };
      },
    },
  };
}
