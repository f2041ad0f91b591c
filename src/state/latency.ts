/**
 * The latency panel's state and its link to the worker: the fast and inspect graphs' latencies
 * after each drawn result (asked for once the map is on screen, so they never delay it; model B's
 * fast latency too in compare mode, in rounds that alternate with A's so that both see the same
 * moments of the machine), the per-block breakdown and the sweep against T on demand, and the
 * sweeps kept to compare (pinned, named, removed). The store makes the actions (`latencyActions`)
 * with the runtime it is given; `connectLatency` (called by the bridge) measures the figures of
 * each drawn result.
 */
import { proxy } from 'comlink';
import type { BreakdownResult, LatencyFigure, SweepProgress, SweepResult, SweepSeries } from '../../workers/api';
import type { RuntimeApi } from './host';
import type { Spec } from '../spec/types';
import { median } from '../analysis/spread';
import type { AppState, AppStore, ShownResult } from './store';

export type { BreakdownResult, LatencyFigure, SweepProgress, SweepResult, SweepSeries };
export { SWEEP_MAX_T } from '../../workers/api';

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
  /** Compare mode: rounds of (A, B) fast timings done for the pair on screen, of COMPARE_ROUNDS. */
  compareRounds: number;
  breakdown: Measurement<BreakdownResult>;
  /** A cancelled sweep is 'done' with `data.cancelled`. */
  sweep: Measurement<SweepResult, SweepProgress>;
  /** Sweeps kept to compare with the next ones, oldest first. */
  pinned: PinnedSweep[];
}

/** A sweep kept under a name. */
export interface PinnedSweep {
  id: number;
  name: string;
  /** The name of the model it measured. */
  model: string;
  data: SweepResult;
}

/** Longest name of a pinned sweep. */
export const SWEEP_NAME_MAX = 60;

export interface LatencyActions {
  /** Times every block of the model drawn, at the length of its text. */
  runBreakdown(): void;
  /** Sweeps the current model's fast graph over `lengths`. */
  runSweep(lengths: number[]): void;
  /** Stops the running sweep within one step. */
  cancelSweep(): void;
  /** Keeps the finished sweep under a name (the model's unless given), beside the next ones. */
  pinSweep(name?: string): void;
  /** Renames a pinned sweep; returns why a name was refused (empty, too long), or null. */
  renameSweep(id: number, name: string): string | null;
  removeSweep(id: number): void;
}

export const initialLatency = (): LatencyState => ({ fast: null, inspect: null, fastB: null, compareRounds: 0, breakdown: { phase: 'idle' }, sweep: { phase: 'idle' }, pinned: [] });

const notConnected = (): void => undefined;
/** Actions of a store made without a runtime (tests of state alone): they do nothing. */
export const disconnectedLatencyActions: LatencyActions = {
  runBreakdown: notConnected,
  runSweep: notConnected,
  cancelSweep: notConnected,
  pinSweep: notConnected,
  renameSweep: () => 'the runtime is not connected',
  removeSweep: notConnected,
};

/** Why `name` cannot name a sweep, or null. */
export function sweepNameProblem(name: string): string | null {
  const n = name.trim();
  if (!n) return 'a sweep needs a name';
  if (n.length > SWEEP_NAME_MAX) return `a name has at most ${SWEEP_NAME_MAX} characters (this one has ${n.length})`;
  return null;
}

/**
 * The figure `f` with the runs of `prev` added when both measure the same thing (same result,
 * mode and backend); else `f`. Compare mode measures in rounds, and every round's runs count.
 */
export function poolFigure(prev: LatencyFigure | null, f: LatencyFigure): LatencyFigure {
  if (!prev || prev.id !== f.id || prev.mode !== f.mode || prev.provider !== f.provider || prev.T !== f.T) return f;
  const samplesMs = [...prev.samplesMs, ...f.samplesMs];
  return { ...f, samplesMs, runs: samplesMs.length, medianMs: median(samplesMs) };
}

/** What the latency panel asks of the runtime. */
export type LatencyRuntime = Pick<RuntimeApi, 'latency' | 'breakdown' | 'sweep' | 'cancelSweep'>;

/**
 * The latency panel's actions on `runtime`: the store makes them once, when it is made, reading
 * the state with `get` and writing the panel's part of it with `setLatency`.
 */
export function latencyActions(get: () => AppState, setLatency: (part: Partial<LatencyState>) => void, runtime: LatencyRuntime): LatencyActions {
  let sweepRun = 0;
  let pinId = 0;
  return {
    runBreakdown: () => {
      const result = get().result;
      if (!result || get().latency.breakdown.phase === 'running') return;
      const spec = result.spec;
      if (result.opened) {
        setLatency({ breakdown: { phase: 'failed', spec, message: 'The per-block breakdown times the blocks of a playground model; an opened model is timed whole.' } });
        return;
      }
      setLatency({ breakdown: { phase: 'running', spec, progress: null } });
      runtime.breakdown({ id: result.data.id, spec, tokens: result.input.ids }).then(
        (data) => setLatency({ breakdown: { phase: 'done', spec, data } }),
        (e: unknown) => setLatency({ breakdown: { phase: 'failed', spec, message: errorText(e) } }),
      );
    },
    runSweep: (lengths) => {
      const spec = get().spec;
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
      runtime.sweep({ spec, lengths }, proxy(onProgress)).then(
        (data) => finish({ phase: 'done', spec, data }),
        (e: unknown) => finish({ phase: 'failed', spec, message: errorText(e) }),
      );
    },
    cancelSweep: () => void runtime.cancelSweep().catch(() => undefined),
    pinSweep: (name) => {
      const { sweep, pinned } = get().latency;
      if (sweep.phase !== 'done') return;
      const base = (name ?? '').trim() || sweep.spec.name;
      const taken = new Set(pinned.map((p) => p.name));
      let unique = base.slice(0, SWEEP_NAME_MAX);
      for (let k = 2; taken.has(unique); k++) unique = `${base.slice(0, SWEEP_NAME_MAX - 4)} #${k}`;
      setLatency({ pinned: [...pinned, { id: ++pinId, name: unique, model: sweep.spec.name, data: sweep.data }], sweep: { phase: 'idle' } });
    },
    renameSweep: (id, name) => {
      const problem = sweepNameProblem(name);
      if (problem) return problem;
      setLatency({ pinned: get().latency.pinned.map((p) => (p.id === id ? { ...p, name: name.trim() } : p)) });
      return null;
    },
    removeSweep: (id) => setLatency({ pinned: get().latency.pinned.filter((p) => p.id !== id) }),
  };
}

/** Rounds of (A fast, B fast) in compare mode. */
export const COMPARE_ROUNDS = 3;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Quiet time after a drawn result before its latency is measured (ms): timing holds the worker
 * for a few warm runs, and an edit arriving meanwhile would wait for the run in progress. While
 * someone is editing, the figures wait; they come once the edits pause.
 */
export const FIGURES_DELAY_MS = 300;

/** Measures the latency figures of each result `store` draws, on `api`; returns a function that disconnects it. */
export function connectLatency(store: AppStore, api: LatencyRuntime, opts: { delayMs?: number } = {}): () => void {
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
    const req = { id, slot: 'a' as const, spec: result.spec, tokens: result.input.ids, opened: result.opened };
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
    api.latency({ id, slot: 'b', spec: result.spec, tokens: result.input.ids, opened: result.opened }, 'fast').then(
      (figure) => {
        if (store.getState().compare?.resultB?.data.id === id) setLatency({ fastB: figure });
      },
      () => undefined,
    );
  };

  /** One fast figure of `slot`'s result on screen, pooled (when `pool`) with the runs already there; resolves when answered either way. */
  const timeFast = async (slot: 'a' | 'b', pool: boolean) => {
    const shown = () => (slot === 'a' ? store.getState().result : store.getState().compare?.resultB ?? null);
    const result = shown();
    if (!result) return;
    const { id } = result.data;
    try {
      const figure = await api.latency({ id, slot, spec: result.spec, tokens: result.input.ids, opened: result.opened }, 'fast');
      if (shown()?.data.id !== id) return;
      const key = slot === 'a' ? 'fast' : 'fastB';
      setLatency({ [key]: pool ? poolFigure(store.getState().latency[key], figure) : figure });
    } catch {
      // overtaken by a newer edit, whose result asks again
    }
  };
  let generation = 0;
  /** Compare mode: A's and B's fast figures in alternate rounds (drift on the machine then reaches both), then A's inspect figure. */
  const timePair = async () => {
    const gen = ++generation;
    setLatency({ compareRounds: 0 });
    for (let round = 0; round < COMPARE_ROUNDS; round++) {
      if (!connected || gen !== generation) return;
      await timeFast('a', round > 0); // the first round starts afresh: the figures pool one set of rounds
      if (!connected || gen !== generation) return;
      await timeFast('b', round > 0);
      if (gen === generation) setLatency({ compareRounds: round + 1 });
    }
    if (!connected || gen !== generation) return;
    const result = store.getState().result;
    if (!result) return;
    const { id } = result.data;
    api.latency({ id, slot: 'a', spec: result.spec, tokens: result.input.ids, opened: result.opened }, 'inspect').then(
      (figure) => {
        if (store.getState().result?.data.id === id) setLatency({ inspect: figure });
      },
      () => undefined,
    );
  };


  const measureAll = () => {
    if (store.getState().result && store.getState().compare?.resultB) return void timePair();
    generation++; // a pair of rounds still going stops
    timeResult();
    timeB();
  };
  /** A result of the same graph and text as the one before (only its weights moved, by training): same latency, relabelled. */
  const weightsOnly = (a: ShownResult | null | undefined, b: ShownResult | null | undefined) => !!a && !!b && a.spec === b.spec && a.input === b.input;
  const unsubscribe = store.subscribe((s, prev) => {
    const a = s.result !== prev.result;
    const b = s.compare?.resultB !== prev.compare?.resultB;
    if (!a && !b) return;
    const measured = !a || s.latency.fast?.id === prev.result?.data.id; // else a measurement is still owed
    if (measured && (!a || weightsOnly(s.result, prev.result)) && (!b || weightsOnly(s.compare?.resultB, prev.compare?.resultB))) {
      const { fast, inspect, fastB } = s.latency;
      const id = s.result?.data.id;
      const idB = s.compare?.resultB?.data.id;
      const relabel = <F extends { id: number } | null>(f: F, from: number | undefined, to: number | undefined): F => (f && to !== undefined && f.id === from ? { ...f, id: to } : f);
      setLatency({ fast: relabel(fast, prev.result?.data.id, id), inspect: relabel(inspect, prev.result?.data.id, id), fastB: relabel(fastB, prev.compare?.resultB?.data.id, idB) });
      return;
    }
    later(measureAll);
  });
  later(measureAll);
  return () => {
    connected = false;
    if (timer !== null) clearTimeout(timer);
    unsubscribe();
  };
}
