import { describe, expect, it, vi } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import { modelStats } from '../../src/compiler/stats';
import { graphScopes } from '../../src/graph/subgraph';
import { defaultSpec } from '../../src/spec/defaults';
import { Superseded } from '../../workers/analyse';
import type { SweepProgress } from '../../workers/api';
import { breakdown, FAST_RUNS, INSPECT_RUNS, sweep, timeMode } from '../../workers/latency';
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
      expect(s.points[1]).toMatchObject({ T: 256, ms: null, note: 'longer than maxLen (128)' });
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
    expect(f).toMatchObject({ id: 3, mode: 'inspect', provider: 'wasm', T: 5, runs: INSPECT_RUNS });
    expect(f.medianMs).toBeGreaterThan(0);
  });

  it('times the fast graph with FAST_RUNS warm runs, on a session kept for the next figure', async () => {
    const sessions = await nodeSessions();
    const req = { id: 4, spec: defaultSpec(), tokens: [2, 3, 4, 5, 6] };
    const f = await timeMode(sessions, req, 'fast');
    expect(f).toMatchObject({ id: 4, mode: 'fast', provider: 'wasm', T: 5, runs: FAST_RUNS });
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
