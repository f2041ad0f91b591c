// The store's training controller when the WebGPU worker goes while it trains (a lost device: the
// host retires the worker and the job rejects with WorkerLost): the run starts again, same recipe,
// on the worker the host runs now (WASM), said in one sentence; a WASM worker's loss is not retried.
import { describe, expect, it } from 'vitest';
import { createAppStore, type StoreRuntime } from '../../src/state/store';
import { ERROR } from '../../src/spec/errors';
import type { TrainProgress, TrainRequest, TrainResult } from '../../workers/api';

const tick = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
};
const lost = () => Object.assign(new Error('The WebGPU worker stopped (the device was lost) before answering; it was restarted.'), { name: ERROR.WorkerLost });
const progress = (provider: 'wasm' | 'webgpu', step: number): TrainProgress => ({
  job: step,
  slot: 'a',
  status: 'running',
  step,
  steps: 300,
  reports: [{ step, loss: 4 - step / 100, accuracy: 0, gradNorm: 1, layerGradNorms: [1], lr: 1e-3 }],
  evaluations: [],
  snapshots: [],
  stepsPerSecond: 1,
  provider,
});

/** A runtime whose train calls are answered by `answers`, in order. */
function runtimeOf(answers: ((onProgress: (p: TrainProgress) => void) => Promise<TrainResult>)[]) {
  const asked: TrainRequest[] = [];
  const runtime = {
    train: (req: TrainRequest, onProgress: (p: TrainProgress) => void) => {
      asked.push(req);
      return answers[asked.length - 1]!(onProgress);
    },
    pauseTraining: async () => undefined,
    resumeTraining: async () => undefined,
    stopTraining: async () => undefined,
    resetTraining: async () => undefined,
  } as unknown as StoreRuntime;
  return { runtime, asked };
}

describe('training when the WebGPU worker is lost', () => {
  it('starts the run again on the worker the host runs now, with the same recipe, and says so', async () => {
    const { runtime, asked } = runtimeOf([
      async (onProgress) => {
        onProgress(progress('webgpu', 10));
        await tick(1);
        throw lost();
      },
      async (onProgress) => {
        onProgress(progress('wasm', 10));
        return { job: 2, slot: 'a', status: 'done', step: 300, evaluation: null };
      },
    ]);
    const store = createAppStore({ runtime });
    store.getState().trainingActions.start();
    await tick(10);
    expect(asked).toHaveLength(2);
    expect(asked[1]!.recipe).toEqual(asked[0]!.recipe);
    expect(asked[1]!.spec).toEqual(asked[0]!.spec);
    const { runs, notice } = store.getState().training;
    expect(notice).toMatchObject({ tone: 'warning', text: 'Training lost its WebGPU worker at step 10; it starts again on WASM from the first step.' });
    expect(runs.a).toMatchObject({ status: 'done', provider: 'wasm' });
    expect(runs.a!.reports).toHaveLength(1); // the curve starts again: the lost run's steps are not kept
  });

  it('does not start again when the lost worker was the WASM one', async () => {
    const { runtime, asked } = runtimeOf([
      async (onProgress) => {
        onProgress(progress('wasm', 10));
        await tick(1);
        throw lost();
      },
    ]);
    const store = createAppStore({ runtime });
    store.getState().trainingActions.start();
    await tick(10);
    expect(asked).toHaveLength(1);
    expect(store.getState().training.runs.a).toMatchObject({ status: 'failed' });
    expect(store.getState().training.notice).toMatchObject({ tone: 'error' });
  });
});
