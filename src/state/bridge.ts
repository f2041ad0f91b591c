/**
 * The bridge from the store to the inference workers: latest wins.
 *
 * Every edit of the spec or the text sends a request with a new id (the worker uses the newest id
 * to abandon older work early): at once when nothing is running for that model, else once edits
 * pause for 25 ms, so a burst of typing sends its first and its last state. A result is stored
 * only if its id is still the newest, so a run overtaken by a newer edit is dropped, never drawn.
 * The model's statistics are asked for with the same request and stored by the same rule. In
 * compare mode the second model (B) runs through the same pipeline as a second slot, with its own
 * latest-wins. What the host says about the runtime (progress, a restarted worker, a switch of
 * backend) becomes state here; when it asks, the models on screen are sent again. A training
 * report (src/state/training.ts) sends the slot's model again too: the views follow the weights.
 */
import type { AnalysisRequest, MapView, ModelSlot } from '../../workers/api';
import type { HostEvent, RuntimeApi } from './host';
import type { Spec } from '../spec/types';
import { selectInput, type AppState, type AppStore, type RunStatus, type ShownResult } from './store';
import { openedRequest, type OpenedModelState } from './opened';
import { needsText } from '../opened/inputs';
import { tokenizeFor } from '../opened/tokenizers';
import type { Tokenized } from '../spec/vocab';
import { connectLatency } from './latency';
import { connectTraining } from './training';

export interface BridgeOptions {
  /** Quiet time after an edit before a request is sent while one is running (ms). */
  debounceMs?: number;
}

/** What a model slot reads and writes in the store: A is the model edited, B the compare model. */
interface SlotIo {
  slot: ModelSlot;
  /** The slot's model, or null when the slot is off (no compare model). */
  spec(s: AppState): Spec | null;
  /** The slot's opened ONNX model, which runs instead of `spec` when there is one. */
  opened(s: AppState): OpenedModelState | null;
  shown(s: AppState): { result: ShownResult | null; map: MapView | null };
  write(s: AppState, patch: { run?: RunStatus; result?: ShownResult | null; map?: MapView | null }): Partial<AppState>;
}

const SLOT_A: SlotIo = {
  slot: 'a',
  spec: (s) => s.spec,
  opened: (s) => s.opened.a,
  shown: (s) => ({ result: s.result, map: s.map }),
  write: (_s, patch) => patch,
};

const SLOT_B: SlotIo = {
  slot: 'b',
  spec: (s) => s.compare?.specB ?? null,
  opened: (s) => (s.compare ? s.opened.b : null),
  shown: (s) => ({ result: s.compare?.resultB ?? null, map: s.compare?.mapB ?? null }),
  write: (s, { run, result, map }) =>
    s.compare ? { compare: { ...s.compare, ...(run ? { run } : {}), ...(result !== undefined ? { resultB: result } : {}), ...(map !== undefined ? { mapB: map } : {}) } } : {},
};

/** Connects `store` to `api`; returns a function that disconnects it. */
export function connectBridge(store: AppStore, api: RuntimeApi, opts: BridgeOptions = {}): () => void {
  const debounceMs = opts.debounceMs ?? 25;
  let nextId = 0; // shared by both slots, so an id names one request
  const latest: Record<ModelSlot, number> = { a: -1, b: -1 };
  /** Whether the newest request of each slot is still unanswered. */
  const running: Record<ModelSlot, boolean> = { a: false, b: false };
  const timers: Record<ModelSlot, ReturnType<typeof setTimeout> | null> = { a: null, b: null };
  let changeId = 0;
  let connected = true;

  const onEvent = (e: HostEvent) => {
    if (!connected) return;
    switch (e.kind) {
      case 'loading':
        if (store.getState().runtime.phase === 'loading') store.setState({ runtime: { phase: 'loading', loaded: e.loaded, total: e.total } });
        return;
      case 'stage':
        store.setState((s) => {
          const io = e.slot === 'a' ? SLOT_A : SLOT_B;
          const run = e.slot === 'a' ? s.run : s.compare?.run;
          return run?.phase === 'running' && run.id === e.id ? io.write(s, { run: { phase: 'running', id: e.id, stage: e.stage } }) : {};
        });
        return;
      case 'ready':
        store.setState({ runtime: { phase: 'ready', info: e.info } });
        return;
      case 'changed':
        store.setState({ runtimeChange: { id: ++changeId, tone: e.tone, text: e.text } });
        if (e.rerun) for (const io of [SLOT_A, SLOT_B]) schedule(io);
        return;
      case 'failed':
        store.setState({ runtime: { phase: 'failed', message: e.message } });
        return;
      case 'busy':
        store.setState({ workerBusy: e.busy });
        return;
      default:
        return;
    }
  };
  api.init(onEvent).then(
    (info) => {
      if (connected && store.getState().runtime.phase !== 'ready') store.setState({ runtime: { phase: 'ready', info } });
    },
    (e: unknown) => {
      if (connected) store.setState({ runtime: { phase: 'failed', message: errorText(e) } });
    },
  );

  const set = (io: SlotIo, patch: Parameters<SlotIo['write']>[1]) => store.setState((s) => io.write(s, patch));

  const send = (io: SlotIo) => {
    timers[io.slot] = null;
    const s = store.getState();
    const spec = io.spec(s);
    if (!spec) return;
    const id = nextId++;
    latest[io.slot] = id;
    const opened = io.opened(s);
    if (opened) {
      sendOpened(io, id, opened, spec, s);
      return;
    }
    const input = selectInput(s);
    if (input.ids.length === 0) return idle(io, id);
    dispatch(io, { id, slot: io.slot, spec, tokens: input.ids, view: s.view }, input);
  };

  /** Nothing to run (no text): the slot shows nothing, and whatever the worker was doing is moot now. */
  const idle = (io: SlotIo, id: number) => {
    void api.supersede(id, io.slot).catch(() => undefined);
    set(io, { run: { phase: 'idle' }, result: null, map: null });
  };

  /**
   * An opened model's request: the text through its tokenizer (GPT-2's loads on first use, so this
   * waits a turn), or no text at all for a model that takes none (an image model).
   */
  const sendOpened = (io: SlotIo, id: number, opened: OpenedModelState, spec: Spec, s: AppState) => {
    running[io.slot] = true;
    set(io, { run: { phase: 'running', id } });
    const text = needsText(opened.info) ? tokenizeFor(opened.tokenizer, s.text) : Promise.resolve(null);
    text.then(
      (tokens) => {
        if (id !== latest[io.slot]) return;
        if (tokens && tokens.ids.length === 0) {
          running[io.slot] = false;
          return idle(io, id);
        }
        const input: Tokenized = { ids: tokens?.ids ?? [], pieces: tokens?.pieces ?? [], unknown: [], truncatedFrom: null };
        dispatch(io, { id, slot: io.slot, spec, tokens: input.ids, view: store.getState().view, opened: openedRequest(opened, tokens?.ids ?? null) }, input);
      },
      (e: unknown) => {
        if (id !== latest[io.slot]) return;
        running[io.slot] = false;
        set(io, { run: { phase: 'failed', id, message: errorText(e) } });
      },
    );
  };

  /** Sends `req` and stores its answer if it is still the newest of its slot. */
  const dispatch = (io: SlotIo, req: AnalysisRequest, input: Tokenized) => {
    const id = req.id;
    running[io.slot] = true;
    set(io, { run: { phase: 'running', id } });
    const settled = () => {
      if (id === latest[io.slot]) running[io.slot] = false;
    };
    api.analyse(req).then(
      (data) => {
        settled();
        if (data.id !== latest[io.slot]) {
          store.setState((st) => ({ dropped: st.dropped + 1 }));
          return;
        }
        // A WebGPU session can fall back to WASM inside its worker: the result says which ran.
        const runtime = store.getState().runtime;
        if (runtime.phase === 'ready' && runtime.info.backend.provider !== data.backend.provider) store.setState({ runtime: { phase: 'ready', info: { ...runtime.info, backend: data.backend } } });
        // A model fed no text (an image model) names its positions.
        const shownInput = req.opened && req.opened.ids === null ? { ...input, pieces: Array.from({ length: data.T }, (_, i) => String(i)) } : input;
        set(io, { run: { phase: 'done', id }, result: { data, spec: req.spec, input: shownInput, ...(req.opened ? { opened: req.opened } : {}) }, map: data.map });
        if (io.slot === 'a')
          api.memory().then(
            (m) => {
              if (id === latest.a) store.setState({ memory: { ...m, resultId: id } });
            },
            () => undefined,
          );
        fetchMap(io); // the view may have changed while the model ran
      },
      (e: unknown) => {
        settled();
        if (id !== latest[io.slot]) {
          store.setState((st) => ({ dropped: st.dropped + 1 }));
          return;
        }
        set(io, { run: { phase: 'failed', id, message: errorText(e) } });
      },
    );
    if (io.slot === 'a' && !req.opened) {
      // Statistics are asked for after the analysis, so they fill a gap in its work instead of delaying it (no weights are drawn).
      api.stats(req).then(
        (data) => {
          if (id === latest.a) store.setState({ stats: { data, spec: req.spec, T: req.tokens.length } });
        },
        () => undefined, // the analysis reports the same problem
      );
    }
  };

  /** Asks the worker for the map of the selected view when the one on screen is another. */
  const fetchMap = (io: SlotIo) => {
    const s = store.getState();
    const { result, map } = io.shown(s);
    const { view } = s;
    if (!result || (map && map.id === result.data.id && map.layer === view.layer && map.head === view.head)) return;
    if (result.precomputed) {
      set(io, { map: result.precomputed.mapOf(view) }); // the build computed every (layer, head): no worker needed
      return;
    }
    const id = result.data.id;
    api.map(id, view).then(
      (m) => {
        const now = store.getState();
        if (m && io.shown(now).result?.data.id === id && now.view.layer === m.layer && now.view.head === m.head) set(io, { map: m });
      },
      () => undefined, // a newer result brings its own map
    );
  };

  /** Whether a send is queued for the end of the current task. */
  const queued: Record<ModelSlot, boolean> = { a: false, b: false };
  /**
   * When idle, sends at the end of the current task (a microtask: one action's several changes make
   * one request, and it leaves before React re-renders the editor); while a request runs, after a
   * pause in the edits.
   */
  const schedule = (io: SlotIo) => {
    // From the edit on, the model on screen is not the newest: never say "ready" while one waits to be sent.
    const run = io.slot === 'a' ? store.getState().run : store.getState().compare?.run;
    if (run && run.phase !== 'running') set(io, { run: { phase: 'running', id: latest[io.slot] } });
    const t = timers[io.slot];
    if (t !== null) clearTimeout(t);
    timers[io.slot] = null;
    if (!running[io.slot] && t === null) {
      if (queued[io.slot]) return;
      queued[io.slot] = true;
      queueMicrotask(() => {
        if (!queued[io.slot]) return;
        queued[io.slot] = false;
        if (connected) send(io);
      });
      return;
    }
    queued[io.slot] = false;
    timers[io.slot] = setTimeout(() => send(io), debounceMs);
  };

  const unsubscribe = store.subscribe((s, prev) => {
    if (prev.compare && !s.compare) void api.releaseSlot('b').catch(() => undefined);
    for (const io of [SLOT_A, SLOT_B]) {
      const spec = io.spec(s);
      if (!spec) continue;
      // A training report moved the weights: the views run again on the job's new ones.
      const trained = s.training.weightsVersion !== prev.training.weightsVersion && (s.training.runs[io.slot] || prev.training.runs[io.slot]);
      // An opened model runs again when the text or how it is fed changes, not on edits of the playground's model.
      const edited = io.opened(s) ? false : spec !== io.spec(prev) || trained;
      if (edited || s.text !== prev.text || io.opened(s) !== io.opened(prev)) schedule(io);
      else if (s.view !== prev.view) fetchMap(io);
    }
  });
  schedule(SLOT_A);

  const disconnectLatency = connectLatency(store, api);
  const disconnectTraining = connectTraining(store, api);

  return () => {
    connected = false;
    unsubscribe();
    disconnectLatency();
    disconnectTraining();
    for (const t of Object.values(timers)) if (t !== null) clearTimeout(t);
    latest.a = latest.b = -1;
  };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
