import { describe, expect, it, vi } from 'vitest';
import { COMPARE_ROUNDS, connectLatency } from '../../src/state/latency';
import { createAppStore, type AppState } from '../../src/state/store';
import { tokenize } from '../../src/spec/vocab';
import type { AnalysisRequest, BreakdownResult, InferenceApi, LatencyFigure, LatencyMode, SweepProgress, SweepRequest, SweepResult } from '../../workers/api';

/** A worker stand-in for the latency methods, answered by hand. */
function fakeApi() {
  const latency: { req: AnalysisRequest; mode: LatencyMode; resolve: (f: LatencyFigure) => void; reject: (e: Error) => void }[] = [];
  const sweeps: { req: SweepRequest; onProgress: (p: SweepProgress) => void; resolve: (r: SweepResult) => void }[] = [];
  const breakdowns: { req: AnalysisRequest; resolve: (r: BreakdownResult) => void; reject: (e: Error) => void }[] = [];
  let cancels = 0;
  const api = {
    latency: (req, mode) => new Promise((resolve, reject) => latency.push({ req, mode, resolve, reject })),
    breakdown: (req) => new Promise((resolve, reject) => breakdowns.push({ req, resolve, reject })),
    sweep: (req, onProgress) => new Promise((resolve) => sweeps.push({ req, onProgress, resolve })),
    cancelSweep: async () => void cancels++,
    exportOnnx: async () => new Uint8Array(),
  } as Pick<InferenceApi, 'latency' | 'breakdown' | 'sweep' | 'cancelSweep' | 'exportOnnx'> as InferenceApi;
  return { api, latency, sweeps, breakdowns, cancels: () => cancels };
}

/** A drawn result of analysis `id` (only the fields the latency panel reads). */
const resultOf = (s: AppState, id: number): AppState['result'] => ({ data: { id } as NonNullable<AppState['result']>['data'], spec: s.spec, input: tokenize(s.text, s.spec.maxLen) });
const tick = () => new Promise((r) => setTimeout(r, 0));
const figure = (id: number, mode: LatencyMode = 'inspect'): LatencyFigure => ({ id, mode, provider: 'wasm', T: 3, medianMs: 2, runs: 3, samplesMs: [1.5, 2, 2.5] });

describe('latency panel state', () => {
  it('asks for the fast then the inspect latency of each drawn result, and keeps them only while that result is on screen', async () => {
    const { api, latency } = fakeApi();
    const store = createAppStore({ text: 'abc', runtime: api });
    connectLatency(store, api, { delayMs: 0 });
    expect(latency).toHaveLength(0); // nothing drawn yet
    store.setState({ result: resultOf(store.getState(), 1) });
    await tick();
    expect(latency.map((l) => l.mode)).toEqual(['fast', 'inspect']);
    expect(latency[0]!.req).toMatchObject({ id: 1, slot: 'a', tokens: [...tokenize('abc', 128).ids] });
    store.setState({ result: resultOf(store.getState(), 2) });
    await tick();
    latency[0]!.resolve(figure(1, 'fast')); // overtaken: dropped
    latency[1]!.resolve(figure(1));
    await tick();
    expect(store.getState().latency).toMatchObject({ fast: null, inspect: null });
    latency[2]!.resolve(figure(2, 'fast'));
    latency[3]!.resolve(figure(2));
    await tick();
    expect(store.getState().latency.fast).toEqual(figure(2, 'fast'));
    expect(store.getState().latency.inspect).toEqual(figure(2));
  });

  it('waits for results to stop coming before measuring', async () => {
    const { api, latency } = fakeApi();
    const store = createAppStore({ text: 'abc', runtime: api });
    vi.useFakeTimers();
    try {
      connectLatency(store, api, { delayMs: 40 });
      for (let id = 1; id <= 3; id++) {
        store.setState({ result: resultOf(store.getState(), id) });
        await vi.advanceTimersByTimeAsync(10);
      }
      expect(latency).toHaveLength(0);
      // The last result came at 20 ms; it is now 30 ms. Measuring starts 40 ms after the last result, not before.
      await vi.advanceTimersByTimeAsync(29);
      expect(latency).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(latency.map((l) => l.req.id)).toEqual([3, 3]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('in compare mode times A and B in alternate rounds and pools the runs of each', async () => {
    const { api, latency } = fakeApi();
    const store = createAppStore({ text: 'abc', runtime: api });
    connectLatency(store, api, { delayMs: 0 });
    const s = store.getState();
    store.setState({ result: resultOf(s, 7), compare: { specB: s.spec, label: 'B', run: { phase: 'idle' }, resultB: resultOf(s, 8), mapB: null } });
    const runsA = [[1, 2, 3], [4, 5], [6]];
    const runsB = [[10, 20], [30], [40, 50, 60]];
    for (let round = 0; round < COMPARE_ROUNDS; round++) {
      for (const [slot, id, runs] of [['a', 7, runsA], ['b', 8, runsB]] as const) {
        await tick();
        const last = latency.at(-1)!;
        expect([last.req.slot, last.mode, last.req.id]).toEqual([slot, 'fast', id]);
        const samplesMs = runs[round]!;
        last.resolve({ ...figure(id, 'fast'), samplesMs, runs: samplesMs.length, medianMs: samplesMs[0]! });
      }
    }
    await tick();
    expect(latency.map((l) => `${l.req.slot}:${l.mode}`)).toEqual(['a:fast', 'b:fast', 'a:fast', 'b:fast', 'a:fast', 'b:fast', 'a:inspect']);
    const { fast, fastB } = store.getState().latency;
    expect(fast!.samplesMs).toEqual([1, 2, 3, 4, 5, 6]);
    expect([fast!.runs, fast!.medianMs]).toEqual([6, 3.5]);
    expect(fastB!.samplesMs).toEqual([10, 20, 30, 40, 50, 60]);
    expect(fastB!.medianMs).toBe(35);
    // A new B result starts a new set of rounds, which starts afresh rather than piling onto the last.
    store.setState({ compare: { ...store.getState().compare!, resultB: resultOf(s, 9) } });
    await tick();
    await tick();
    const next = latency.at(-1)!;
    expect([next.req.slot, next.req.id]).toEqual(['a', 7]);
    next.resolve({ ...figure(7, 'fast'), samplesMs: [7], runs: 1, medianMs: 7 });
    await tick();
    expect(store.getState().latency.fast!.samplesMs).toEqual([7]);
  });

  it('pins finished sweeps under a name, renames them (refusing an empty name) and removes them', async () => {
    const { api, sweeps } = fakeApi();
    const store = createAppStore({ text: 'abc', runtime: api });
    connectLatency(store, api, { delayMs: 0 });
    const actions = () => store.getState().latencyActions;
    const done = (k: number) => ({ done: 1, total: 1, series: [{ provider: 'wasm' as const, label: 'WASM', points: [{ T: 16, ms: k }] }], cancelled: false, webgpuMissing: null, runs: 7 });
    actions().pinSweep(); // nothing finished: nothing pinned
    expect(store.getState().latency.pinned).toEqual([]);
    for (const k of [1, 2]) {
      actions().runSweep([16]);
      sweeps.at(-1)!.resolve(done(k));
      await tick();
      actions().pinSweep();
    }
    const pinned = () => store.getState().latency.pinned;
    const name = store.getState().spec.name;
    expect(pinned().map((p) => [p.name, p.data.series[0]!.points[0]!.ms])).toEqual([[name, 1], [`${name} #2`, 2]]);
    expect(store.getState().latency.sweep.phase).toBe('idle'); // the pinned copy is the one shown
    const [first, second] = pinned();
    expect(actions().renameSweep(first!.id, '   ')).toMatch(/needs a name/);
    expect(actions().renameSweep(first!.id, 'x'.repeat(61))).toMatch(/at most 60/);
    expect(pinned()[0]!.name).toBe(name);
    expect(actions().renameSweep(first!.id, '  before the edit ')).toBeNull();
    expect(pinned()[0]!.name).toBe('before the edit');
    actions().removeSweep(second!.id);
    expect(pinned().map((p) => p.name)).toEqual(['before the edit']);
  });

  it("asks for compare model B's fast latency for B's slot", async () => {
    const { api, latency } = fakeApi();
    const store = createAppStore({ text: 'abc', runtime: api });
    connectLatency(store, api, { delayMs: 0 });
    const s = store.getState();
    store.setState({ compare: { specB: s.spec, label: 'B', run: { phase: 'idle' }, resultB: resultOf(s, 5), mapB: null } });
    await tick();
    expect(latency.map((l) => [l.req.slot, l.mode, l.req.id])).toEqual([['b', 'fast', 5]]);
    latency[0]!.resolve(figure(5, 'fast'));
    await tick();
    expect(store.getState().latency.fastB).toEqual(figure(5, 'fast'));
  });

  it('runs a sweep with progress, hands cancel to the worker, and stores the result', async () => {
    const { api, sweeps, cancels } = fakeApi();
    const store = createAppStore({ text: 'abc', runtime: api });
    connectLatency(store, api, { delayMs: 0 });
    store.getState().latencyActions.runSweep([16, 32]);
    expect(sweeps[0]!.req).toEqual({ spec: store.getState().spec, lengths: [16, 32] });
    expect(store.getState().latency.sweep).toMatchObject({ phase: 'running', progress: null });
    const series = [{ provider: 'wasm' as const, label: 'WASM, 1 thread', points: [{ T: 16, ms: 1 }] }];
    sweeps[0]!.onProgress({ done: 1, total: 2, series });
    expect(store.getState().latency.sweep).toMatchObject({ phase: 'running', progress: { done: 1, total: 2 } });
    store.getState().latencyActions.cancelSweep();
    await tick();
    expect(cancels()).toBe(1);
    sweeps[0]!.resolve({ done: 1, total: 2, series, cancelled: true, webgpuMissing: 'no WebGPU adapter is available', runs: 5 });
    await tick();
    expect(store.getState().latency.sweep).toMatchObject({ phase: 'done', data: { cancelled: true, done: 1 } });
    // Progress travels through its own port: a report landing after the answer changes nothing.
    sweeps[0]!.onProgress({ done: 1, total: 2, series });
    expect(store.getState().latency.sweep.phase).toBe('done');
  });

  it('lets a newer sweep replace an older one', async () => {
    const { api, sweeps } = fakeApi();
    const store = createAppStore({ text: 'abc', runtime: api });
    connectLatency(store, api, { delayMs: 0 });
    store.getState().latencyActions.runSweep([16]);
    store.getState().latencyActions.runSweep([16, 32]);
    sweeps[0]!.onProgress({ done: 1, total: 1, series: [] });
    sweeps[0]!.resolve({ done: 1, total: 1, series: [], cancelled: false, webgpuMissing: null, runs: 5 });
    await tick();
    expect(store.getState().latency.sweep).toMatchObject({ phase: 'running', progress: null });
  });

  it('runs the breakdown on the drawn result and reports a failure', async () => {
    const { api, breakdowns } = fakeApi();
    const store = createAppStore({ text: 'abc', runtime: api });
    const disconnect = connectLatency(store, api, { delayMs: 0 });
    const actions = store.getState().latencyActions.runBreakdown;
    store.getState().latencyActions.runBreakdown(); // nothing drawn: nothing to time
    expect(breakdowns).toHaveLength(0);
    store.setState({ result: resultOf(store.getState(), 4) });
    store.getState().latencyActions.runBreakdown();
    store.getState().latencyActions.runBreakdown(); // one at a time
    expect(breakdowns).toHaveLength(1);
    expect(breakdowns[0]!.req.id).toBe(4);
    breakdowns[0]!.reject(new Error('out of memory'));
    await tick();
    expect(store.getState().latency.breakdown).toMatchObject({ phase: 'failed', message: 'out of memory' });
    disconnect(); // the figures stop; the store's actions stay what they were made as
    expect(store.getState().latencyActions.runBreakdown).toBe(actions);
  });
});
