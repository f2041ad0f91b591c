/**
 * Experiments in the page, as state (issue 18): the definition in the Experiments panel, where its
 * run stands (one progress bar), its result so far, and the results kept in this browser. The store
 * makes the actions (`experimentsActions`) on the runtime and storage it is given.
 *
 * Data flows one way, as for training (src/state/training.ts): Run asks the worker
 * (workers/experiments.ts, always on WASM); its progress reports move `progress` and append the
 * runs that finished to `result`; the panel reads both. After every finished run the result is kept
 * (src/state/experimentStore.ts, keyed by experimentKey(definition)), so a reload keeps the runs
 * that finished and Run goes on with the ones missing. Storage that is full or unavailable is said
 * in one sentence; the result stays on the page.
 */
import { proxy } from 'comlink';
import { findPreset } from '../presets';
import { errorParts } from '../spec/errors';
import type { Experiment, ExperimentProgress, ExperimentResult, ExperimentRun, Variant } from '../spec/experiment';
import { readExperiment } from '../spec/experimentSchema';
import type { Recipe } from '../spec/recipe';
import type { Spec } from '../spec/types';
import { planRuns } from '../train/experiment';
import { findTask } from '../train/tasks/registry';
import type { ExperimentStorage, KeptSummary } from './experimentStore';
import type { RuntimeApi } from './host';
import type { AppState, CompareState } from './store';
import { canonical, storageProblem } from './trainedStore';

export interface ExperimentsState {
  /** The one in the panel. */
  definition: Experiment;
  status: 'idle' | 'running' | 'stopping' | 'done' | 'stopped' | 'failed';
  /** Of the run under way. */
  progress: ExperimentProgress | null;
  /** Of `definition`: kept or being run (runs so far). */
  result: ExperimentResult | null;
  /** Results kept in this browser, newest first. */
  kept: { key: string; title: string; runs: number; finished?: string }[];
  /** One sentence: a refusal, storage full, a failure. */
  notice: string | null;
}

export interface ExperimentsActions {
  /** Validated with readExperiment; refused → notice, definition unchanged; opens its kept result if any. */
  setDefinition(e: Experiment): boolean;
  /** Runs the runs `result` lacks (done ones skipped), keeps the result after every run. */
  run(): Promise<void>;
  stop(): void;
  /** A kept result and its definition. */
  open(key: string): Promise<void>;
  forget(key: string): Promise<void>;
  /** A starting definition: model A (and B in compare mode) with the Train panel's recipe, seeds [1, 2], measures accuracy + loss. */
  fromModels(): Experiment;
}

/** What the experiment actions ask of the runtime (the worker host in the page; fakes in tests). */
export type ExperimentsRuntime = Pick<RuntimeApi, 'runExperiment' | 'stopExperiment'>;

/** FNV-1a over the UTF-16 code units of `text`, from `seed` (two seeds give a 64-bit key). */
function fnv1a(text: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * The kept result's key of `e`: a hash of what decides its runs (variants, sweep, recipe, seeds,
 * measures, probe). The title and the question only describe it, so renaming keeps the result.
 */
export function experimentKey(e: Experiment): string {
  const { title: _title, question: _question, ...runs } = e;
  const text = canonical(runs);
  return `x${fnv1a(text, 0x811c9dc5)}${fnv1a(text, 0x9e3779b9)}`;
}

/** Whether a run counts as finished (kept, skipped by a resumed Run): a stopped or failed one is run again. */
export const isFinished = (run: ExperimentRun): boolean => run.status === 'done' || run.status === 'diverged';

const sameRun = (a: ExperimentRun, b: ExperimentRun) => a.variant === b.variant && a.sweep === b.sweep && a.seed === b.seed;

/** `runs` with `add` in place of the runs of the same (variant, sweep value, seed), the others appended. */
export function mergeRuns(runs: readonly ExperimentRun[], add: readonly ExperimentRun[]): ExperimentRun[] {
  const out = [...runs];
  for (const run of add) {
    const at = out.findIndex((r) => sameRun(r, run));
    if (at >= 0) out[at] = run;
    else out.push(run);
  }
  return out;
}

/** How many runs `e` has in all (null when it cannot be planned: the runner will say why). */
function plannedRuns(e: Experiment): number | null {
  try {
    return planRuns(e).length;
  } catch {
    return null;
  }
}

/** The status a kept result opens with: done when every run finished, else stopped (Run goes on). */
function keptStatus(result: ExperimentResult): ExperimentsState['status'] {
  const planned = plannedRuns(result.experiment);
  return planned !== null && result.runs.filter(isFinished).length >= planned ? 'done' : 'stopped';
}

const taskTitle = (r: Recipe) => findTask(r.task)?.title.toLowerCase() ?? r.task;

/** A definition of the models on screen: A (its preset id while unedited) and B in compare mode, with `recipe`, seeds 1 and 2, accuracy and loss. */
export function modelsExperiment(spec: Spec, presetId: string | null, recipe: Recipe, compare: Pick<CompareState, 'specB' | 'label'> | null = null): Experiment {
  const nameA = (presetId && findPreset(presetId)?.title) || spec.name;
  const variants: Variant[] = [{ label: nameA, model: presetId && findPreset(presetId) ? presetId : spec }];
  if (compare) {
    const nameB = compare.label || compare.specB.name;
    variants.push({ label: nameB === nameA ? `${nameB} (B)` : nameB, model: compare.specB });
    if (nameB === nameA) variants[0]!.label = `${nameA} (A)`;
  }
  return {
    title: compare ? `${variants[0]!.label} against ${variants[1]!.label} on ${taskTitle(recipe)}` : `${nameA} on ${taskTitle(recipe)}`,
    variants,
    recipe,
    seeds: [1, 2],
    measures: [{ kind: 'accuracy' }, { kind: 'loss' }],
  };
}

/** Definitions the store started with (not set by anyone): a link leaves them out. */
const defaults = new WeakSet<Experiment>();

/** Whether `e` is the definition the store started with (no one set it): links and the kept "last" leave it out. */
export const isDefaultDefinition = (e: Experiment): boolean => defaults.has(e);

export function initialExperiments(spec: Spec, presetId: string | null, recipe: Recipe): ExperimentsState {
  const definition = modelsExperiment(spec, presetId, recipe);
  defaults.add(definition);
  return { definition, status: 'idle', progress: null, result: null, kept: [], notice: null };
}

/** Resolves once the kept list and the last definition are read at start (tests, e2e). */
const readiness = new WeakMap<ExperimentsActions, Promise<void>>();
export const experimentsReady = (s: Pick<AppState, 'experimentsActions'>): Promise<void> => readiness.get(s.experimentsActions) ?? Promise.resolve();

/**
 * The actions, on `runtime` and `storage`. Without a runtime (tests of state alone) Run refuses
 * with a notice; without storage (a browser that has none) results are not kept, said once a run
 * finishes.
 */
export function experimentsActions(get: () => AppState, set: (part: Partial<ExperimentsState>) => void, runtime: ExperimentsRuntime | null, storage: ExperimentStorage | null): ExperimentsActions {
  /** Run requests so far: a report or answer of an older one is ignored. */
  let asked = 0;
  /** Whether the definition was set (a link, a lesson, the panel) before the start-up read of the last one ended: then it wins. */
  let touched = false;
  /** Saves in order: one after another. */
  let saving: Promise<void> = Promise.resolve();
  /** Whether this run's failure to keep was said already (said once per Run). */
  let keepFailureSaid = false;
  const state = () => get().experiments;
  const notice = (text: string | null) => set({ notice: text });
  const running = () => state().status === 'running' || state().status === 'stopping';

  const refreshKept = async () => {
    if (!storage) return;
    const list = await storage.list();
    set({ kept: list.sort((a, b) => b.savedAt.localeCompare(a.savedAt)).map(({ savedAt: _savedAt, ...k }: KeptSummary) => k) });
  };

  /** Keeps `result` (queued after earlier saves); a failure is said once per run, and the result stays on the page. */
  const keep = (result: ExperimentResult) => {
    const key = experimentKey(result.experiment);
    saving = saving.then(async () => {
      try {
        if (!storage) throw Object.assign(new Error('no IndexedDB'), { name: 'InvalidStateError' });
        await storage.put({ v: 1, key, result, savedAt: new Date().toISOString() });
        await refreshKept();
      } catch (e) {
        if (keepFailureSaid) return;
        keepFailureSaid = true;
        notice(`The results could not be kept in this browser: ${storageProblem(e)}. They stay on this page until you reload; export them as CSV or JSON to keep them.`);
      }
    });
    return saving;
  };

  /** Shows `e` with its kept result, if any (read from storage; the definition may have changed meanwhile). */
  const openKept = async (e: Experiment) => {
    if (!storage) return;
    const key = experimentKey(e);
    try {
      const entry = await storage.get(key);
      if (!entry || entry.v !== 1 || running() || experimentKey(state().definition) !== key) return;
      set({ result: { ...entry.result, experiment: state().definition }, status: keptStatus(entry.result), progress: null });
    } catch (err) {
      notice(`Results kept in this browser could not be read: ${storageProblem(err)}. Nothing else was lost.`);
    }
  };

  /** Puts `e` in the panel (checked already); its kept result follows when there is one. */
  const show = (e: Experiment) => {
    const same = experimentKey(e) === experimentKey(state().definition);
    // The same runs under another title keep the result on screen.
    if (same) return set({ definition: e, ...(state().result ? { result: { ...state().result!, experiment: e } } : {}) });
    set({ definition: e, result: null, progress: null, status: 'idle' });
    void openKept(e);
  };

  const actions: ExperimentsActions = {
    setDefinition(e) {
      if (running()) {
        notice('An experiment is running: stop it before changing the definition.');
        return false;
      }
      const r = readExperiment(e);
      if (!r.ok) {
        notice(`The experiment was refused: ${r.errors[0] ?? 'it is not valid'}${r.errors.length > 1 ? ` (and ${r.errors.length - 1} more)` : ''}. The definition is unchanged.`);
        return false;
      }
      touched = true;
      notice(null);
      show(r.experiment);
      void storage?.setLast(r.experiment).catch(() => undefined); // the reload's starting point; a failure here loses nothing on the page
      return true;
    },

    async run() {
      if (running()) return notice('An experiment is already running: stop it first, or wait for it to finish.');
      if (!runtime) return notice('There is no runtime to run the experiment with.');
      const def = state().definition;
      let planned: number;
      try {
        planned = planRuns(def).length; // an unknown preset, a bad sweep path, a model that cannot give a measure: said before anything runs
      } catch (e) {
        return notice(`The experiment cannot run: ${errorParts(e).message}. Change the definition.`);
      }
      const before = state().result;
      const done = (before?.runs ?? []).filter(isFinished);
      if (done.length >= planned) return notice('Every run of this experiment has finished: its results are below. Forget them to run it again.');
      const ticket = ++asked;
      keepFailureSaid = false;
      const result: ExperimentResult = { experiment: def, runs: before?.runs ?? [], provider: 'wasm', started: before?.started ?? new Date().toISOString() };
      set({ status: 'running', progress: null, notice: null, result });
      const mine = () => ticket === asked && state().definition === def;
      const onProgress = (p: ExperimentProgress) => {
        if (!mine()) return;
        if (!p.finished.length) return set({ progress: p });
        const next = { ...state().result!, runs: mergeRuns(state().result?.runs ?? [], p.finished) };
        set({ progress: p, result: next });
        void keep(next);
      };
      try {
        const res = await runtime.runExperiment(def, done, proxy(onProgress));
        if (!mine()) return;
        const stopped = state().status === 'stopping' || res.runs.some((r) => r.status === 'stopped');
        const final: ExperimentResult = { ...res, experiment: def, started: result.started, runs: mergeRuns(state().result?.runs ?? [], res.runs) };
        const failed = final.runs.filter((r) => r.status === 'failed');
        set({ result: final, status: stopped ? 'stopped' : 'done', progress: null });
        if (failed.length) notice(`${failed.length} run${failed.length === 1 ? '' : 's'} failed (${failed[0]!.label}, seed ${failed[0]!.seed}: ${failed[0]!.message ?? 'no reason given'}); Run tries ${failed.length === 1 ? 'it' : 'them'} again.`);
        await keep(final);
      } catch (e) {
        if (!mine()) return;
        const kept = (state().result?.runs ?? []).filter(isFinished).length;
        set({ status: 'failed', progress: null });
        notice(`The experiment failed: ${errorParts(e).message}.${kept ? ` The ${kept} finished run${kept === 1 ? ' is' : 's are'} kept; Run goes on with the rest.` : ''}`);
      }
    },

    stop() {
      if (state().status !== 'running' || !runtime) return;
      set({ status: 'stopping' });
      void runtime.stopExperiment().catch(() => undefined);
    },

    async open(key) {
      if (running()) return notice('An experiment is running: stop it before opening another.');
      if (!storage) return notice("This browser keeps no results (its storage is unavailable here).");
      try {
        const entry = await storage.get(key);
        if (!entry) return notice('That result is no longer kept in this browser.');
        const r = readExperiment(entry.result.experiment);
        if (!r.ok) return notice(`That kept result cannot be opened: ${r.errors[0]}.`);
        touched = true;
        set({ definition: r.experiment, result: { ...entry.result, experiment: r.experiment }, status: keptStatus(entry.result), progress: null, notice: null });
        void storage.setLast(r.experiment).catch(() => undefined);
      } catch (e) {
        notice(`Results kept in this browser could not be read: ${storageProblem(e)}. Nothing else was lost.`);
      }
    },

    async forget(key) {
      const current = experimentKey(state().definition) === key;
      if (current && running()) return notice('This experiment is running: stop it before forgetting its results.');
      if (current) set({ result: null, progress: null, status: 'idle' });
      if (!storage) return;
      try {
        await saving; // a save in flight lands first, then goes
        await storage.delete(key);
        await refreshKept();
        notice(null);
      } catch (e) {
        notice(`The kept results could not be deleted from this browser: ${storageProblem(e)}.`);
      }
    },

    fromModels() {
      const s = get();
      return modelsExperiment(s.spec, s.presetId, s.training.recipe, s.compare);
    },
  };

  // At start (once the store exists): the kept list, and the last definition unless a link or a
  // lesson set one meanwhile; the definition shown gets its kept result.
  const ready = (async () => {
    await null;
    if (!storage) return;
    try {
      await refreshKept();
      const last = touched ? undefined : await storage.last();
      const r = last === undefined ? null : readExperiment(last);
      if (r?.ok && !touched && !running()) show(r.experiment);
      else if (!touched) await openKept(state().definition);
    } catch (e) {
      notice(`Results kept in this browser could not be read: ${storageProblem(e)}. Nothing else was lost.`);
    }
  })();
  readiness.set(actions, ready);
  return actions;
}
