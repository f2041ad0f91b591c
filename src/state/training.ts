/**
 * Training in the page, as state: the Train panel's recipe, each slot's run as the worker reports
 * it (workers/jobs.ts), the step the timeline shows, and the actions that start, pause, resume,
 * stop and reset jobs. The store makes the actions (`trainingActions`) on the runtime it is given;
 * `connectTraining` (called by the bridge) stops a job when an edit changes the architecture it
 * trains (its weights no longer fit; an edit of the text or the seed does not), and drops model B's
 * run when compare mode ends.
 *
 * Data flows one way: an action asks the worker; the worker's progress reports are appended to the
 * run here; the views read the run. Each report moves `weightsVersion`, and the bridge re-runs the
 * views on the job's current weights (an analysis of the job's architecture runs on them).
 */
import { proxy } from 'comlink';
import type { ModelSlot, TrainProgress, TrainSnapshot, TrainStatus } from '../../workers/api';
import { ERROR, errorParts } from '../spec/errors';
import type { Spec } from '../spec/types';
import { recipe, type Evaluation, type Recipe } from '../train/run';
import type { StepReport } from '../train/trainer';
import { findTask } from '../train/tasks/registry';
import type { RuntimeApi } from './host';
import type { AppState, AppStore, ShownResult } from './store';

export type { Recipe, Evaluation, StepReport, TrainSnapshot, TrainStatus };

/**
 * One slot's run: `starting` until the worker has compiled the step graph and taken the first
 * step's report; `refused` when the worker refused it before compiling (over the memory budget,
 * bad task parameters: `message` says why and what to change); then the job's own statuses.
 */
export interface TrainingRun extends Pick<TrainProgress, 'steps' | 'provider' | 'fallbackReason' | 'message'> {
  slot: ModelSlot;
  /** The spec trained (the model's, with the recipe's seed). */
  spec: Spec;
  recipe: Recipe;
  status: 'starting' | 'refused' | TrainStatus;
  /** The worker's id of the job (null until its first report). */
  job: number | null;
  /** Steps taken so far. */
  step: number;
  /** Every step's figures, in order (the progress reports' `reports`, gathered). */
  reports: StepReport[];
  /** Held-out evaluations, in order. */
  evaluations: Evaluation[];
  /** The probe's maps at the snapshot steps, in order. */
  snapshots: TrainSnapshot[];
  /** Steps per second over the newest report that had steps. */
  stepsPerSecond: number | null;
}

export interface TrainingState {
  /** What the next Train uses (the panel's fields). */
  recipe: Recipe;
  /** Each slot's newest run (B only in compare mode). */
  runs: Record<ModelSlot, TrainingRun | null>;
  /** The step of the snapshot the views show (the timeline), or null: the current weights. */
  timeline: number | null;
  /** What last happened to training that the person should read (stopped by an edit, refused, lost). */
  notice: { id: number; tone: 'info' | 'warning' | 'error'; text: string } | null;
  /** Grows whenever a job's weights change (a report, a reset): the bridge runs the views again. */
  weightsVersion: number;
}

export interface TrainingActions {
  /** Changes the recipe (the panel's fields); a task change resets the task's parameters and fits T to it. */
  setRecipe(patch: Partial<Recipe>): void;
  /** Trains model A (and B in compare mode, with the same batches) by the recipe; replaces a slot's previous run. */
  start(): void;
  pause(): void;
  resume(): void;
  /** Stops the jobs after the step in progress; their weights stay on screen. */
  stop(): void;
  /** Forgets the runs: the views show the initial (seed) weights again. */
  reset(): void;
  /** Shows the model as it was at snapshot `step` (null: as it is now). */
  setTimeline(step: number | null): void;
}

/** What the training actions ask of the runtime (the worker host in the page; fakes in tests). */
export type TrainingRuntime = Pick<RuntimeApi, 'train' | 'pauseTraining' | 'resumeTraining' | 'stopTraining' | 'resetTraining'>;

/** Snapshots a run takes, at most (every steps / SNAPSHOTS steps, at least every step). */
export const SNAPSHOTS = 50;
/** Steps between progress reports (each also re-runs the views on the new weights). */
export const REPORT_EVERY = 10;

/** The recipe the panel starts with: copy, at the shortest length its defaults need. */
export function defaultRecipe(): Recipe {
  const task = findTask('copy')!;
  return recipe({ task: task.kind, T: task.minT(), steps: 300 });
}

export const initialTraining = (): TrainingState => ({ recipe: defaultRecipe(), runs: { a: null, b: null }, timeline: null, notice: null, weightsVersion: 0 });

/** The spec less its seed: equal for the same architecture (the seed only draws the initial weights). */
export const architecture = (spec: Spec): string => {
  const { seed: _seed, ...rest } = spec;
  return JSON.stringify(rest);
};

/** Whether a run is still going (its worker holds a job that may take more steps). */
export const isActive = (run: TrainingRun | null): boolean => !!run && (run.status === 'starting' || run.status === 'running' || run.status === 'paused');

/** Steps between snapshots for a run of `steps` steps. */
export const snapshotEvery = (steps: number): number => Math.max(1, Math.ceil(steps / SNAPSHOTS));

/**
 * What weights a result ran on, in words: "initial (seed 1)" or "trained: 1,200 steps of copy"
 * (from the analysis' `weights` key, workers/api.ts AnalysisResult.weights, and the slot's run).
 */
export function describeWeights(result: ShownResult | null, run: TrainingRun | null): string | null {
  const key = result?.data.weights;
  if (!key) return null;
  const trained = /^trained (\d+) step (\d+)$/.exec(key);
  if (!trained) return `initial (${key})`;
  const step = Number(trained[2]);
  if (step === 0) return `initial (seed ${run?.recipe.seed ?? result.spec.seed})`;
  const task = run ? (findTask(run.recipe.task)?.title.toLowerCase() ?? run.recipe.task) : 'a task';
  return `trained: ${step.toLocaleString('en-US')} step${step === 1 ? '' : 's'} of ${task}`;
}

/** The snapshot the timeline shows for `slot` (the newest at or before its step), or null when it shows the present. */
export function timelineSnapshot(s: Pick<AppState, 'training'>, slot: ModelSlot = 'a'): TrainSnapshot | null {
  const { timeline, runs } = s.training;
  const run = runs[slot];
  if (timeline === null || !run) return null;
  let best: TrainSnapshot | null = null;
  for (const snap of run.snapshots) if (snap.step <= timeline) best = snap;
  return best ?? run.snapshots[0] ?? null;
}

/** The actions, on `runtime`; without one (tests of state alone) only the recipe, timeline and reset change anything. */
export function trainingActions(get: () => AppState, set: (part: Partial<TrainingState>) => void, runtime: TrainingRuntime | null): TrainingActions {
  let noticeId = 0;
  /** Train requests per slot: a report or answer of an older one is ignored. */
  const asked: Record<ModelSlot, number> = { a: 0, b: 0 };
  const notice = (tone: 'info' | 'warning' | 'error', text: string) => set({ notice: { id: ++noticeId, tone, text } });
  const runs = () => get().training.runs;
  const patchRun = (slot: ModelSlot, ticket: number, patch: (run: TrainingRun) => Partial<TrainingRun>, moved = false) => {
    const run = runs()[slot];
    if (!run || ticket !== asked[slot]) return;
    set({ runs: { ...runs(), [slot]: { ...run, ...patch(run) } }, ...(moved ? { weightsVersion: get().training.weightsVersion + 1 } : {}) });
  };
  const slots = (): ModelSlot[] => (['a', 'b'] as const).filter((slot) => runs()[slot]);

  const startSlot = (slot: ModelSlot, spec: Spec, r: Recipe, view: AppState['view']) => {
    const ticket = ++asked[slot];
    const every = snapshotEvery(r.steps);
    const run: TrainingRun = { slot, spec: { ...spec, seed: r.seed }, recipe: r, status: 'starting', job: null, step: 0, steps: r.steps, reports: [], evaluations: [], snapshots: [], stepsPerSecond: null };
    set({ runs: { ...runs(), [slot]: run }, timeline: null });
    const onProgress = (p: TrainProgress) =>
      patchRun(
        slot,
        ticket,
        (run) => ({
          job: p.job,
          status: p.status,
          step: p.step,
          steps: p.steps,
          reports: p.reports.length ? [...run.reports, ...p.reports] : run.reports,
          evaluations: p.evaluations.length ? [...run.evaluations, ...p.evaluations] : run.evaluations,
          snapshots: p.snapshots.length ? [...run.snapshots, ...p.snapshots] : run.snapshots,
          stepsPerSecond: p.stepsPerSecond ?? run.stepsPerSecond,
          provider: p.provider ?? run.provider,
          ...(p.fallbackReason ? { fallbackReason: p.fallbackReason } : {}),
          ...(p.message ? { message: p.message } : {}),
        }),
        p.reports.length > 0,
      );
    runtime!.train({ slot, spec, recipe: r, reportEvery: REPORT_EVERY, snapshotEvery: every, view: { layer: view.layer, head: view.head } }, proxy(onProgress)).then(
      (res) => patchRun(slot, ticket, () => ({ status: res.status, step: res.step, ...(res.message ? { message: res.message } : {}) }), true),
      (e: unknown) => {
        const { name, message } = errorParts(e);
        // The WebGPU worker went (a lost device, a failed runtime): its GPU state went with it. The
        // host runs on WASM now; the run starts again there, same recipe, same batches.
        if (name === ERROR.WorkerLost && runs()[slot]?.provider === 'webgpu' && ticket === asked[slot]) {
          notice('warning', `Training${slot === 'b' ? ' (model B)' : ''} lost its WebGPU worker at step ${runs()[slot]!.step}; it starts again on WASM from the first step.`);
          return startSlot(slot, spec, r, view);
        }
        const refused = name === 'TrainingBudgetError' || name === 'TaskError';
        patchRun(slot, ticket, () => ({ status: refused ? 'refused' : 'failed', message }), !refused);
        if (ticket === asked[slot]) notice('error', `${refused ? 'Training refused' : 'Training failed'}${slot === 'b' ? ' (model B)' : ''}: ${message}`);
      },
    );
  };

  const each = (call: (slot: ModelSlot) => Promise<unknown>) => {
    for (const slot of slots()) void call(slot).catch(() => undefined);
  };

  return {
    setRecipe: (patch) => {
      const current = get().training.recipe;
      let next: Recipe = { ...current, ...patch };
      if (patch.task && patch.task !== current.task) {
        const task = findTask(patch.task);
        if (task) next = { ...next, taskParams: {}, T: Math.max(task.minT(), Math.min(next.T, get().spec.maxLen)) };
      }
      set({ recipe: next });
    },
    start: () => {
      if (!runtime) return;
      const s = get();
      if (s.training.notice) set({ notice: null }); // what it said was about the runs this one replaces
      startSlot('a', s.spec, s.training.recipe, s.view);
      if (s.compare) startSlot('b', s.compare.specB, s.training.recipe, s.view);
      else if (runs().b) set({ runs: { ...runs(), b: null } });
    },
    pause: () => void (runtime && each((slot) => runtime.pauseTraining(slot))),
    resume: () => void (runtime && each((slot) => runtime.resumeTraining(slot))),
    stop: () => void (runtime && each((slot) => runtime.stopTraining(slot))),
    reset: () => {
      if (!runtime) return set({ runs: { a: null, b: null }, timeline: null });
      for (const slot of ['a', 'b'] as const) {
        asked[slot]++;
        void runtime.resetTraining(slot).catch(() => undefined);
      }
      set({ runs: { a: null, b: null }, timeline: null, weightsVersion: get().training.weightsVersion + 1 });
    },
    setTimeline: (timeline) => set({ timeline }),
  };
}

/**
 * Watches edits: one that changes the architecture a running job trains stops it (said in the
 * notice); ending compare mode forgets model B's run (the worker resets its job with the slot).
 */
export function connectTraining(store: AppStore, runtime: Pick<TrainingRuntime, 'stopTraining'>): () => void {
  let noticeId = 1_000_000; // apart from the actions' ids
  return store.subscribe((s, prev) => {
    const stopped: string[] = [];
    for (const slot of ['a', 'b'] as const) {
      const run = s.training.runs[slot];
      const spec = slot === 'a' ? s.spec : s.compare?.specB;
      const before = slot === 'a' ? prev.spec : prev.compare?.specB;
      if (!run || spec === before) continue;
      if (slot === 'b' && !spec) {
        store.setState({ training: { ...store.getState().training, runs: { ...store.getState().training.runs, b: null } } });
        continue;
      }
      if (spec && isActive(run) && architecture(spec) !== architecture(run.spec)) {
        void runtime.stopTraining(slot).catch(() => undefined);
        stopped.push(slot === 'a' ? 'the model' : 'model B');
      }
    }
    if (stopped.length)
      store.setState({
        training: {
          ...store.getState().training,
          notice: { id: ++noticeId, tone: 'warning', text: `Training stopped: the edit changed ${stopped.join(' and ')}'s architecture, so the trained weights no longer fit it. Press Train to train the new model.` },
        },
      });
  });
}
