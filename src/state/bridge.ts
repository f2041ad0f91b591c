/**
 * The bridge from the store to the inference worker: debounced, latest wins.
 *
 * Every edit of the spec or the text sends a request with a new id once edits pause for 25 ms (the
 * worker uses the newest id to abandon older work early); a result is stored only if its id is
 * still the newest, so a run overtaken by a newer edit is dropped, never drawn. The model's
 * statistics are asked for with the same request and stored by the same rule.
 */
import type { AnalysisRequest, InferenceApi } from '../../workers/api';
import { selectInput, type AppStore } from './store';

export interface BridgeOptions {
  /** Quiet time after an edit before a request is sent (ms). */
  debounceMs?: number;
}

/** Connects `store` to `api`; returns a function that disconnects it. */
export function connectBridge(store: AppStore, api: InferenceApi, opts: BridgeOptions = {}): () => void {
  const debounceMs = opts.debounceMs ?? 25;
  let nextId = 0;
  let latest = -1;
  let timer: ReturnType<typeof setTimeout> | null = null;

  api.init().then(
    (info) => store.setState({ runtime: { phase: 'ready', info } }),
    (e: unknown) => store.setState({ runtime: { phase: 'failed', message: errorText(e) } }),
  );

  const send = () => {
    timer = null;
    const s = store.getState();
    const input = selectInput(s);
    const id = nextId++;
    latest = id;
    if (input.ids.length === 0) {
      void api.supersede(id).catch(() => undefined); // whatever the worker was doing is moot now
      store.setState({ run: { phase: 'idle' }, result: null, map: null });
      return;
    }
    const req: AnalysisRequest = { id, spec: s.spec, tokens: input.ids, view: s.view };
    store.setState({ run: { phase: 'running', id } });
    // Statistics come first and fast (no weights are drawn); an over-budget model is then refused by analyse.
    api.stats(req).then(
      (data) => {
        if (id === latest) store.setState({ stats: { data, spec: req.spec, T: req.tokens.length } });
      },
      () => undefined, // the analysis reports the same problem
    );
    api.analyse(req).then(
      (data) => {
        if (data.id !== latest) {
          store.setState((st) => ({ dropped: st.dropped + 1 }));
          return;
        }
        // The backend can change under us (WebGPU falling back to WASM): the result says which ran.
        const runtime = store.getState().runtime;
        const info = runtime.phase === 'ready' && runtime.info.backend !== data.backend ? { runtime: { phase: 'ready' as const, info: { ...runtime.info, backend: data.backend } } } : {};
        store.setState({ run: { phase: 'done', id }, result: { data, spec: req.spec, input }, map: data.map, ...info });
        fetchMap(); // the view may have changed while the model ran
      },
      (e: unknown) => {
        if (id !== latest) {
          store.setState((st) => ({ dropped: st.dropped + 1 }));
          return;
        }
        store.setState({ run: { phase: 'failed', id, message: errorText(e) } });
      },
    );
  };

  /** Asks the worker for the map of the selected view when the one on screen is another. */
  const fetchMap = () => {
    const { result, view, map } = store.getState();
    if (!result || (map && map.id === result.data.id && map.layer === view.layer && map.head === view.head)) return;
    const id = result.data.id;
    api.map(id, view).then(
      (m) => {
        const now = store.getState();
        if (m && now.result?.data.id === id && now.view.layer === m.layer && now.view.head === m.head) store.setState({ map: m });
      },
      () => undefined, // a newer result brings its own map
    );
  };

  const schedule = () => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(send, debounceMs);
  };

  const unsubscribe = store.subscribe((s, prev) => {
    if (s.spec !== prev.spec || s.text !== prev.text) schedule();
    else if (s.view !== prev.view) fetchMap();
  });
  schedule();

  return () => {
    unsubscribe();
    if (timer !== null) clearTimeout(timer);
    latest = -1;
  };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
