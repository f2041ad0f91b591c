// The training memory budget, against counts written out by hand from the architecture and from
// each op's vector–Jacobian product (which forward values the math of its gradient needs).
import { describe, expect, it, vi } from 'vitest';
import { normalValues } from '../../src/graph/init';
import type { Graph, Tensor } from '../../src/graph/ir';
import { findPreset } from '../../src/presets';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import { ERROR } from '../../src/spec/errors';
import type { Spec } from '../../src/spec/types';
import { MEMORY_BUDGET_BYTES, TrainingBudgetError, applyFix, checkTrainingBudget, stepMemory, trainingStats } from '../../src/train/budget';

// Every weight stream is drawn through normalValues: counting its calls shows when weights are drawn.
vi.mock('../../src/graph/init', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/graph/init')>();
  return { ...actual, normalValues: vi.fn(actual.normalValues) };
});

const V = 97; // the character vocabulary

/** Parameters of a pre-LN GPT-2-style stack with learned positions and a tied unembedding, from the blocks. */
function gptParams(d: number, L: number, maxLen: number): number {
  const attention = 4 * (d * d + d); // q, k, v, o projections with biases
  const norms = 2 * (2 * d); // two LayerNorms (γ, β)
  const mlp = d * 4 * d + 4 * d + 4 * d * d + d; // expansion 4, with biases
  return V * d + maxLen * d + L * (attention + norms + mlp) + 2 * d; // final LayerNorm
}

const gpt2 = () => findPreset('gpt2-small')!.spec();

describe('trainingStats', () => {
  it('counts weights, gradients and both moments from the parameter count, without drawing a weight', () => {
    const draws = vi.mocked(normalValues);
    draws.mockClear();
    const s = trainingStats(defaultSpec(), { T: 64, batch: 16 });
    expect(s.params).toBe(gptParams(64, 2, 128));
    expect(s.weightBytes).toBe(4 * gptParams(64, 2, 128));
    expect(s.gradBytes).toBe(s.weightBytes);
    expect(s.momentBytes).toBe(2 * s.weightBytes);
    expect(s.stateBytes).toBe(0);
    expect(s.hostBytes).toBe(3 * s.weightBytes);
    expect(s.runtimeBytes).toBe(Math.round(1.6 * s.activationBytes + 2 * s.weightBytes));
    expect(s.peakBytes).toBe(Math.max(s.stepBytes + s.runtimeBytes + s.hostBytes, 4 * s.hostBytes));
    // gpt2-small's 85 M parameters are built, never drawn.
    expect(trainingStats(gpt2(), { T: 16, batch: 1 }).params).toBe(gptParams(768, 12, 256));
    expect(draws).not.toHaveBeenCalled();
  });

  it('counts σReparam: a γ per linear map, and a power-iteration vector of its input width', () => {
    const d = 64, L = 2;
    const s = trainingStats(findPreset('sigma-reparam')!.spec(), { T: 8, batch: 2 });
    // The preset has no norms: 4 attention maps and 2 MLP maps per layer, each with a γ.
    const params = V * d + 128 * d + L * (4 * (d * d + d) + d * 4 * d + 4 * d + 4 * d * d + d + 6);
    expect(s.params).toBe(params);
    // sigma_u has one entry per input row: d for q, k, v, o and w1, 4d for w2.
    expect(s.stateBytes).toBe(4 * L * (5 * d + 4 * d));
    expect(s.hostBytes).toBe(3 * s.weightBytes + s.stateBytes);
  });

  it('counts the activations a 1-layer model keeps for its backward pass, tensor by tensor', () => {
    const B = 2, T = 4, d = 8, H = 2, F = 4 * d;
    const spec: Spec = { ...defaultSpec(), dModel: d, nHeads: H, maxLen: 8, layers: [defaultLayer()] };
    const s = trainingStats(spec, { T, batch: B });
    // What each op's gradient reads from the forward pass (the rest it does not need):
    const floats =
      // [B, T, d]: the input of each LayerNorm (its gradient recomputes the statistics: 3: x0, x1, x2),
      // each LayerNorm's output (a matrix product's input, read by its weight's gradient: 3),
      // the queries, the transposed keys and the values (each an operand of QKᵀ or PV: 3), and the
      // attention context (the input of the output projection: 1).
      10 * B * T * d +
      // [B, H, T, T]: the attention probabilities (softmax's gradient and PV's).
      B * H * T * T +
      // [B, T, 4d]: GELU(h) = h · ½(1 + erf(h/√2)): h, h/√2 (erf's gradient), ½(1 + erf) (a product's
      // operand) and GELU(h) (the second projection's input).
      4 * B * T * F +
      // the transposed tied embedding [d, V] (an operand of the unembedding product), the one-hot
      // targets [B, T, V] (an operand of the loss's product), e^z [B, T, V] (read by the exponential's
      // gradient) and its row sums [B, T, 1] (read by the log's gradient) in the written-out
      // log-softmax, and the count of scored positions [] (the mean's divisor).
      d * V + 2 * B * T * V + B * T + 1;
    const causalMask = T * T; // bool, read where the masked scores' gradient is zeroed
    expect(s.activationBytes).toBe(4 * floats + causalMask);
  });

  it('replays a graph: each buffer lives from its op to its last reader, views share it, outputs stay', () => {
    const t = (name: string, n: number): Tensor => ({ name, dtype: 'float32', shape: [n] });
    const x = t('x', 10), a = t('a', 100), v = t('v', 100), c = t('c', 1000), d = t('d', 10), y = t('y', 10);
    const node = (op: string, inputs: Tensor[], out: Tensor, scope = 'f') => ({ op, inputs, outputs: [out], attrs: {}, scope });
    const graph: Graph = {
      name: 'g',
      inputs: [x],
      outputs: [y],
      initializers: [],
      nodes: [
        node('Exp', [x], a), // live: x 40 + a 400 = 440
        node('Reshape', [a], v), // a view of a: nothing new
        node('Tile', [v], c), // x + a + c = 4440 (the peak); a dies (v's last reader)
        node('ReduceSum', [c], d, 'grad · f'), // x + c + d = 4080; c dies
        node('Mul', [d, x], y, 'grad · f'), // x + d + y = 120
      ],
    };
    expect(stepMemory(graph)).toEqual({ stepBytes: 4 * (10 + 100 + 1000), activationBytes: 4 * 1000 });
  });

  it('bounds the step from below: inputs, next.* outputs and the kept activations coexist', () => {
    for (const [spec, T, batch] of [[defaultSpec(), 64, 16], [findPreset('mamba')!.spec(), 32, 4], [findPreset('moe')!.spec(), 32, 4]] as const) {
      const s = trainingStats(spec, { T, batch });
      expect(s.stepBytes).toBeGreaterThanOrEqual(3 * s.weightBytes + s.activationBytes); // at the turn from forward to backward
      expect(s.stepBytes).toBeGreaterThanOrEqual(6 * s.weightBytes); // at the end: inputs and next.*
    }
  });

  it('grows with the batch and the length', () => {
    for (const spec of [defaultSpec(), findPreset('llama-style')!.spec(), findPreset('retnet')!.spec()]) {
      const at = (batch: number, T: number) => trainingStats(spec, { T, batch });
      const grid = [1, 4, 16].map((b) => [8, 32, 64].map((T) => at(b, T)));
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) {
          const s = grid[i]![j]!;
          // The step grows; the peak never shrinks (a small step's peak is the 4 copies of the state handed back).
          if (i) expect(s.stepBytes).toBeGreaterThan(grid[i - 1]![j]!.stepBytes);
          if (j) expect(s.stepBytes).toBeGreaterThan(grid[i]![j - 1]!.stepBytes);
          if (i) expect(s.peakBytes).toBeGreaterThanOrEqual(grid[i - 1]![j]!.peakBytes);
          if (j) expect(s.peakBytes).toBeGreaterThanOrEqual(grid[i]![j - 1]!.peakBytes);
          if (i) expect(s.activationBytes).toBeGreaterThan(grid[i - 1]![j]!.activationBytes);
          if (j) expect(s.activationBytes).toBeGreaterThan(grid[i]![j - 1]!.activationBytes);
          expect(s.weightBytes).toBe(grid[0]![0]!.weightBytes);
        }
    }
  });
});

describe('checkTrainingBudget', () => {
  it('lets the default model through at B = 16, T = 64', () => {
    const s = checkTrainingBudget(defaultSpec(), { T: 64, batch: 16 });
    expect([s.fits, s.advice, s.fixes, s.budgetBytes]).toEqual([true, [], [], MEMORY_BUDGET_BYTES]);
  });

  it('refuses the default model at a huge batch and offers the largest batch and length that fit', () => {
    const spec = defaultSpec();
    const s = trainingStats(spec, { T: 128, batch: 4096 });
    expect(s.fits).toBe(false);
    expect(s.fixes.map((f) => f.text)).toEqual([expect.stringMatching(/^use batch 4096 → \d+$/), expect.stringMatching(/^or sequence length 128 → \d+$/)]);
    const [byBatch, byLength] = s.fixes as [(typeof s.fixes)[0], (typeof s.fixes)[0]];
    expect(trainingStats(spec, { T: 128, batch: byBatch.batch }).fits).toBe(true);
    expect(trainingStats(spec, { T: 128, batch: byBatch.batch + 1 }).fits).toBe(false);
    expect(trainingStats(spec, { T: byLength.T, batch: 4096 }).fits).toBe(true);
    expect(trainingStats(spec, { T: byLength.T + 1, batch: 4096 }).fits).toBe(false);
    expect(s.advice).toEqual(s.fixes.map((f) => f.text));
  });

  it('refuses gpt2-small at batch 64, T = 256, with the numbers and settings that really fit', () => {
    const spec = gpt2();
    let error: unknown;
    try {
      checkTrainingBudget(spec, { T: 256, batch: 64 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TrainingBudgetError);
    const e = error as TrainingBudgetError;
    expect(e.name).toBe(ERROR.TrainingBudgetError);
    const s = e.stats;
    expect(s.fits).toBe(false);
    expect(s.peakBytes).toBeGreaterThan(MEMORY_BUDGET_BYTES);
    expect(e.message).toMatch(/^Training this model at batch 64 and T = 256 needs about [\d.]+ GiB, over the 2 GiB budget \(weights 325 MiB, gradients 325 MiB, moments 651 MiB, activations kept for the backward pass [\d.]+ GiB\): /);
    expect(s.fixes.length).toBeGreaterThan(0);
    for (const fix of s.fixes) {
      const { spec: smaller, shape } = applyFix(spec, fix);
      expect(trainingStats(smaller, shape).fits, fix.text).toBe(true);
      expect(e.message).toContain(fix.text);
    }
  });

  it('refuses the widest looped model for its size alone, and its smaller settings fit with the loops dropped', () => {
    const spec: Spec = { ...defaultSpec(), dModel: 1024, nHeads: 16, maxLen: 1024, layers: Array.from({ length: 12 }, defaultLayer), loops: [{ start: 0, end: 11, count: 2 }] };
    const s = trainingStats(spec, { T: 64, batch: 8 });
    expect(s.fits).toBe(false);
    expect(s.params).toBe(gptParams(1024, 12, 1024));
    // Even one sequence of one token is over: the weights with gradients, moments and copies.
    expect(trainingStats(spec, { T: 1, batch: 1 }).fits).toBe(false);
    expect(s.advice[0]).toMatch(/^the model alone needs [\d.]+ GiB at batch 1 and T = 1 \(152,304,640 parameters/);
    expect(s.fixes.length).toBeGreaterThan(0);
    for (const fix of s.fixes) {
      const { spec: smaller, shape } = applyFix(spec, fix);
      expect(smaller.loops.every((l) => l.end < smaller.layers.length)).toBe(true);
      expect(trainingStats(smaller, shape).fits, fix.text).toBe(true);
    }
  });
});
