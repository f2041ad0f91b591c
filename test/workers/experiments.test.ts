// The worker's experiments (workers/experiments.ts), run as the worker runs them on onnxruntime-web
// WASM in Node: its runs against runExperiment called directly on the same definition (a second,
// independent call: identical losses, evaluations and measures), a second experiment refused while
// one runs, stop, and kept runs skipped.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/defaults';
import type { Experiment, ExperimentProgress, ExperimentRun } from '../../src/spec/experiment';
import type { Spec } from '../../src/spec/types';
import { runExperiment } from '../../src/train/experiment';
import { recipe } from '../../src/train/run';
import type { OrtLike } from '../../src/train/trainer';
import { Experiments } from '../../workers/experiments';
import { nodeRuntime } from '../helpers';

const ORT = ort as unknown as OrtLike;

/** A 2-layer model small enough to train in a second. */
function tiny(): Spec {
  const base = defaultSpec();
  return { ...base, name: 'tiny', dModel: 16, nHeads: 2, maxLen: 16, layers: base.layers.slice(0, 2) };
}

const EXP: Experiment = {
  title: 'tiny on copy, two seeds',
  variants: [{ label: 'tiny', model: tiny() }],
  recipe: recipe({ task: 'copy', taskParams: { minLen: 1, maxLen: 3, alphabet: 4 }, T: 6, batch: 8, steps: 20, lr: 1e-2, warmup: 3, evalEvery: 10 }),
  seeds: [1, 2],
  measures: [{ kind: 'accuracy' }, { kind: 'loss' }, { kind: 'trainLoss' }],
};

/** A run less its wall-clock time (the one field two identical runs differ in). */
const timeless = ({ seconds: _seconds, ...run }: ExperimentRun) => run;

describe('experiments in the worker', () => {
  it('runs the runs runExperiment runs: identical losses, evaluations and measures, on WASM', async () => {
    const experiments = new Experiments(await nodeRuntime(), ORT);
    const heard: ExperimentProgress[] = [];
    const result = await experiments.run(EXP, [], (p) => heard.push(p));
    const direct = await runExperiment(ORT, EXP, { providers: ['wasm'] });
    expect(result.provider).toBe('wasm');
    expect(result.runs.map(timeless)).toEqual(direct.runs.map(timeless));
    expect(result.runs.map((r) => r.status)).toEqual(['done', 'done']);
    expect(result.finished).toBeDefined();
    // One progress bar: the fraction never goes back, and every run is reported once finished.
    const fractions = heard.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(heard.flatMap((p) => p.finished).map(timeless)).toEqual(direct.runs.map(timeless));
    expect(experiments.busy).toBe(false);
  });

  it('refuses a second experiment while one runs; stop ends the run under way; kept runs are skipped', async () => {
    const experiments = new Experiments(await nodeRuntime(), ORT);
    let stopAt = false;
    const first = experiments.run(EXP, [], (p) => {
      if (!stopAt && p.run === 0 && p.step >= 10) {
        stopAt = true;
        experiments.stop();
      }
    });
    await expect(experiments.run(EXP)).rejects.toThrow(/already running/);
    const stopped = await first;
    expect(stopped.runs.map((r) => r.status)).toEqual(['stopped']);
    expect(stopped.runs[0]!.steps).toBeLessThan(EXP.recipe.steps);
    expect(stopped.finished).toBeUndefined();

    // Seed 1 kept from before: only seed 2 is trained, and it equals a direct run of seed 2.
    const direct = await runExperiment(ORT, EXP, { providers: ['wasm'] });
    const kept = direct.runs[0]!;
    const trained: number[] = [];
    const resumed = await experiments.run(EXP, [kept], (p) => p.finished.forEach((r) => trained.push(r.seed)));
    expect(trained).toEqual([2]);
    expect(resumed.runs[0]).toBe(kept);
    expect(timeless(resumed.runs[1]!)).toEqual(timeless(direct.runs[1]!));
  });
});
