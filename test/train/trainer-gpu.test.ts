// The trainer with its state on the GPU (src/train/trainer.ts, keepOnGpu), on a fake WebGPU
// runtime that wraps onnxruntime-node (test/train/fakeGpu.ts): the same numbers as the CPU path
// on onnxruntime-node itself, the state fed from the GPU step after step, the step before's
// buffers freed, and the CPU reading the weights only when asked.
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/defaults';
import { hash32 } from '../../src/train/random';
import { recipe } from '../../src/train/run';
import { learningRate } from '../../src/train/schedule';
import { findTask } from '../../src/train/tasks/registry';
import { Trainer, type OrtLike, type StepReport } from '../../src/train/trainer';
import { fakeGpu } from './fakeGpu';

const node = ((ortNode as unknown as { default?: OrtLike }).default ?? ortNode) as unknown as OrtLike;
const spec = { ...defaultSpec(), dModel: 32, nHeads: 2 };
const r = recipe({ task: 'copy', taskParams: { maxLen: 4 }, T: 8, batch: 4, steps: 20, lr: 3e-3, warmup: 2, evalEvery: 20, seed: 5 });
const task = findTask(r.task)!;
const shape = { T: r.T, batch: r.batch };
const batch = (step: number) => task.generate(r.taskParams, { batch: r.batch, T: r.T, seed: hash32(r.seed, step), text: r.text });
const lr = (step: number) => learningRate(step, { lr: r.lr, warmup: r.warmup, steps: r.steps, minRatio: r.minLrRatio });
const heldOut = [batch(10_000)];

/** `steps` steps of `trainer` from its current step; every report. */
async function steps(trainer: Trainer, n: number): Promise<StepReport[]> {
  const out: StepReport[] = [];
  for (let i = 0; i < n; i++) out.push(await trainer.train(batch(trainer.step + 1), lr(trainer.step + 1)));
  return out;
}

describe('training with the state on the GPU', () => {
  it('takes exactly the CPU path’s steps: reports, held-out figures and weights', async () => {
    const cpu = await Trainer.create(node, spec, shape, { providers: ['cpu'] });
    const gpu = fakeGpu();
    const onGpu = await Trainer.create(gpu.ort, spec, shape, { providers: ['webgpu'] });
    expect(cpu.location).toBe('cpu');
    expect(onGpu.location).toBe('gpu');
    const a = await steps(cpu, 20);
    const b = await steps(onGpu, 20);
    expect(b).toEqual(a);
    expect(a[19]!.loss).toBeLessThan(a[0]!.loss);
    expect(await onGpu.evaluate(heldOut)).toEqual(await cpu.evaluate(heldOut));
    expect(await onGpu.weights()).toEqual(await cpu.weights());
    await cpu.release();
    await onGpu.release();
  }, 300_000);

  it('feeds each step the GPU tensors of the step before, frees the ones before, and reads the weights only when asked', async () => {
    const gpu = fakeGpu();
    const { log } = gpu;
    const trainer = await Trainer.create(gpu.ort, spec, shape, { providers: ['webgpu'] });
    const stateNames = Object.keys((log.options[0] as { preferredOutputLocation: Record<string, string> }).preferredOutputLocation).map((n) => n.slice('next.'.length));
    expect(stateNames.length).toBeGreaterThan(trainer.weightNames.length * 3 - 1); // weights, m, v (and σReparam vectors)
    // The held-out session keeps its outputs on the CPU.
    expect(log.options[1]).not.toHaveProperty('preferredOutputLocation');

    await steps(trainer, 3);
    // The first step uploads the initial state; every later one takes all of it from the GPU.
    expect(log.runs[0]!.gpu).toEqual([]);
    for (const run of log.runs.slice(1)) {
      expect(new Set(run.gpu)).toEqual(new Set(stateNames));
      expect(run.cpu.sort()).toEqual(['loss_mask', 'lr', 'step', 'targets', 'tokens']);
    }
    // One set of buffers alive (the last step's); the two sets before were freed.
    expect(log.alive.size).toBe(stateNames.length);
    expect(log.disposed).toBe(2 * stateNames.length);
    expect(log.downloads).toBe(0);

    // Asked for the weights: downloaded once, however often asked within the step.
    const w = await trainer.weights();
    expect(log.downloads).toBe(trainer.weightNames.length);
    expect(await trainer.weights()).toEqual(w);
    expect(log.downloads).toBe(trainer.weightNames.length);
    // …and the next step still takes them from the GPU (a view on the same buffer), not an upload.
    await steps(trainer, 1);
    expect(new Set(log.runs.at(-1)!.gpu)).toEqual(new Set(stateNames));
    expect(log.alive.size).toBe(stateNames.length);

    await trainer.release();
    expect(log.alive.size).toBe(0);
  }, 300_000);

  it('a diverged step frees its outputs and keeps the state of the step before', async () => {
    const gpu = fakeGpu();
    const trainer = await Trainer.create(gpu.ort, spec, shape, { providers: ['webgpu'] });
    await steps(trainer, 2);
    // Steps at a learning rate of 1e30 until one diverges (the second at the latest: its weights are ~1e30).
    let before = await trainer.weights();
    let alive = new Set(gpu.log.alive);
    let error: unknown = null;
    for (let i = 0; i < 5 && !error; i++) {
      before = await trainer.weights();
      alive = new Set(gpu.log.alive);
      error = await trainer.train(batch(trainer.step + 1), 1e30).then(() => null, (e: unknown) => e);
    }
    expect(String(error)).toMatch(/diverged/);
    expect(gpu.log.alive).toEqual(alive); // its own outputs freed, the state kept
    expect(await trainer.weights()).toEqual(before);
    await trainer.release();
    expect(gpu.log.alive.size).toBe(0);
  }, 300_000);

  it('goes on elsewhere from the state read back (`readState`, `from`): the same steps as never moving', async () => {
    const through = await Trainer.create(node, spec, shape, { providers: ['cpu'] });
    const all = await steps(through, 12);
    const gpu = fakeGpu();
    const first = await Trainer.create(gpu.ort, spec, shape, { providers: ['webgpu'] });
    await steps(first, 7);
    const state = await first.readState();
    await first.release();
    const second = await Trainer.create(node, spec, shape, { providers: ['cpu'], from: { step: 7, state } });
    expect(second.step).toBe(7);
    expect(await steps(second, 5)).toEqual(all.slice(7));
    expect(await second.weights()).toEqual(await through.weights());
    await expect(Trainer.create(node, spec, shape, { from: { step: 1, state: new Map() } })).rejects.toThrow(/lacks or misshapes/);
    await second.release();
    await through.release();
  }, 300_000);
});
