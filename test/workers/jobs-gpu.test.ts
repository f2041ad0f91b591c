// A training job in the WebGPU worker (workers/jobs.ts on provider 'webgpu'), on the fake WebGPU
// runtime of test/train/fakeGpu.ts (onnxruntime-node underneath): the progress says where the
// steps run, the losses are those of the same job on the CPU, and WebGPU falls back to WASM, with
// one sentence, when the step graph cannot be created on it or a step fails there. The CPU job is
// the fake on 'wasm': onnxruntime-node itself, nothing kept on the GPU.
import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/defaults';
import { recipe as trainRecipe } from '../../src/train/run';
import type { TrainProgress } from '../../workers/api';
import { Jobs } from '../../workers/jobs';
import { nodeRuntime } from '../helpers';
import { fakeGpu } from '../train/fakeGpu';

const spec = defaultSpec();
const recipe = trainRecipe({ task: 'copy', taskParams: { maxLen: 4 }, T: 8, batch: 4, steps: 8, lr: 3e-3, warmup: 2, evalEvery: 4, seed: 3 });

/** A job run to its end: its progress, every step's loss, and its final weights. */
async function run(jobs: Jobs) {
  const progress: TrainProgress[] = [];
  const result = await jobs.train({ spec, recipe, reportEvery: 2 }, (p) => progress.push(p));
  const weights = await jobs.trainedWeights('a');
  const losses = jobs.state('a')!.reports.map((s) => s.loss);
  await jobs.reset('a');
  return { result, progress, losses, weights };
}

describe('a training job on WebGPU', () => {
  it('runs on the GPU and takes the CPU job’s steps; the weights read back are the CPU job’s', async () => {
    const rt = await nodeRuntime();
    const cpu = await run(new Jobs(rt, fakeGpu().ort, 'wasm'));
    const gpu = fakeGpu();
    const onGpu = await run(new Jobs(rt, gpu.ort, 'webgpu'));
    expect(cpu.progress.every((p) => p.provider === 'wasm' && !p.fallbackReason)).toBe(true);
    expect(onGpu.progress.every((p) => p.provider === 'webgpu' && !p.fallbackReason)).toBe(true);
    expect(onGpu.result).toMatchObject({ status: 'done', step: 8 });
    expect(onGpu.losses).toEqual(cpu.losses);
    expect(onGpu.weights!.weights).toEqual(cpu.weights!.weights);
    expect(onGpu.result.evaluation).toEqual(cpu.result.evaluation);
    expect(gpu.log.runs.slice(1).every((r) => r.gpu.length > 0)).toBe(true);
    expect(gpu.log.alive.size).toBe(0); // reset freed the last step's buffers
  }, 300_000);

  it('trains on WASM from the start, saying why, when WebGPU cannot create the step graph', async () => {
    const rt = await nodeRuntime();
    const cpu = await run(new Jobs(rt, fakeGpu().ort, 'wasm'));
    const gpu = fakeGpu();
    gpu.failCreate();
    const moved = await run(new Jobs(rt, gpu.ort, 'webgpu'));
    expect(moved.progress.every((p) => p.provider === 'wasm')).toBe(true);
    expect(moved.progress[0]!.fallbackReason).toMatch(/^WebGPU could not train this model \(.*no WebGPU kernel.*\); it trains on WASM\.$/);
    expect(moved.losses).toEqual(cpu.losses);
  }, 300_000);

  it('goes on on WASM from the step before when a step fails on WebGPU: the same losses as never failing', async () => {
    const rt = await nodeRuntime();
    const cpu = await run(new Jobs(rt, fakeGpu().ort, 'wasm'));
    const gpu = fakeGpu();
    gpu.failRun(5);
    const moved = await run(new Jobs(rt, gpu.ort, 'webgpu'));
    expect(moved.result).toMatchObject({ status: 'done', step: 8 });
    expect(moved.progress.filter((p) => p.step < 5).every((p) => p.provider === 'webgpu')).toBe(true);
    const after = moved.progress.filter((p) => p.step >= 5);
    expect(after.length).toBeGreaterThan(0);
    for (const p of after) {
      expect(p.provider).toBe('wasm');
      expect(p.fallbackReason).toMatch(/^WebGPU training failed at step 5 \(.*\); it goes on on WASM from step 4\.$/);
    }
    expect(moved.losses).toEqual(cpu.losses);
    expect(moved.weights!.weights).toEqual(cpu.weights!.weights);
    expect(gpu.log.alive.size).toBe(0); // the GPU state was read back and freed
  }, 300_000);

  it('takes the steps again on WASM, saying so, when the failed step’s state cannot be read back from the GPU', async () => {
    const rt = await nodeRuntime();
    const cpu = await run(new Jobs(rt, fakeGpu().ort, 'wasm'));
    const gpu = fakeGpu();
    gpu.failRun(6);
    const jobs = new Jobs(rt, gpu.ort, 'webgpu');
    const progress: TrainProgress[] = [];
    const result = await jobs.train({ spec, recipe, reportEvery: 2 }, (p) => {
      progress.push(p);
      if (p.step === 4) gpu.loseDevice();
    });
    expect(result).toMatchObject({ status: 'done', step: 8 });
    expect(progress.at(-1)!.provider).toBe('wasm');
    expect(progress.at(-1)!.fallbackReason).toMatch(/^WebGPU training failed at step 6 \(.*\) and its state could not be read back; steps 1 to 5 were taken again on WASM, where it goes on\.$/);
    expect(jobs.state('a')!.reports.map((s) => s.loss)).toEqual(cpu.losses);
    expect((await jobs.trainedWeights('a'))!.weights).toEqual(cpu.weights!.weights);
  }, 300_000);
});
