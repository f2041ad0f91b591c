import { describe, expect, it, vi } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import { modelStats } from '../../src/compiler/stats';
import { graphScopes } from '../../src/graph/subgraph';
import { defaultSpec } from '../../src/spec/defaults';
import { Superseded } from '../../workers/analyse';
import type { SweepProgress } from '../../workers/api';
import { breakdown, FAST_LIMITS, FAST_RUNS, INSPECT_LIMITS, INSPECT_RUNS, sweep, timeMode, timeSpread } from '../../workers/latency';
import type { LatencyFigure } from '../../workers/api';
import { findPreset } from '../../src/presets';
import { sweepLimit, sweepStats } from '../../src/compiler/stats';
import { relativeIqr, spreadOf, WIDE_SPREAD } from '../../src/analysis/spread';

/** A figure carries every run's time: at least `min` and at most `max` of them, its median theirs, and more than `min` only when the first `min` spread widely. */
function expectRuns(f: LatencyFigure, min: number, max: number) {
  expect(f.samplesMs.length).toBe(f.runs);
  expect(f.runs).toBeGreaterThanOrEqual(min);
  expect(f.runs).toBeLessThanOrEqual(max);
  const sorted = [...f.samplesMs].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  expect(f.medianMs).toBe(sorted.length % 2 ? sorted[m] : (sorted[m - 1]! + sorted[m]!) / 2);
  if (f.runs > min) expect(relativeIqr(spreadOf(f.samplesMs.slice(0, min))!)).toBeGreaterThan(WIDE_SPREAD);
}
import { nodeRuntime, nodeSessions } from '../helpers';

const spec = { ...defaultSpec(), maxLen: 4096 };

describe('latency sweep (the worker body)', () => {
  it('returns one point per length, and skips a length over the memory budget without building it', async () => {
    const rt = await nodeRuntime();
    expect(modelStats(spec, 4096).over).toBe(true);
    const load = vi.spyOn(rt, 'load');
    const progress: SweepProgress[] = [];
    const r = await sweep([rt], { spec, lengths: [16, 32, 64, 4096] }, { cancelled: () => false, onProgress: (p) => progress.push(p), runs: 2 });
    expect(load).toHaveBeenCalledTimes(3);
    load.mockRestore();
    expect(r.series).toHaveLength(1);
    expect(r.series[0]!.provider).toBe('wasm');
    expect(r.series[0]!.label).toBe('WASM, 1 thread');
    const points = r.series[0]!.points;
    expect(points.map((p) => p.T)).toEqual([16, 32, 64, 4096]);
    for (const p of points.slice(0, 3)) expect(p.ms).toBeGreaterThan(0);
    expect(points[3]).toMatchObject({ ms: null, note: expect.stringMatching(/memory budget/) });
    expect([r.done, r.total, r.cancelled, r.runs]).toEqual([4, 4, false, 2]);
    expect(r.webgpuMissing).toBe('WebGPU was not requested');
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3, 4]);
    expect(progress[1]!.series[0]!.points).toHaveLength(2); // each report is a snapshot
  });

  it('skips lengths past maxLen, and times each length on every runtime in turn', async () => {
    const rt = await nodeRuntime();
    const r = await sweep([rt, rt], { spec: defaultSpec(), lengths: [16, 256] }, { cancelled: () => false, runs: 1 });
    expect(r.series).toHaveLength(2);
    expect(r.total).toBe(4);
    for (const s of r.series) {
      expect(s.points[0]!.ms).toBeGreaterThan(0);
      expect(s.points[1]).toMatchObject({ T: 256, ms: null, note: expect.stringMatching(/^longer than maxLen \(128\): its weights \(.*\) hold one row per position/) });
    }
  });

  it('stops on cancel before the next step', async () => {
    const rt = await nodeRuntime();
    let cancel = false;
    const r = await sweep([rt], { spec, lengths: [16, 32, 64, 128] }, { cancelled: () => cancel, onProgress: () => (cancel = true), runs: 2 });
    expect(r.cancelled).toBe(true);
    expect(r.series[0]!.points.map((p) => p.T)).toEqual([16]);
    expect([r.done, r.total]).toEqual([1, 4]);
  });

  it('stops within a step: a point cut short by cancel is dropped', async () => {
    const rt = await nodeRuntime();
    let calls = 0;
    // Asked before the length, before the runtime, then before each warm run: the second run is refused.
    const r = await sweep([rt], { spec, lengths: [64, 128] }, { cancelled: () => ++calls > 3, runs: 5 });
    expect(r.cancelled).toBe(true);
    expect(r.series[0]!.points).toEqual([]);
    expect(r.done).toBe(0);
  });
});

describe('the sweep budget (fast graph only) and how far a model sweeps', () => {
  const mamba = { ...findPreset('mamba')!.spec(), maxLen: 4096 };

  it('times Mamba-2 at lengths the inspect graph could not afford, since only the fast graph runs', async () => {
    // The inspect graph's T × T maps put the whole analysis over the budget at 2048 …
    expect(modelStats(mamba, 2048).over).toBe(true);
    // … while the fast graph alone (2·W + max(W, A + O), from the cost model's own numbers) fits.
    const fast = compile(mamba, { T: 2048, mode: 'fast' });
    expect(sweepStats(fast).over).toBe(false);
    const rt = await nodeRuntime();
    const r = await sweep([rt], { spec: mamba, lengths: [2048] }, { cancelled: () => false, runs: 1 });
    expect(r.series[0]!.points[0]).toMatchObject({ T: 2048 });
    expect(r.series[0]!.points[0]!.ms).toBeGreaterThan(0);
  });

  it('goes past maxLen when no weight depends on it (NoPE, RoPE, ALiBi, sinusoidal), not with learned positions', async () => {
    for (const kind of ['nope', 'rope', 'alibi', 'sinusoidal', 't5_bias']) {
      const spec = { ...defaultSpec(), position: { kind, params: {} } };
      expect(sweepLimit(spec), kind).toEqual({ maxT: 8192, reason: null });
    }
    const learned = sweepLimit(defaultSpec());
    expect(learned.maxT).toBe(defaultSpec().maxLen);
    expect(learned.reason).toMatch(/table/);
    const rt = await nodeRuntime();
    const nope = { ...findPreset('mamba')!.spec(), maxLen: 16 };
    const r = await sweep([rt], { spec: nope, lengths: [16, 64] }, { cancelled: () => false, runs: 1 });
    expect(r.series[0]!.points.map((p) => [p.T, p.ms! > 0])).toEqual([[16, true], [64, true]]);
  });
});

describe('more runs where the spread is wide', () => {
  /** A fake timer answering batches from a list of run times. */
  const fake = (times: number[]) => {
    const batches: number[] = [];
    const time = async (n: number) => {
      batches.push(n);
      const samplesMs = times.splice(0, n);
      return { medianMs: NaN, samplesMs };
    };
    return { time, batches };
  };

  it('stops after the first runs when they agree, and takes as many again while they spread', async () => {
    const tight = fake([10, 10.1, 9.9, 10, 10.05]);
    expect((await timeSpread(tight.time, 5, { maxRuns: 20, maxTotalMs: 1000 })).samplesMs).toHaveLength(5);
    expect(tight.batches).toEqual([5]);
    // Sorted 9.5 10 10.5 14 16: quartiles 10 and 14 of a median 10.5, an IQR of 38% of it. With 5
    // more runs of 10 the ten sorted are 9.5 10×6 10.5 14 16: quartiles 10 and 10.375, median 10: 3.75%.
    const wide = fake([10, 10.5, 14, 16, 9.5, 10, 10, 10, 10, 10, 10, 10]);
    const t = await timeSpread(wide.time, 5, { maxRuns: 20, maxTotalMs: 1000 });
    expect(wide.batches).toEqual([5, 5]);
    expect(t.samplesMs).toEqual([10, 10.5, 14, 16, 9.5, 10, 10, 10, 10, 10]);
    expect(t.medianMs).toBe(10);
  });

  it('keeps within the most runs and the time allowed', async () => {
    const noisy = () => Array.from({ length: 100 }, (_, i) => (i % 2 ? 10 : 20));
    const a = fake(noisy());
    expect((await timeSpread(a.time, 5, { maxRuns: 12, maxTotalMs: 10_000 })).samplesMs).toHaveLength(12);
    expect(a.batches).toEqual([5, 5, 2]);
    const b = fake(noisy());
    // 20 10 20 10 20 take 80 ms: 120 ms are left at a median of 20 ms, room for 6, and 5 (as many
    // again) are taken; 10 runs take 150 ms: 50 ms left at a median of 15 ms, room for 3; then 200 ms.
    expect((await timeSpread(b.time, 5, { maxRuns: 100, maxTotalMs: 200 })).samplesMs).toHaveLength(13);
    expect(b.batches).toEqual([5, 5, 3]);
  });
});

describe('a WASM runtime beside the main one', () => {
  it('always uses WASM and waits in the same queue of runs (one module runs one session at a time)', async () => {
    const rt = await nodeRuntime();
    const sibling = rt.wasmSibling();
    expect(sibling.backend).toMatchObject({ provider: 'wasm', fallbackReason: 'WebGPU was not requested' });
    const bytes = toOnnxBytes(compile(defaultSpec(), { T: 64, mode: 'fast' }));
    const model = await rt.load(bytes);
    const order: string[] = [];
    const timed = model.time(Array.from({ length: 64 }, () => 5), 3).then(() => order.push('main timed'));
    const loaded = sibling.load(bytes).then(async (m) => (order.push('sibling loaded'), m.release()));
    await Promise.all([timed, loaded]);
    await model.release();
    expect(order).toEqual(['main timed', 'sibling loaded']);
  });
});

describe('latency of a mode', () => {
  it('times the inspect graph with a few warm runs, labelled with mode and provider', async () => {
    const f = await timeMode(await nodeSessions(), { id: 3, spec: defaultSpec(), tokens: [2, 3, 4, 5, 6] }, 'inspect');
    expect(f).toMatchObject({ id: 3, mode: 'inspect', provider: 'wasm', T: 5 });
    expectRuns(f, INSPECT_RUNS, INSPECT_LIMITS.maxRuns);
  });

  it('times the fast graph with FAST_RUNS warm runs, on a session kept for the next figure', async () => {
    const sessions = await nodeSessions();
    const req = { id: 4, spec: defaultSpec(), tokens: [2, 3, 4, 5, 6] };
    const f = await timeMode(sessions, req, 'fast');
    expect(f).toMatchObject({ id: 4, mode: 'fast', provider: 'wasm', T: 5 });
    expectRuns(f, FAST_RUNS, FAST_LIMITS.maxRuns);
    await timeMode(sessions, { ...req, id: 5, tokens: [9, 8, 7, 6, 5] }, 'fast');
    expect(sessions.created).toBe(1);
    sessions.releaseAll();
  });

  it('stops when a newer request is announced', async () => {
    await expect(timeMode(await nodeSessions(), { id: 1, spec: defaultSpec(), tokens: [2, 3] }, 'inspect', () => true)).rejects.toBeInstanceOf(Superseded);
  });
});

describe('per-block breakdown', () => {
  it('times every block of the fast graph, less the fixed cost of a run, next to the whole graph', async () => {
    const tokens = Array.from({ length: 64 }, (_, i) => 2 + (i % 90));
    const r = await breakdown(await nodeRuntime(), defaultSpec(), tokens, 3);
    expect(r.blocks.map((b) => b.scope)).toEqual(graphScopes(compile(defaultSpec(), { T: 64, mode: 'fast' })));
    expect(r).toMatchObject({ T: 64, provider: 'wasm', runs: 3 });
    for (const b of r.blocks) {
      expect(b.rawMs).toBeGreaterThan(0);
      expect(b.ms).toBe(Math.max(0, b.rawMs - r.overheadMs));
    }
    expect(r.wholeMs).toBeGreaterThan(0);
    expect(r.sumMs).toBeCloseTo(r.blocks.reduce((s, b) => s + b.ms, 0) + r.overheadMs, 9);
    expect(r.gap).toBeCloseTo((r.sumMs - r.wholeMs) / r.wholeMs, 9);
    // Attention and the MLP do the work; their blocks are not lost in the fixed cost.
    const ms = (scope: string) => r.blocks.find((b) => b.scope === scope)!.ms;
    expect(ms('layer 0 · mixer: softmax_attention') + ms('layer 0 · ffn: mlp')).toBeGreaterThan(0);
  });
});
