// The store's training controller (src/state/training.ts) against a fake runtime whose progress
// the test sends by hand, with the bridge (src/state/bridge.ts) where the views follow the weights;
// then once on the real worker API (workers/jobs.ts on onnxruntime-web WASM in Node), whose losses
// are checked against src/train/run.ts's train() with the same recipe (an independent loop).
import * as ort from 'onnxruntime-web';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectBridge } from '../../src/state/bridge';
import { createAppStore, type StoreRuntime } from '../../src/state/store';
import { describeWeights, REPORT_EVERY, snapshotEvery, type TrainingRun } from '../../src/state/training';
import { defaultSpec } from '../../src/spec/defaults';
import { recipe as makeRecipe, train } from '../../src/train/run';
import type { OrtLike, StepReport } from '../../src/train/trainer';
import type { AnalysisRequest, AnalysisResult, InferenceApi, ModelSlot, TrainProgress, TrainRequest, TrainResult, WorkerInfo } from '../../workers/api';
import { Jobs } from '../../workers/jobs';
import { nodeRuntime } from '../helpers';

const INFO: WorkerInfo = { backend: { provider: 'wasm', threads: 2, crossOriginIsolated: true, fallbackReason: 'none' }, spawnedThreads: 1 };

/** A training call the test answers by hand: its request, its progress callback, and how it ends. */
interface Call {
  req: TrainRequest;
  progress: (p: TrainProgress) => void;
  resolve: (r: TrainResult) => void;
  reject: (e: Error) => void;
}

/** The runtime's training methods, recording every call. */
function fakeTraining() {
  const calls: Call[] = [];
  const controls: { what: 'pause' | 'resume' | 'stop' | 'reset'; slot: ModelSlot }[] = [];
  const runtime = {
    train: (req: TrainRequest, progress: (p: TrainProgress) => void) => new Promise<TrainResult>((resolve, reject) => calls.push({ req, progress, resolve, reject })),
    pauseTraining: async (slot: ModelSlot) => void controls.push({ what: 'pause', slot }),
    resumeTraining: async (slot: ModelSlot) => void controls.push({ what: 'resume', slot }),
    stopTraining: async (slot: ModelSlot) => void controls.push({ what: 'stop', slot }),
    resetTraining: async (slot: ModelSlot) => void controls.push({ what: 'reset', slot }),
  };
  return { runtime, calls, controls };
}

/** The rest of a StoreRuntime (never called here). */
const OTHER: Omit<StoreRuntime, 'train' | 'pauseTraining' | 'resumeTraining' | 'stopTraining' | 'resetTraining'> = {
  exportOnnx: async () => new Uint8Array(),
  choose: async () => undefined,
  latency: () => new Promise(() => {}),
  breakdown: () => new Promise(() => {}),
  sweep: () => new Promise(() => {}),
  cancelSweep: async () => {},
} as unknown as Omit<StoreRuntime, 'train' | 'pauseTraining' | 'resumeTraining' | 'stopTraining' | 'resetTraining'>;

/** A step report with loss `loss` (the other figures do not matter to the store). */
const step = (loss: number): StepReport => ({ loss, accuracy: 0, gradNorm: 1, layerGradNorms: [], lr: 1e-3 }) as unknown as StepReport;

/** A progress report of job `job` at `at` steps of `steps`, carrying `losses`. */
const progress = (job: number, slot: ModelSlot, at: number, steps: number, losses: number[], more: Partial<TrainProgress> = {}): TrainProgress => ({
  job,
  slot,
  status: 'running',
  step: at,
  steps,
  reports: losses.map(step),
  evaluations: [],
  snapshots: [],
  stepsPerSecond: 5,
  ...more,
});

const settle = () => new Promise((r) => setTimeout(r, 0));

function setup(text = 'abc|abc') {
  const fake = fakeTraining();
  const store = createAppStore({ text, runtime: { ...OTHER, ...fake.runtime } as StoreRuntime });
  return { store, ...fake };
}

describe('training state (fake runtime)', () => {
  it('starts model A with the recipe, appends each report and moves weightsVersion only when weights changed', async () => {
    const { store, calls } = setup();
    store.getState().trainingActions.setRecipe({ steps: 40, batch: 4, lr: 1e-2 });
    store.getState().trainingActions.start();
    expect(calls).toHaveLength(1);
    const r = store.getState().training.recipe;
    expect(calls[0]!.req).toMatchObject({ slot: 'a', recipe: r, reportEvery: REPORT_EVERY, snapshotEvery: snapshotEvery(40) });
    expect(calls[0]!.req.spec).toBe(store.getState().spec);
    expect(store.getState().training.runs.a).toMatchObject({ status: 'starting', step: 0, steps: 40, job: null, spec: { seed: r.seed } });
    const v0 = store.getState().training.weightsVersion;

    calls[0]!.progress(progress(7, 'a', 2, 40, [4, 3.5]));
    calls[0]!.progress(progress(7, 'a', 3, 40, [3]));
    let run = store.getState().training.runs.a!;
    expect(run).toMatchObject({ job: 7, status: 'running', step: 3, stepsPerSecond: 5 });
    expect(run.reports.map((x) => x.loss)).toEqual([4, 3.5, 3]);
    expect(store.getState().training.weightsVersion).toBe(v0 + 2);

    // A report without steps (a pause) changes the status but not the weights.
    calls[0]!.progress(progress(7, 'a', 3, 40, [], { status: 'paused', stepsPerSecond: null }));
    run = store.getState().training.runs.a!;
    expect(run).toMatchObject({ status: 'paused', stepsPerSecond: 5 });
    expect(store.getState().training.weightsVersion).toBe(v0 + 2);

    calls[0]!.resolve({ job: 7, slot: 'a', status: 'done', step: 40, evaluation: null });
    await settle();
    expect(store.getState().training.runs.a).toMatchObject({ status: 'done', step: 40 });
    expect(store.getState().training.weightsVersion).toBe(v0 + 3);
  });

  it('ignores progress and answers of an older request once a newer one started', async () => {
    const { store, calls } = setup();
    store.getState().trainingActions.start();
    store.getState().trainingActions.start();
    expect(calls).toHaveLength(2);
    calls[0]!.progress(progress(1, 'a', 5, 300, [9, 9, 9, 9, 9]));
    calls[0]!.resolve({ job: 1, slot: 'a', status: 'stopped', step: 5, evaluation: null });
    await settle();
    expect(store.getState().training.runs.a).toMatchObject({ status: 'starting', step: 0, reports: [] });
    calls[1]!.progress(progress(2, 'a', 1, 300, [4]));
    expect(store.getState().training.runs.a).toMatchObject({ job: 2, step: 1 });
  });

  it('a refusal (TrainingBudgetError, TaskError) sets status refused with the message; another error is a failure', async () => {
    const { store, calls } = setup();
    const named = (name: string, message: string) => Object.assign(new Error(message), { name }); // as Comlink hands a worker's error over
    const cases: [string, string, TrainingRun['status'], RegExp][] = [
      ['TrainingBudgetError', 'Training this model at batch 4096 and T = 128 needs about 9 GiB, over the 2 GiB budget: use batch 4096 → 12.', 'refused', /^Training refused: Training this model/],
      ['TaskError', 'Copy: minLen (5) must not be more than maxLen (4)', 'refused', /^Training refused: Copy: minLen/],
      ['RuntimeError', 'the session broke', 'failed', /^Training failed: the session broke/],
    ];
    for (const [name, message, status, notice] of cases) {
      store.getState().trainingActions.start();
      calls.at(-1)!.reject(named(name, message));
      await settle();
      expect(store.getState().training.runs.a).toMatchObject({ status, message });
      expect(store.getState().training.notice).toMatchObject({ tone: 'error', text: expect.stringMatching(notice) });
    }
    // The next Train clears what the notice said about the run it replaces.
    store.getState().trainingActions.start();
    expect(store.getState().training.notice).toBeNull();
  });

  it('compare mode starts A and B with the same recipe; ending compare forgets B', () => {
    const { store, calls } = setup();
    const specB = { ...defaultSpec(), nHeads: 2, name: 'B' };
    store.getState().setCompareModel(specB, 'a test model');
    const fake = fakeTraining();
    // The bridge's watcher is what forgets B (connectTraining); connect it on a runtime of its own.
    connectBridge(store, { ...bridgeApi().api, ...fake.runtime });
    store.getState().trainingActions.setRecipe({ seed: 4, steps: 20 });
    store.getState().trainingActions.start();
    expect(calls.map((c) => c.req.slot)).toEqual(['a', 'b']);
    expect(calls[1]!.req.recipe).toEqual(calls[0]!.req.recipe);
    expect(calls[1]!.req.spec).toBe(specB);
    expect(store.getState().training.runs.b).toMatchObject({ slot: 'b', status: 'starting', spec: { nHeads: 2, seed: 4 } });
    store.getState().stopCompare();
    expect(store.getState().training.runs.b).toBeNull();
    expect(store.getState().training.runs.a).not.toBeNull();
  });

  it('pause, resume and stop go to every slot with a run; reset forgets the runs and resets both slots in the worker', async () => {
    const { store, calls, controls } = setup();
    store.getState().setCompareModel({ ...defaultSpec(), name: 'B' }, 'a test model');
    const a = store.getState().trainingActions;
    a.start();
    a.pause();
    a.resume();
    a.stop();
    await settle();
    expect(controls).toEqual(['pause', 'resume', 'stop'].flatMap((what) => (['a', 'b'] as const).map((slot) => ({ what, slot }))));
    calls[0]!.progress(progress(1, 'a', 10, 300, Array(10).fill(3)));
    a.setTimeline(10);
    const v = store.getState().training.weightsVersion;
    controls.length = 0;
    a.reset();
    await settle();
    expect(store.getState().training).toMatchObject({ runs: { a: null, b: null }, timeline: null, weightsVersion: v + 1 });
    expect(controls).toEqual([
      { what: 'reset', slot: 'a' },
      { what: 'reset', slot: 'b' },
    ]);
    // The reset job's later reports are an older request's: ignored.
    calls[0]!.progress(progress(1, 'a', 20, 300, Array(10).fill(2)));
    expect(store.getState().training.runs.a).toBeNull();
  });

  it('setRecipe: a new task resets its parameters and fits T to it within the model', () => {
    const { store } = setup();
    const a = store.getState().trainingActions;
    a.setRecipe({ taskParams: { maxLen: 4 }, T: 8 });
    a.setRecipe({ task: 'mqar' });
    const r = store.getState().training.recipe;
    expect(r.taskParams).toEqual({});
    expect(r.T).toBeGreaterThanOrEqual(8);
    expect(r.T).toBeLessThanOrEqual(store.getState().spec.maxLen);
  });
});

/** An inference API whose analyses the test answers by hand (as test/state/bridge.test.ts's). */
function bridgeApi() {
  const pending: { req: AnalysisRequest; resolve: (r: AnalysisResult) => void }[] = [];
  const never = () => new Promise<never>(() => {});
  const api = {
    init: () => Promise.resolve(INFO),
    analyse: (req: AnalysisRequest) => new Promise<AnalysisResult>((resolve) => pending.push({ req, resolve })),
    stats: never,
    map: never,
    exportOnnx: never,
    supersede: async () => {},
    latency: never,
    breakdown: never,
    sweep: never,
    cancelSweep: async () => {},
    memory: never,
    releaseSlot: async () => {},
    continueText: never,
    evictionCost: never,
    serving: never,
    trainedWeights: async () => null,
    restoreTraining: never,
    exportTrained: never,
    runExperiment: never,
    stopExperiment: async () => {},
  };
  const answer = (req: AnalysisRequest, weights: string) => ({ id: req.id, weights, backend: INFO.backend, map: null }) as unknown as AnalysisResult;
  return { api, pending, answer };
}

describe('training with the bridge (fake runtime)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const flush = () => vi.advanceTimersByTimeAsync(50);

  it('a report re-sends the slot’s analysis; the badge reads the weights it ran on', async () => {
    const { store, calls } = setup();
    const { api, pending, answer } = bridgeApi();
    const fake = fakeTraining();
    connectBridge(store, { ...api, ...fake.runtime } as unknown as InferenceApi);
    await flush();
    expect(pending).toHaveLength(1);
    pending[0]!.resolve(answer(pending[0]!.req, 'seed 1'));
    await flush();
    expect(describeWeights(store.getState().result, store.getState().training.runs.a)).toBe('initial (seed 1)');

    store.getState().trainingActions.start();
    await flush();
    expect(pending).toHaveLength(1); // starting moves no weights
    calls[0]!.progress(progress(3, 'a', 10, 1200, Array(10).fill(2)));
    await flush();
    expect(pending).toHaveLength(2);
    expect(pending[1]!.req.slot).toBe('a');
    expect(pending[1]!.req.spec).toBe(store.getState().spec);
    pending[1]!.resolve(answer(pending[1]!.req, 'trained 3 step 10'));
    await flush();
    expect(describeWeights(store.getState().result, store.getState().training.runs.a)).toBe('trained: 10 steps of copy');
    // The figure is grouped in thousands, as a person reads it.
    expect(describeWeights({ ...store.getState().result!, data: { ...store.getState().result!.data, weights: 'trained 3 step 1200' } }, store.getState().training.runs.a)).toBe('trained: 1,200 steps of copy');
  });

  it('an architecture edit stops an active job and says so; a text edit and a seed edit do not', async () => {
    const { store } = setup();
    const { api } = bridgeApi();
    const fake = fakeTraining();
    connectBridge(store, { ...api, ...fake.runtime } as unknown as InferenceApi);
    store.getState().trainingActions.start();
    await flush();

    store.getState().setText('abcd|abcd');
    store.getState().edit({ type: 'setGlobal', key: 'seed', value: 9 });
    await flush();
    expect(fake.controls).toEqual([]);
    expect(store.getState().training.notice).toBeNull();

    store.getState().edit({ type: 'setGlobal', key: 'nHeads', value: 2 });
    await flush();
    expect(fake.controls).toEqual([{ what: 'stop', slot: 'a' }]);
    expect(store.getState().training.notice).toMatchObject({ tone: 'warning', text: expect.stringMatching(/^Training stopped: the edit changed the model's architecture/) });

    // A run that has ended is not stopped again.
    const ended = { ...store.getState().training.runs.a!, status: 'stopped' as const };
    store.setState({ training: { ...store.getState().training, runs: { a: ended, b: null }, notice: null } });
    store.getState().edit({ type: 'setGlobal', key: 'nHeads', value: 4 });
    await flush();
    expect(fake.controls).toHaveLength(1);
    expect(store.getState().training.notice).toBeNull();
  });
});

describe('training state on the worker API (onnxruntime-web WASM in Node)', () => {
  const ORT = ort as unknown as OrtLike;

  /** The store's runtime: the worker's Jobs, called as the page's worker calls them. */
  async function realRuntime() {
    const jobs = new Jobs(await nodeRuntime(), ORT);
    const runtime = {
      train: (req: TrainRequest, onProgress: (p: TrainProgress) => void) => jobs.train(req, onProgress),
      pauseTraining: async (slot: ModelSlot) => jobs.pause(slot),
      resumeTraining: async (slot: ModelSlot) => jobs.resume(slot),
      stopTraining: (slot: ModelSlot) => jobs.stop(slot),
      resetTraining: (slot: ModelSlot) => jobs.reset(slot),
    };
    return { jobs, runtime };
  }

  it('trains model A to the end: the run holds every step of train() with the same recipe, then reset forgets it', async () => {
    const { jobs, runtime } = await realRuntime();
    const store = createAppStore({ text: 'abc|abc', runtime: { ...OTHER, ...runtime } as StoreRuntime });
    const a = store.getState().trainingActions;
    a.setRecipe({ taskParams: { maxLen: 4 }, T: 8, batch: 4, steps: 12, lr: 3e-3, warmup: 2, evalEvery: 4, seed: 3 });
    const r = store.getState().training.recipe;
    a.start();
    await vi.waitFor(() => expect(store.getState().training.runs.a?.status).toBe('done'), { timeout: 60_000, interval: 20 });

    const ref = await train(ORT, defaultSpec(), makeRecipe(r));
    await ref.trainer.release();
    const run = store.getState().training.runs.a!;
    expect(run.step).toBe(12);
    expect(run.reports.map((x) => x.loss)).toEqual(ref.steps.map((x) => x.loss));
    expect(run.evaluations).toEqual(ref.evaluations);
    expect(run.snapshots.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].filter((s) => s % snapshotEvery(12) === 0));
    expect((await jobs.trainedWeights('a'))!.step).toBe(12);

    a.reset();
    await vi.waitFor(async () => expect(await jobs.trainedWeights('a')).toBeNull(), { timeout: 10_000, interval: 20 });
    expect(store.getState().training.runs.a).toBeNull();
  }, 120_000);

  it('a recipe over the training budget is refused by the worker before compiling, with the numbers', async () => {
    const { runtime } = await realRuntime();
    const store = createAppStore({ text: 'abc|abc', runtime: { ...OTHER, ...runtime } as StoreRuntime });
    store.getState().trainingActions.setRecipe({ batch: 4096, T: 128 });
    store.getState().trainingActions.start();
    await vi.waitFor(() => expect(store.getState().training.runs.a?.status).toBe('refused'), { timeout: 60_000, interval: 20 });
    expect(store.getState().training.runs.a!.message).toMatch(/batch 4096 and T = 128 needs about .* over the .* budget/);
  }, 120_000);
});
