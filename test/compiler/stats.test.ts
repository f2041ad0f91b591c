// Model statistics and the memory budget, against counts written out by hand from the
// architecture (the blocks) and the graph contract (docs/graph-outputs.md).
import * as Comlink from 'comlink';
import { describe, expect, it, vi } from 'vitest';
import { BudgetError, MEMORY_BUDGET_BYTES, modelStats } from '../../src/compiler/stats';
import { normalValues } from '../../src/graph/init';
import type { Runtime } from '../../src/runtime/ort';
import { Sessions } from '../../workers/sessions';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import type { Spec } from '../../src/spec/types';
import { analyse } from '../../workers/analyse';
import type { InferenceApi } from '../../workers/api';

// Every weight stream is drawn through normalValues: counting its calls shows when weights are drawn.
vi.mock('../../src/graph/init', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/graph/init')>();
  return { ...actual, normalValues: vi.fn(actual.normalValues) };
});

const V = 97;
const GiB = 1024 ** 3;

/** A wide, deep model: d_model 512, 16 heads, 12 layers, maxLen 8192 (the limits allowed no wider before d_model went to 1024). */
const largest = (extra: Partial<Spec> = {}): Spec => ({
  ...defaultSpec(),
  dModel: 512,
  nHeads: 16,
  maxLen: 8192,
  layers: Array.from({ length: 12 }, defaultLayer),
  ...extra,
});
/** That shape with one loop over all 12 layers, 4 times: 48 layer runs. */
const looped = () => largest({ loops: [{ start: 0, end: 11, count: 4 }] });

/** Parameters of a pre-LN GPT-2-style stack with learned positions, counted from the blocks. */
function gptParams(d: number, L: number, maxLen: number): number {
  const attention = 4 * (d * d + d); // q, k, v, o projections with biases
  const norms = 2 * (2 * d); // two LayerNorms (γ, β)
  const mlp = d * 4 * d + 4 * d + 4 * d * d + d; // expansion 4, with biases
  return V * d + maxLen * d + L * (attention + norms + mlp) + 2 * d; // tied unembedding; final LayerNorm
}

/** A Runtime stand-in that records what it is asked to do and never loads anything. */
function recordingRuntime() {
  const calls: string[] = [];
  const runtime = {
    backend: { provider: 'wasm', threads: 1, crossOriginIsolated: false, fallbackReason: 'test' },
    load: async () => {
      calls.push('load');
      throw new Error('stop after load');
    },
  } as unknown as Runtime;
  return { runtime, calls };
}

describe('modelStats', () => {
  it('counts the default model\'s parameters, FLOPs and inspect outputs', () => {
    const d = 64, H = 4, L = 2, T = 10;
    const s = modelStats(defaultSpec(), T);
    expect(s.T).toBe(T);
    expect(s.params).toBe(gptParams(d, L, 128));
    expect(s.params).toBe(114_496);
    expect(s.flops).toBe(2_210_930); // derived term by term in test/graph/cost.test.ts
    // logits [1, T, V]; per layer run attn_probs [1, H, T, T], attn_entropy [1, H, T] and the
    // similarity probes sim_mixer, sim_ffn [1, T]; resid_rms [L + 1, T].
    expect(s.inspectOutputBytes).toBe(4 * (T * V + L * (H * T * T + H * T + 2 * T) + (L + 1) * T));
    // The weights as float32, plus small constant tables (shapes, indices, scalars).
    expect(s.weightBytes).toBeGreaterThan(4 * s.params);
    expect(s.weightBytes).toBeLessThan(4 * s.params + 8 * 1024);
    expect(s.peakBytes).toBe(3 * s.weightBytes + Math.max(s.weightBytes, s.activationBytes + s.inspectOutputBytes));
    expect([s.budgetBytes, s.over, s.advice]).toEqual([MEMORY_BUDGET_BYTES, false, []]);
    // Per block: the attention of layer 0 has its 4 projections with biases; the blocks add up.
    expect(s.blocks.find((b) => b.scope === 'layer 0 · mixer: softmax_attention')!.params).toBe(4 * (d * d + d));
    expect(s.blocks.reduce((n, b) => n + b.params, 0)).toBe(s.params);
    expect(s.blocks.reduce((n, b) => n + b.flops, 0)).toBe(s.flops);
  });

  it('lets the default model through at its longest text', () => {
    const s = modelStats(defaultSpec(), 128);
    expect(s.over).toBe(false);
    expect(s.peakBytes).toBeLessThan(64 * 1024 ** 2);
  });

  it('lets d_model 512 with 12 layers and 16 heads through at T = 256, without drawing a weight', () => {
    const draws = vi.mocked(normalValues);
    draws.mockClear();
    const s = modelStats(largest(), 256);
    expect(s.params).toBe(gptParams(512, 12, 8192));
    expect(s.over).toBe(false);
    expect(s.peakBytes).toBeLessThan(MEMORY_BUDGET_BYTES);
    // σReparam reads its weights for the spectral norm: that too waits until serialisation.
    expect(modelStats(largest({ sigmaReparam: { enabled: true, gamma: 1 } }), 256).over).toBe(false);
    expect(draws).not.toHaveBeenCalled();
  });

  it('refuses the widest model the limits allow (d_model 1024, 12 layers) for its weights alone, even at T = 1, without drawing a weight', () => {
    const draws = vi.mocked(normalValues);
    draws.mockClear();
    const s = modelStats(largest({ dModel: 1024, maxLen: 1024 }), 1);
    expect(s.params).toBe(gptParams(1024, 12, 1024));
    expect(s.params).toBe(152_304_640);
    expect(s.over).toBe(true);
    expect(s.peakBytes).toBe(4 * s.weightBytes);
    expect(s.advice).toEqual(['the weights (152,304,640 parameters, 581 MiB), held 4 times, take 2.3 GiB: use a smaller d_model, fewer layers or a smaller feed-forward block']);
    expect(draws).not.toHaveBeenCalled();
  });

  it('refuses 48 layer runs at T = 8192 and names the attention maps first, with numbers', () => {
    const T = 8192, runs = 48, H = 16;
    const s = modelStats(looped(), T);
    expect(s.over).toBe(true);
    const maps = 4 * runs * H * T * T; // the attn_probs outputs alone
    expect(s.inspectOutputBytes).toBeGreaterThan(maps);
    const first = s.advice[0]!;
    expect(first).toMatch(/^the attention maps and mixers of 48 layer runs × 16 heads at T = 8192 take (\d+(\.\d)?) (GiB|TiB): shorten the text/);
    const [, value, unit] = /take (\d+(?:\.\d)?) (GiB|TiB)/.exec(first)!;
    expect(Number(value) * (unit === 'TiB' ? 1024 * GiB : GiB)).toBeGreaterThan(maps);
  });

  it('names the feed-forward blocks and the weights too when they count', () => {
    const s = modelStats(largest(), 512);
    expect(s.over).toBe(true);
    expect(s.advice[0]).toMatch(/^the attention maps and mixers of 12 layer runs × 16 heads at T = 512/);
    expect(s.advice.some((a) => a.startsWith('the weights (42,073,600 parameters'))).toBe(true);
    expect(s.advice.some((a) => a.startsWith('the feed-forward blocks of 12 layer runs'))).toBe(true);
  });

  it('blames the weights alone when they set the peak (a large mixture of experts at T = 1)', () => {
    const moe = { kind: 'moe', params: { experts: 8, k: 2, expansion: 8 } };
    const s = modelStats(largest({ layers: Array.from({ length: 12 }, () => ({ ...defaultLayer(), ffn: moe })) }), 1);
    expect(s.weightBytes).toBeGreaterThan(s.activationBytes + s.inspectOutputBytes);
    expect(s.peakBytes).toBe(4 * s.weightBytes);
    expect(s.advice).toHaveLength(1);
    expect(s.advice[0]).toMatch(/^the weights \([\d,]+ parameters, [\d.]+ GiB\), held 4 times, take [\d.]+ GiB: use a smaller d_model/);
  });
});

describe('the budget in analyse', () => {
  it('refuses an over-budget request before drawing weights or loading a session', async () => {
    const { runtime, calls } = recordingRuntime();
    const draws = vi.mocked(normalValues);
    draws.mockClear();
    const tokens = Array.from({ length: 8192 }, (_, i) => 2 + (i % 90));
    const error = await analyse(new Sessions(runtime), { id: 1, spec: looped(), tokens }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetError);
    expect(calls).toEqual([]);
    expect(draws).not.toHaveBeenCalled();
    const message = (error as BudgetError).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^This model needs about [\d.]+ TiB to analyse at T = 8192, over the 2 GiB budget: the attention maps and mixers of 48 layer runs/);
  });

  it('goes on to load a model within the budget', async () => {
    const { runtime, calls } = recordingRuntime();
    await expect(analyse(new Sessions(runtime), { id: 1, spec: defaultSpec(), tokens: [2, 3, 4] })).rejects.toThrow('stop after load');
    expect(calls).toEqual(['load']);
  });

  it('keeps its name and message across comlink, as the page receives it', async () => {
    const { runtime } = recordingRuntime();
    const { port1, port2 } = new MessageChannel();
    const worker: Pick<InferenceApi, 'analyse'> = { analyse: async (req) => (await analyse(new Sessions(runtime), req)).result };
    Comlink.expose(worker, port1);
    const remote = Comlink.wrap<Pick<InferenceApi, 'analyse'>>(port2);
    try {
      const spec = largest();
      const tokens = Array.from({ length: 1024 }, () => 5);
      const error = await remote.analyse({ id: 3, spec, tokens }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('BudgetError');
      expect((error as Error).message).toBe(new BudgetError(modelStats(spec, 1024)).message);
    } finally {
      remote[Comlink.releaseProxy]();
      port1.close();
      port2.close();
    }
  });
});
