/**
 * Trained weights kept in the browser (IndexedDB), so they survive a reload. When model A's run
 * ends (done, stopped or diverged), its weights (from the worker: trainedWeights) and its history
 * (every step's report, the evaluations, the snapshots, thinned when large) are saved, keyed by the
 * model's architecture (the spec less its seed) and the recipe. When the page starts, an entry for
 * the current model and recipe is given back to the worker (restoreTraining) and shown as run A
 * with its saved status: the badge, the charts and the views read it as they read any run.
 *
 * Only model A's run is kept (compare mode's B is not). Reset shows the initial weights but keeps
 * the saved copy (said in the panel); "Forget trained weights" (`forget`) deletes it and resets.
 * Storage that is full (QuotaExceededError) or unavailable (a private window, blocked storage) is
 * said in one line; the run stays on the page and nothing else is touched.
 *
 * The storage is a tiny interface (`KeepStorage`): IndexedDB in the page, an in-memory fake in tests.
 */
import type { ModelSlot, RestoreRequest, TrainedWeights, TrainSnapshot } from '../../workers/api';
import type { Spec } from '../spec/types';
import type { Evaluation, Recipe } from '../train/run';
import { findTask } from '../train/tasks/registry';
import type { StepReport } from '../train/trainer';
import type { RuntimeApi } from './host';
import type { AppStore } from './store';
import { architecture, isActive, type TrainingRun } from './training';
import { errorParts } from '../spec/errors';

/** One kept run: what it takes to show it again and to give its weights back to the worker. */
export interface KeptRun {
  v: 1;
  /** keptKey(spec, recipe). */
  key: string;
  spec: Spec;
  recipe: Recipe;
  status: 'done' | 'stopped' | 'diverged';
  step: number;
  steps: number;
  message?: string;
  reports: StepReport[];
  evaluations: Evaluation[];
  snapshots: TrainSnapshot[];
  /** Whether reports or snapshots were thinned to fit (see thin). */
  thinned: boolean;
  weights: TrainedWeights['weights'];
  /** When it was saved (ISO time). */
  savedAt: string;
}

/** Where kept runs live: IndexedDB in the page, a fake in tests. Each method rejects with the storage's error. */
export interface KeepStorage {
  get(key: string): Promise<KeptRun | undefined>;
  put(run: KeptRun): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Reports kept at most (every step's beyond this are thinned to an even spread, the last kept). */
export const MAX_KEPT_REPORTS = 20_000;
/** Bytes of snapshots kept at most (beyond, every other snapshot is dropped until they fit). */
export const MAX_KEPT_SNAPSHOT_BYTES = 16 * 1024 * 1024;

/** A JSON text with the keys of every object in sorted order (undefined fields left out): equal values give equal texts (the keys of kept recipes and experiments). */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The key of a model (its architecture: the spec less its seed) trained by a recipe. */
export const keptKey = (spec: Spec, recipe: Recipe): string => `${architecture(spec)}\n${canonical(recipe)}`;

const snapshotBytes = (s: TrainSnapshot) => s.thumbs.reduce((n, t) => n + t.byteLength, 0) + s.entropy.reduce((n, e) => n + e.byteLength, 0) + s.map.values.byteLength;

/** The history of `run` within the limits above: reports spread evenly (the last kept), snapshots halved until they fit. */
export function thin(run: Pick<TrainingRun, 'reports' | 'snapshots'>): { reports: StepReport[]; snapshots: TrainSnapshot[]; thinned: boolean } {
  let reports = run.reports;
  let snapshots = run.snapshots;
  if (reports.length > MAX_KEPT_REPORTS) {
    const every = Math.ceil(reports.length / MAX_KEPT_REPORTS);
    reports = reports.filter((_, i) => i % every === every - 1 || i === run.reports.length - 1);
  }
  while (snapshots.length > 1 && snapshots.reduce((n, s) => n + snapshotBytes(s), 0) > MAX_KEPT_SNAPSHOT_BYTES) snapshots = snapshots.filter((_, i) => i % 2 === 1);
  return { reports, snapshots, thinned: reports !== run.reports || snapshots !== run.snapshots };
}

/** KeepStorage on IndexedDB (database "tp-trained", store "runs"), or null where there is none. */
export function indexedDbStorage(factory: IDBFactory | null | undefined): KeepStorage | null {
  if (!factory) return null;
  let db: Promise<IDBDatabase> | null = null;
  const open = () =>
    (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open('tp-trained', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('runs', { keyPath: 'key' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
    }).catch((e: unknown) => {
      db = null; // tried again next time
      throw e;
    }));
  const request = async <R>(mode: IDBTransactionMode, make: (s: IDBObjectStore) => IDBRequest): Promise<R> => {
    const tx = (await open()).transaction('runs', mode);
    return new Promise<R>((resolve, reject) => {
      let result: R;
      const req = make(tx.objectStore('runs'));
      req.onsuccess = () => (result = req.result as R);
      tx.oncomplete = () => resolve(result);
      // A full disk fails the transaction (QuotaExceededError), not always the request.
      tx.onerror = tx.onabort = () => reject(tx.error ?? req.error ?? new Error('the IndexedDB transaction failed'));
    });
  };
  return {
    get: (key) => request<KeptRun | undefined>('readonly', (s) => s.get(key)),
    put: (run) => request<void>('readwrite', (s) => s.put(run)),
    delete: (key) => request<void>('readwrite', (s) => s.delete(key)),
  };
}

/** What the Train panel says about the kept weights. */
export interface KeepState {
  /** none: nothing kept for run A; saved / restored: a copy is kept; failed: the last save or read failed. */
  phase: 'none' | 'saving' | 'saved' | 'restored' | 'failed';
  /** One line for the panel (null: nothing to say). */
  message: string | null;
  tone: 'info' | 'error';
}

export interface Keeping {
  state(): KeepState;
  subscribe(listener: () => void): () => void;
  /** Deletes the kept copy of run A's model and recipe, and resets the runs (the views show the initial weights). */
  forget(): Promise<void>;
  /** The trained-model ONNX file of run A's weights in `mode` at the recipe's T (batch 1). */
  exportTrained(mode: 'inspect' | 'fast'): Promise<Uint8Array>;
  /**
   * Holds an imported trained model's weights as run A (status done, no history) and keeps them;
   * the caller has loaded its spec as the model. Rejects with the worker's reason.
   */
  importTrained(file: { spec: Spec; recipe: Recipe; step: number; weights: TrainedWeights['weights'] }): Promise<void>;
  /** Resolves once the start-up restore is done (tests, e2e). */
  ready: Promise<void>;
  dispose(): void;
}

/** What keeping asks of the runtime. */
export type KeepRuntime = Pick<RuntimeApi, 'trainedWeights'> & {
  restoreTraining(slot: ModelSlot, req: RestoreRequest): Promise<{ job: number; step: number }>;
  exportTrained?(slot: ModelSlot, mode: 'inspect' | 'fast', T: number): Promise<Uint8Array>;
};

const keepings = new WeakMap<AppStore, Keeping>();

/** The keeping connected to `store` (null before connectKeeping, or without one). */
export function keepingOf(store: AppStore): Keeping | null {
  return keepings.get(store) ?? null;
}

/** The storage's error in words: full, unavailable, or its own message (src/state/experiments.ts says it too). */
export function storageProblem(e: unknown): string {
  const name = e instanceof Error || (typeof DOMException !== 'undefined' && e instanceof DOMException) ? (e as Error).name : '';
  if (name === 'QuotaExceededError') return "this browser's storage for the page is full (QuotaExceededError)";
  if (name === 'SecurityError' || name === 'InvalidStateError' || name === 'UnknownError') return `this browser's storage is unavailable here (${name}: a private window or blocked site data)`;
  return `this browser's storage failed (${errorParts(e).message})`;
}

const taskTitle = (r: Recipe) => findTask(r.task)?.title.toLowerCase() ?? r.task;

/**
 * Keeps model A's ended runs in `storage` and restores the current model and recipe's on start.
 * `storage` null: the browser has none (said once a run ends). Registered for keepingOf(store).
 */
export function connectKeeping(store: AppStore, runtime: KeepRuntime, storage: KeepStorage | null): Keeping {
  let state: KeepState = { phase: 'none', message: null, tone: 'info' };
  const listeners = new Set<() => void>();
  const set = (next: KeepState) => {
    state = next;
    listeners.forEach((l) => l());
  };
  const say = (phase: KeepState['phase'], message: string | null, tone: KeepState['tone'] = 'info') => set({ phase, message, tone });
  /** Run A as restored from storage: not saved again until it trains anew. */
  let restoredRun: TrainingRun | null = null;
  let saving = 0;

  const save = async (run: TrainingRun) => {
    const ticket = ++saving;
    const unavailable = (why: string) =>
      say('failed', `The trained weights could not be kept in this browser: ${why}. They stay on this page until you reload; export the trained ONNX to keep them. Nothing else was lost.`, 'error');
    if (!storage) return unavailable("this browser's storage is unavailable here (a private window or blocked site data)");
    say('saving', 'Keeping the trained weights in this browser…');
    try {
      const w = await runtime.trainedWeights('a');
      if (!w) return say('none', null);
      const { reports, snapshots, thinned } = thin(run);
      const key = keptKey(run.spec, run.recipe);
      await storage.put({
        v: 1,
        key,
        spec: run.spec,
        recipe: run.recipe,
        status: run.status as KeptRun['status'],
        step: w.step,
        steps: run.steps,
        ...(run.message ? { message: run.message } : {}),
        reports,
        evaluations: run.evaluations,
        snapshots,
        thinned,
        weights: w.weights,
        savedAt: new Date().toISOString(),
      });
      if (ticket !== saving) return;
      say('saved', `Kept in this browser: ${w.step.toLocaleString('en-US')} steps of ${taskTitle(run.recipe)} come back after a reload${thinned ? ' (the history was thinned to fit)' : ''}.`);
    } catch (e) {
      if (ticket === saving) unavailable(storageProblem(e));
    }
  };

  const restore = async () => {
    const s = store.getState();
    if (s.training.runs.a || !storage) return;
    const key = keptKey(s.spec, s.training.recipe);
    let kept: KeptRun | undefined;
    try {
      kept = await storage.get(key);
    } catch (e) {
      return say('failed', `Trained weights kept in this browser could not be read: ${storageProblem(e)}. Nothing else was lost.`, 'error');
    }
    if (!kept || kept.v !== 1) return;
    try {
      const { job } = await runtime.restoreTraining('a', { spec: kept.spec, recipe: kept.recipe, step: kept.step, weights: kept.weights });
      const now = store.getState();
      // The person started a run or changed the model meanwhile: theirs wins.
      if (now.training.runs.a || keptKey(now.spec, now.training.recipe) !== key) return;
      const run: TrainingRun = {
        slot: 'a',
        spec: kept.spec,
        recipe: kept.recipe,
        status: kept.status,
        job,
        step: kept.step,
        steps: kept.steps,
        reports: kept.reports,
        evaluations: kept.evaluations,
        snapshots: kept.snapshots,
        stepsPerSecond: null,
        ...(kept.message ? { message: kept.message } : {}),
      };
      restoredRun = run;
      store.setState({ training: { ...now.training, runs: { ...now.training.runs, a: run }, weightsVersion: now.training.weightsVersion + 1 } });
      say('restored', `Restored the trained weights kept in this browser: ${kept.step.toLocaleString('en-US')} steps of ${taskTitle(kept.recipe)} (saved ${kept.savedAt.slice(0, 16).replace('T', ' ')} UTC).`);
    } catch (e) {
      say('failed', `Trained weights kept in this browser could not be restored: ${errorParts(e).message}. The initial weights are shown.`, 'error');
    }
  };

  const unsubscribe = store.subscribe((s, prev) => {
    const run = s.training.runs.a;
    const before = prev.training.runs.a;
    if (run === before) return;
    if (run && run !== restoredRun && isActive(before) && (run.status === 'done' || run.status === 'stopped' || run.status === 'diverged')) void save(run);
    else if (!run && before && (state.phase === 'saved' || state.phase === 'restored'))
      say('saved', 'Reset shows the initial weights; the copy kept in this browser stays and comes back after a reload. "Forget trained weights" deletes it.');
  });

  const keeping: Keeping = {
    state: () => state,
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async forget() {
      const s = store.getState();
      const run = s.training.runs.a;
      const key = run ? keptKey(run.spec, run.recipe) : keptKey(s.spec, s.training.recipe);
      saving++; // a save in flight is not reported over this
      s.trainingActions.reset();
      restoredRun = null;
      if (!storage) return say('none', 'Forgot the trained weights (none were kept in this browser).');
      try {
        await storage.delete(key);
        say('none', 'Forgot the trained weights: they are deleted from this browser, and the views show the initial weights.');
      } catch (e) {
        say('failed', `The trained weights could not be deleted from this browser: ${storageProblem(e)}.`, 'error');
      }
    },
    exportTrained(mode) {
      const run = store.getState().training.runs.a;
      if (!run || !runtime.exportTrained) return Promise.reject(new Error('model A has no trained weights: train it (or import a trained model) first'));
      return runtime.exportTrained('a', mode, run.recipe.T);
    },
    async importTrained(file) {
      const { job } = await runtime.restoreTraining('a', { spec: file.spec, recipe: file.recipe, step: file.step, weights: file.weights });
      const now = store.getState();
      const run: TrainingRun = { slot: 'a', spec: file.spec, recipe: file.recipe, status: 'done', job, step: file.step, steps: file.step, reports: [], evaluations: [], snapshots: [], stepsPerSecond: null };
      restoredRun = run;
      store.setState({ training: { ...now.training, recipe: file.recipe, runs: { ...now.training.runs, a: run }, timeline: null, weightsVersion: now.training.weightsVersion + 1 } });
      await save(run);
    },
    ready: restore(),
    dispose: () => {
      unsubscribe();
      keepings.delete(store);
    },
  };
  keepings.set(store, keeping);
  return keeping;
}
