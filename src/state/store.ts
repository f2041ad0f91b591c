/**
 * The app's store: the spec and the text (what the person edits), what the views look at, and the
 * derived results. Edits are actions on the spec; results come only from the bridge.
 */
import { temporal, type TemporalState } from 'zundo';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { findPreset } from '../presets';
import { DEFAULT_TEXT, defaultSpec } from '../spec/defaults';
import { applyEdit, type Edit, type EditResult } from '../spec/edits';
import { layerSchedule } from '../spec/schedule';
import { editedLayer, firstRunOf } from './follow';
import { LIMITS } from '../spec/schema';
import type { Spec } from '../spec/types';
import { tokenize, type Tokenized } from '../spec/vocab';
import type { AnalysisResult, AnalysisStage, ContinueProgress, ContinueRequest, ContinueResult, DecodeSweepProgress, DecodeSweepResult, EvictionCostProgress, EvictionCostRequest, EvictionCostResult, MapView, ModelStats, PruneRequest, PruneResult, ServingAnswer, ServingRequest, WorkerInfo, WorkerMemory } from '../../workers/api';

export type { ServingAnswer, ServingRequest };
import { proxy } from 'comlink';
import type { BackendChoice } from './host';
import { disconnectedLatencyActions, initialLatency, latencyActions, type LatencyActions, type LatencyRuntime, type LatencyState } from './latency';
import type { RuntimeApi } from './host';
import { initialTraining, trainingActions, type TrainingActions, type TrainingRuntime, type TrainingState } from './training';
import { experimentsActions, initialExperiments, type ExperimentsActions, type ExperimentsRuntime, type ExperimentsState } from './experiments';
import type { ExperimentStorage } from './experimentStore';
import { defaultTokenizer, initialOpened, openedKey, type OpenedModelState, type OpenedRuntime, type OpenedState } from './opened';
import type { OpenedInfo } from '../opened/types';
import type { OpenedRequest } from '../../workers/api';

export type { AnalysisResult, BackendChoice, MapView, ModelStats };
export { CONTINUE_MAX } from '../../workers/api';
export type { EvictionCell, EvictionCostResult } from '../../workers/api';

/** A result as the views hold it: the data, and the spec and tokens it was computed on. */
export type { PruneResult };

export interface ShownResult {
  data: AnalysisResult;
  spec: Spec;
  input: Tokenized;
  /** Set on the result computed at build time (src/state/firstLook.ts), shown until the first live one: its maps by view. */
  precomputed?: { mapOf(view: ViewSelection): MapView | null };
  /** Set on an opened model's result: what it was run on (latency asks for the same). `spec` is then the playground's, not what ran. */
  opened?: OpenedRequest;
}

/** Compare mode's model B and its own result and map (the same text and view as A). */
export interface CompareState {
  specB: Spec;
  label: string;
  run: RunStatus;
  resultB: ShownResult | null;
  mapB: MapView | null;
}

/** Which layer and head the views show. */
export interface ViewSelection {
  layer: number;
  head: number;
}

/** The state of the runtime in the active worker (`loaded`/`total`: bytes of its WebAssembly module downloaded so far). */
export type RuntimeStatus =
  | { phase: 'loading'; loaded?: number; total?: number | null }
  | { phase: 'ready'; info: WorkerInfo }
  | { phase: 'failed'; message: string };

/** The state of the latest analysis (`stage`: what the worker is doing for it). */
export type RunStatus =
  | { phase: 'idle' }
  | { phase: 'running'; id: number; stage?: AnalysisStage }
  | { phase: 'done'; id: number }
  | { phase: 'failed'; id: number; message: string };

/** The last thing the editor did or refused, for the visible message and screen readers. */
export interface EditNotice {
  /** Grows with every notice, so the same text twice is still announced. */
  id: number;
  tone: 'done' | 'refused';
  text: string;
}

export interface AppState {
  spec: Spec;
  text: string;
  view: ViewSelection;
  runtime: RuntimeStatus;
  /** What last happened to the runtime (a worker restarted, a switch of backend), until the next. */
  runtimeChange: { id: number; tone: 'info' | 'warning'; text: string } | null;
  /** Whether a worker is working on any request (an analysis, latency figures, a sweep). */
  workerBusy: boolean;
  /** The execution provider wanted: WebGPU where there is an adapter ("auto"), or one of them. */
  backendChoice: BackendChoice;
  /** Chooses the execution provider (connected to the workers by the bridge). */
  setBackend(choice: BackendChoice): void;
  /** Whether an edit of one layer moves the views to that layer's first run (a preference of this browser, never in links). */
  followEdits: boolean;
  setFollowEdits(on: boolean): void;
  run: RunStatus;
  /** The newest result drawn, with the spec and tokens it was computed on. */
  result: ShownResult | null;
  /** Compare mode: a second model B on the same text, or null. */
  compare: CompareState | null;
  /** Starts compare mode with `specB` as model B (`label` says where it came from), or replaces B. */
  setCompareModel(specB: Spec, label: string): void;
  stopCompare(): void;
  /**
   * Opened ONNX models (src/state/opened.ts): per slot, the file that replaces the playground's
   * model in the views. `openModel` reads and checks the file in the worker and, only when it is
   * accepted, puts it in the slot (B starts compare mode); it rejects with one sentence otherwise,
   * and nothing the person had changes. `closeModel` goes back to the playground's model (B: ends
   * compare mode).
   */
  opened: OpenedState;
  openModel(slot: 'a' | 'b', file: { name: string; bytes: Uint8Array }): Promise<OpenedInfo>;
  closeModel(slot: 'a' | 'b'): void;
  /** Changes how the opened model of `slot` is fed (its tokenizer, its other inputs). */
  setOpenedFeed(slot: 'a' | 'b', patch: Partial<Pick<OpenedModelState, 'tokenizer' | 'others'>>): void;
  /** The map on screen: the selected layer run and head of the newest result (fetched from the worker on a change of view). */
  map: MapView | null;
  /** Results that arrived after a newer edit and were dropped. */
  dropped: number;
  /** The preset the spec came from, until the spec is edited. */
  presetId: string | null;
  /** What the last edit did, or why it was refused. */
  notice: EditNotice | null;
  /** A message above the page (a link that could not be opened, saved work that could not be restored), until dismissed. */
  banner: { tone: 'error' | 'info'; text: string } | null;
  dismissBanner(): void;
  /** Parts of the page that failed to draw (their error boundary caught an error), for the status line. */
  viewFailures: { what: string; message: string }[];
  /** Records that the part `what` failed with `message`, or (null) that it draws again. */
  setViewFailure(what: string, message: string | null): void;
  /** The active worker's memory after the newest result (`resultId` says which). */
  memory: (WorkerMemory & { resultId: number }) | null;
  /** Statistics of the newest request's model, with the spec and T they were computed for. */
  stats: { data: ModelStats; spec: Spec; T: number } | null;
  /** What the edit that made this spec did, in words (for "Undid: …"). */
  lastEdit: string;

  /** The ONNX file of the current model at the current text's length, as the page runs it (set by the bridge). */
  exportOnnx(mode: 'inspect' | 'fast'): Promise<Uint8Array>;
  /** Classroom mode (from the link): parts of the page hidden, and whether the lesson is locked. */
  classroom: { hide: string[]; locked: boolean };
  /** The lesson being followed, and its step (0-based), or null. */
  lesson: { id: string; step: number } | null;
  setLesson(lesson: { id: string; step: number } | null): void;
  setText(text: string): void;
  /**
   * Applies an edit of the spec (undoable); a refused edit changes nothing but the notice. While
   * `classroom.locked`, only the lesson (`by: 'lesson'`) may change the model.
   */
  edit(edit: Edit, by?: 'lesson'): EditResult;
  /** Sets the layer count, clamped to its range (the layer stepper). */
  setLayerCount(n: number): void;
  /** Replaces the model with a preset's (the text stays). */
  loadPreset(id: string): void;
  undo(): void;
  redo(): void;
  selectLayer(layer: number): void;
  selectHead(head: number): void;
  /** Both at once (one map request, not two). */
  selectView(layer: number, head: number): void;
  /**
   * The model's continuation of `result`'s text (workers/generate.ts): `count` characters, greedy
   * or sampled. `onProgress` hears the characters made so far, one by one. Rejects without a
   * runtime, and with an Error named "Superseded" once the text or model is edited.
   */
  continueText(result: ShownResult, choice: ContinueChoice, onProgress: (p: ContinueProgress) => void): Promise<ContinueResult>;
  /**
   * The exact eviction re-run of `result`'s text (workers/evictionCost.ts): KL per step per policy
   * and budget, and a trained model's task accuracy. Rejects without a runtime, and with an Error
   * named "Superseded" once the text or model is edited.
   */
  evictionCost(result: ShownResult, choice: EvictionChoice, onProgress: (p: EvictionCostProgress) => void): Promise<EvictionCostResult>;
  /**
   * Prefill against decode (workers/decodeLatency.ts) of the model being edited and, in compare
   * mode, model B, at each of `lengths`. `onProgress` hears after every point. Rejects without a runtime.
   */
  decodeSweep(lengths: number[], onProgress: (p: DecodeSweepProgress) => void): Promise<DecodeSweepResult>;
  /** Stops the decode sweep under way before its next point. */
  cancelDecodeSweep(): void;
  /** The last decode sweep that finished, with the spec model A had (the serving projection checks its decode bound against it). */
  decodeMeasured: { spec: Spec; result: DecodeSweepResult } | null;
  /** The serving projection's view of a spec, built in the worker (workers/servingModel.ts). Rejects without a runtime. */
  serving(req: ServingRequest): Promise<ServingAnswer>;
  /**
   * Prunes or merges `result`'s tokens (workers/prune.ts) and measures the change. Rejects without
   * a runtime, with the refusal of a model that cannot be reduced, and with Superseded after an edit.
   */
  reduceTokens(result: ShownResult, choice: Pick<PruneRequest, 'method' | 'afterRun' | 'keep'>): Promise<PruneResult>;
  /** The latency panel: the inspect graph's latency, the per-block breakdown, the sweep (src/state/latency.ts). */
  latency: LatencyState;
  /** Its measurements on demand (connected to the worker by the bridge). */
  latencyActions: LatencyActions;
  /** Training in the page: the recipe, each slot's run, the timeline (src/state/training.ts). */
  training: TrainingState;
  trainingActions: TrainingActions;
  /** Experiments: the definition in the panel, its run and result, the results kept (src/state/experiments.ts). */
  experiments: ExperimentsState;
  experimentsActions: ExperimentsActions;
  /**
   * The map of any (layer run, head) of `result` (the eviction table reads every head): from the
   * build's maps, or the worker's (null once the worker has moved on to a newer analysis).
   */
  mapOf(result: ShownResult, view: ViewSelection): Promise<MapView | null>;
}

/** What undo and redo restore: the spec and the preset it came from. */
type History = Pick<AppState, 'spec' | 'presetId' | 'lastEdit'>;

export type AppStore = StoreApi<AppState> & { temporal: StoreApi<TemporalState<History>> };

/** Why an edit is refused in a locked classroom. */
export const LOCKED_REASON = 'this lesson is locked, so the model cannot be changed here.';

/** Edits remembered for undo. */
export const UNDO_LIMIT = 200;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The opened model's result on screen in slot A, or null while the playground's model is shown. */
export const openedResult = (s: Pick<AppState, 'opened' | 'result'>): ShownResult | null => (s.opened.a && s.result?.opened ? s.result : null);

/**
 * The view, kept inside the model on screen: the spec's layer runs and heads, or, while an opened
 * model is shown, its result's (only a run tells an opened model's layers and heads).
 */
const viewWithin = (view: ViewSelection, s: Pick<AppState, 'spec' | 'opened' | 'result'>): ViewSelection => {
  const opened = openedResult(s);
  const layers = opened ? opened.data.nLayers : layerSchedule(s.spec).length;
  const heads = opened ? opened.data.nHeads : s.spec.nHeads;
  return { layer: clamp(view.layer, 0, layers - 1), head: clamp(view.head, 0, heads - 1) };
};

/** What the store's actions ask of the runtime (the worker host in the page; fakes in tests). */
export type StoreRuntime = Pick<RuntimeApi, 'exportOnnx' | 'choose'> & LatencyRuntime & Partial<OpenedRuntime> & Partial<Pick<RuntimeApi, 'continueText' | 'evictionCost' | 'map' | 'serving' | 'reduceTokens' | 'decodeSweep' | 'cancelDecodeSweep'> & TrainingRuntime & ExperimentsRuntime>;

/** How a continuation chooses its characters (the rest of the request comes from the result on screen). */
export type ContinueChoice = Pick<ContinueRequest, 'count' | 'mode' | 'temperature' | 'topK' | 'seed'>;
export type { ContinueResult, DecodeSweepProgress, DecodeSweepResult, DecodeSweepSeries, TokenStep } from '../../workers/api';

/** Which policies and budgets the eviction re-run measures (the rest comes from the result on screen). */
export type EvictionChoice = Pick<EvictionCostRequest, 'budgets' | 'policies' | 'examples' | 'cachePositions'>;

/**
 * A new store holding the default model and text (or `initial`'s). Its actions are made here, once,
 * on the `runtime` it is given; nothing replaces them later. Without a runtime (tests of state
 * alone), the actions that need one refuse or do nothing.
 */
export function createAppStore(initial?: { spec?: Spec; text?: string; backendChoice?: BackendChoice; runtime?: StoreRuntime; experimentStorage?: ExperimentStorage | null }): AppStore {
  const runtime = initial?.runtime ?? null;
  let noticeId = 0;
  const store = createStore<AppState>()(
    temporal(
      (set, get) => ({
        spec: initial?.spec ?? defaultSpec(),
        text: initial?.text ?? DEFAULT_TEXT,
        view: { layer: 0, head: 0 },
        runtime: { phase: 'loading' },
        runtimeChange: null,
        workerBusy: false,
        backendChoice: initial?.backendChoice ?? 'auto',
        setBackend: (backendChoice) => {
          set({ backendChoice });
          void runtime?.choose?.(backendChoice);
        },
        followEdits: true,
        setFollowEdits: (followEdits) => set({ followEdits }),
        run: { phase: 'idle' },
        result: null,
        map: null,
        dropped: 0,
        presetId: initial?.spec ? null : 'default',
        notice: null,
        banner: null,
        dismissBanner: () => set({ banner: null }),
        viewFailures: [],
        setViewFailure: (what, message) =>
          set((s) => {
            const others = s.viewFailures.filter((f) => f.what !== what);
            if (message === null && others.length === s.viewFailures.length) return {};
            return { viewFailures: message === null ? others : [...others, { what, message }] };
          }),
        stats: null,
        memory: null,
        lastEdit: '',

        exportOnnx: (mode) => {
          if (!runtime) return Promise.reject(new Error('there is no runtime to build the model with'));
          const s = get();
          const T = selectInput(s).ids.length;
          if (!T) return Promise.reject(new Error('type some text first: the model is built for the length of the text'));
          return runtime.exportOnnx(s.spec, T, mode);
        },
        compare: null,
        setCompareModel: (specB, label) => set((s) => ({ compare: { specB, label, run: { phase: 'idle' }, resultB: null, mapB: null }, opened: { ...s.opened, b: null } })),
        stopCompare: () => set((s) => ({ compare: null, opened: { ...s.opened, b: null } })),
        opened: initialOpened(),
        openModel: async (slot, file) => {
          if (!runtime?.openModel) throw new Error('there is no runtime to open the model with');
          const key = openedKey(file.name);
          const info = await runtime.openModel(slot, key, file.bytes, file.name);
          const m: OpenedModelState = { key, info, tokenizer: defaultTokenizer(info), others: {} };
          set((s) => ({
            opened: { ...s.opened, [slot]: m },
            ...(slot === 'b' ? { compare: { specB: s.spec, label: file.name, run: { phase: 'idle' as const }, resultB: null, mapB: null } } : {}),
            ...(slot === 'a' ? { view: { layer: 0, head: 0 } } : {}),
          }));
          return info;
        },
        closeModel: (slot) => {
          if (!get().opened[slot]) return;
          void runtime?.closeModel?.(slot)?.catch(() => undefined);
          set((s) => ({ opened: { ...s.opened, [slot]: null }, ...(slot === 'b' ? { compare: null } : { view: { layer: 0, head: 0 } }) }));
        },
        setOpenedFeed: (slot, patch) =>
          set((s) => {
            const m = s.opened[slot];
            return m ? { opened: { ...s.opened, [slot]: { ...m, ...patch } } } : {};
          }),
        classroom: { hide: [], locked: false },
        lesson: null,
        setLesson: (lesson) => set({ lesson }),
        setText: (text) => set({ text }),
        edit: (e, by) => {
          const s = get();
          if (s.classroom.locked && by !== 'lesson') return refuseLocked();
          const r = applyEdit(s.spec, e);
          if (!r.ok) {
            set({ notice: { id: ++noticeId, tone: 'refused', text: `Refused: ${r.reason}` } });
            return r;
          }
          const presetId = e.type === 'replace' ? s.presetId : null;
          const layer = s.followEdits ? editedLayer(e) : null;
          const run = layer === null ? null : firstRunOf(r.spec, layer);
          const view = viewWithin(run === null ? s.view : { ...s.view, layer: run }, { ...s, spec: r.spec });
          set({ spec: r.spec, presetId, lastEdit: r.summary, view, notice: { id: ++noticeId, tone: 'done', text: r.summary } });
          return r;
        },
        setLayerCount: (n) => {
          if (!Number.isFinite(n)) return;
          const count = clamp(Math.round(n), LIMITS.layers.min, LIMITS.layers.max);
          if (count !== get().spec.layers.length) get().edit({ type: 'setLayerCount', count });
        },
        loadPreset: (id) => {
          const preset = findPreset(id);
          if (!preset) return;
          if (!get().edit({ type: 'replace', spec: preset.spec(), what: `Loaded the preset ${preset.title}.` }).ok) return;
          set({ presetId: id, view: { layer: 0, head: 0 } });
        },
        undo: () => step('undo'),
        redo: () => step('redo'),
        selectLayer: (layer) => set((s) => ({ view: viewWithin({ ...s.view, layer }, s) })),
        selectHead: (head) => set((s) => ({ view: viewWithin({ ...s.view, head }, s) })),
        selectView: (layer, head) => set((s) => ({ view: viewWithin({ layer, head }, s) })),
        continueText: (result, choice, onProgress) => {
          if (!runtime?.continueText) return Promise.reject(new Error('there is no runtime to run the model with'));
          const req: ContinueRequest = { ...choice, id: result.data.id, slot: 'a', spec: result.spec, tokens: result.input.ids };
          return runtime.continueText(req, proxy(onProgress));
        },
        decodeSweep: (lengths, onProgress) => {
          if (!runtime?.decodeSweep) return Promise.reject(new Error('there is no runtime to run the model with'));
          const { spec, compare } = get();
          const models = [{ slot: 'a' as const, spec }, ...(compare ? [{ slot: 'b' as const, spec: compare.specB }] : [])];
          return runtime.decodeSweep({ models, lengths }, proxy(onProgress)).then((result) => {
            set({ decodeMeasured: { spec, result } });
            return result;
          });
        },
        decodeMeasured: null,
        cancelDecodeSweep: () => void runtime?.cancelDecodeSweep?.().catch(() => undefined),
        mapOf: (result, view) => {
          if (result.precomputed) return Promise.resolve(result.precomputed.mapOf(view));
          return runtime?.map ? runtime.map(result.data.id, view) : Promise.resolve(null);
        },
        evictionCost: (result, choice, onProgress) => {
          if (!runtime?.evictionCost) return Promise.reject(new Error('there is no runtime to run the model with'));
          const req: EvictionCostRequest = { ...choice, id: result.data.id, slot: 'a', spec: result.spec, tokens: result.input.ids };
          return runtime.evictionCost(req, proxy(onProgress));
        },
        serving: (req) => (runtime?.serving ? runtime.serving(req) : Promise.reject(new Error('there is no runtime to compile the model with'))),
        reduceTokens: (result, choice) => {
          if (!runtime?.reduceTokens) return Promise.reject(new Error('there is no runtime to run the model with'));
          return runtime.reduceTokens({ ...choice, id: result.data.id, slot: 'a', spec: result.spec, tokens: result.input.ids });
        },
        latency: initialLatency(),
        latencyActions: runtime ? latencyActions(get, (part) => set((s) => ({ latency: { ...s.latency, ...part } })), runtime) : disconnectedLatencyActions,
        training: initialTraining(),
        trainingActions: trainingActions(get, (part) => set((s) => ({ training: { ...s.training, ...part } })), runtime?.train ? (runtime as TrainingRuntime) : null),
        experiments: initialExperiments(initial?.spec ?? defaultSpec(), initial?.spec ? null : 'default', initialTraining().recipe),
        experimentsActions: experimentsActions(
          get,
          (part) => set((s) => ({ experiments: { ...s.experiments, ...part } })),
          runtime?.runExperiment ? (runtime as ExperimentsRuntime) : null,
          initial?.experimentStorage ?? null,
        ),
      }),
      {
        partialize: (s): History => ({ spec: s.spec, presetId: s.presetId, lastEdit: s.lastEdit }),
        equality: (a, b) => a.spec === b.spec,
        limit: UNDO_LIMIT,
      },
    ),
  );

  /** Undo or redo one edit, keep the view inside the restored model, and say what happened. */
  /** Classroom lock: the model stays the lesson's; the notice says why an edit did nothing. */
  function refuseLocked(): EditResult {
    store.setState({ notice: { id: ++noticeId, tone: 'refused', text: `Refused: ${LOCKED_REASON}` } });
    return { ok: false, reason: LOCKED_REASON };
  }

  function step(direction: 'undo' | 'redo') {
    if (store.getState().classroom.locked) {
      refuseLocked();
      return;
    }
    const t = store.temporal.getState();
    const available = direction === 'undo' ? t.pastStates.length : t.futureStates.length;
    if (!available) {
      store.setState({ notice: { id: ++noticeId, tone: 'refused', text: `Nothing to ${direction}.` } });
      return;
    }
    const undone = store.getState().lastEdit;
    t[direction]();
    const s = store.getState();
    const text = direction === 'undo' ? `Undid: ${undone}` : `Redid: ${s.lastEdit}`;
    store.setState({ view: viewWithin(s.view, s), notice: { id: ++noticeId, tone: 'done', text } });
  }

  return store;
}

/** The tokens of the current text, memoised on (text, maxLen). */
export const selectInput = (() => {
  let key = '';
  let last: Tokenized | null = null;
  return (s: Pick<AppState, 'text' | 'spec'>): Tokenized => {
    const k = `${s.spec.maxLen}\u0000${s.text}`;
    if (!last || k !== key) {
      key = k;
      last = tokenize(s.text, s.spec.maxLen);
    }
    return last;
  };
})();
