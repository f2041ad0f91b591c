/**
 * The latency panel's state and its link to the worker: the fast and inspect graphs' latencies
 * after each drawn result (asked for once the map is on screen, so they never delay it; model B's
 * fast latency too in compare mode), the per-block breakdown and the sweep against T on demand. `connectLatency` (called
 * by the bridge) puts the actions into the store; until then they say the runtime is not connected.
 */
import { proxy } from 'comlink';
import type { BreakdownResult, LatencyFigure, SweepProgress, SweepResult } from '../../workers/api';
import type { RuntimeApi } from './host';
import type { Spec } from '../spec/types';
import type { AppStore } from './store';

export type { BreakdownResult, LatencyFigure, SweepProgress, SweepResult };

/** An on-demand measurement: what it was run on, and where it stands. */
export type Measurement<R, P = never> =
  | { phase: 'idle' }
  | { phase: 'running'; spec: Spec; progress: P | null }
  | { phase: 'done'; spec: Spec; data: R }
  | { phase: 'failed'; spec: Spec | null; message: string };

export interface LatencyState {
  /** The fast graph's latency for the result drawn (id says which): what latency means. */
  fast: LatencyFigure | null;
  /** The inspect graph's latency for the result drawn. */
  inspect: LatencyFigure | null;
  /** The fast graph's latency for compare model B's result drawn. */
  fastB: LatencyFigure | null;
  breakdown: Measurement<BreakdownResult>;
  /** A cancelled sweep is 'done' with `data.cancelled`. */
  sweep: Measurement<SweepResult, SweepProgress>;
}

export interface LatencyActions {
  /** Times every block of the model drawn, at the length of its text. */
  runBreakdown(): void;
  /** Sweeps the current model's fast graph over `lengths`. */
  runSweep(lengths: number[]): void;
  /** Stops the running sweep within one step. */
  cancelSweep(): void;
}

export const initialLatency = (): LatencyState => ({ fast: null, inspect: null, fastB: null, breakdown: { phase: 'idle' }, sweep: { phase: 'idle' } });

const notConnected = (): void => undefined;
/** Actions before the worker is connected: they do nothing. */
export const disconnectedLatencyActions: LatencyActions = { runBreakdown: notConnected, runSweep: notConnected, cancelSweep: notConnected };

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Connects the latency panel of `store` to `api`; returns a function that disconnects it. */
/**
 * Quiet time after a drawn result before its latency is measured (ms): timing holds the worker
 * for a few warm runs, and an edit arriving meanwhile would wait for the run in progress. While
 * someone is editing, the figures wait; they come once the edits pause.
 */
export const FIGURES_DELAY_MS = 300;

export function connectLatency(store: AppStore, api: Pick<RuntimeApi, 'latency' | 'breakdown' | 'sweep' | 'cancelSweep'>, opts: { delayMs?: number } = {}): () => void {
  const delayMs = opts.delayMs ?? FIGURES_DELAY_MS;
  let connected = true;
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** Measures the figures of the result on screen once results stop coming for `delayMs`. */
  const later = (measure: () => void) => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (connected) measure();
    }, delayMs);
  };
  const setLatency = (part: Partial<LatencyState>) => {
    if (connected) store.setState((s) => ({ latency: { ...s.latency, ...part } }));
  };

  /** The fast then the inspect figure of each new result, once its map is drawn; an overtaken one is dropped. */
  const timeResult = () => {
    const result = store.getState().result;
    if (!result) return;
    const { id } = result.data;
    const req = { id, slot: 'a' as const, spec: result.spec, tokens: result.input.ids };
    for (const mode of ['fast', 'inspect'] as const)
      api.latency(req, mode).then(
        (figure) => {
          if (store.getState().result?.data.id === id) setLatency(mode === 'fast' ? { fast: figure } : { inspect: figure });
        },
        () => undefined, // overtaken by a newer edit, whose result asks again
      );
  };

  /** Model B's fast figure in compare mode. */
  const timeB = () => {
    const result = store.getState().compare?.resultB;
    if (!result) return;
    const { id } = result.data;
    api.latency({ id, slot: 'b', spec: result.spec, tokens: result.input.ids }, 'fast').then(
      (figure) => {
        if (store.getState().compare?.resultB?.data.id === id) setLatency({ fastB: figure });
      },
      () => undefined,
    );
  };

  let sweepRun = 0;
  const actions: LatencyActions = {
    runBreakdown: () => {
      const result = store.getState().result;
      if (!result || store.getState().latency.breakdown.phase === 'running') return;
      const spec = result.spec;
      setLatency({ breakdown: { phase: 'running', spec, progress: null } });
      api.breakdown({ id: result.data.id, spec, tokens: result.input.ids }).then(
        (data) => setLatency({ breakdown: { phase: 'done', spec, data } }),
        (e: unknown) => setLatency({ breakdown: { phase: 'failed', spec, message: errorText(e) } }),
      );
    },
    runSweep: (lengths) => {
      const spec = store.getState().spec;
      const run = ++sweepRun; // a newer sweep replaces this one's reports
      let finished = false; // progress comes through its own port and may land after the answer
      const current = () => run === sweepRun && !finished;
      setLatency({ sweep: { phase: 'running', spec, progress: null } });
      const onProgress = (progress: SweepProgress) => {
        if (current()) setLatency({ sweep: { phase: 'running', spec, progress } });
      };
      const finish = (sweep: LatencyState['sweep']) => {
        if (current()) setLatency({ sweep });
        finished = true;
      };
      api.sweep({ spec, lengths }, proxy(onProgress)).then(
        (data) => finish({ phase: 'done', spec, data }),
        (e: unknown) => finish({ phase: 'failed', spec, message: errorText(e) }),
      );
    },
    cancelSweep: () => void api.cancelSweep().catch(() => undefined),
  };
  store.setState({ latencyActions: actions });

  const measureAll = () => {
    timeResult();
    timeB();
  };
  const unsubscribe = store.subscribe((s, prev) => {
    if (s.result !== prev.result || s.compare?.resultB !== prev.compare?.resultB) later(measureAll);
  });
  later(measureAll);
  return () => {
    connected = false;
    if (timer !== null) clearTimeout(timer);
    unsubscribe();
    store.setState({ latencyActions: disconnectedLatencyActions });
  };
}
