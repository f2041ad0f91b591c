// The experiment runner (src/train/experiment.ts): its plan, its runs against direct train() calls,
// and its measures against independent computations (evaluateAt on separately trained weights;
// head statistics of the maps that workers/analyse.ts draws on onnxruntime-web from those weights).
// Models are tiny (d_model 16, T 6) and runs short, so the file takes seconds.
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/defaults';
import type { Experiment, ExperimentResult, ExperimentRun, ExperimentProgress } from '../../src/spec/experiment';
import type { Spec } from '../../src/spec/types';
import { headEntropies } from '../../src/analysis/entropy';
import { headStats } from '../../src/analysis/headStats';
import { evaluateAt } from '../../src/train/evaluate';
import { applyPath, ExperimentError, lossSpikeOf, measured, planRuns, rowOf, runExperiment, summarize, trainLossOf } from '../../src/train/experiment';
import { heldOutBatches, recipe, train, type Recipe } from '../../src/train/run';
import { findTask } from '../../src/train/tasks/registry';
import type { OrtLike } from '../../src/train/trainer';
import { analyse, seedWeights } from '../../workers/analyse';
import { nodeSessions } from '../helpers';

const ort = ((ortNode as unknown as { default?: OrtLike }).default ?? ortNode) as unknown as OrtLike;
const CPU = { providers: ['cpu'] };

/** A 2-layer model small enough to train in a second. */
function tiny(): Spec {
  const base = defaultSpec();
  return { ...base, name: 'tiny', dModel: 16, nHeads: 2, maxLen: 16, layers: base.layers.slice(0, 2) };
}
const COPY: Recipe = recipe({ task: 'copy', taskParams: { minLen: 1, maxLen: 3, alphabet: 4 }, T: 6, batch: 8, steps: 30, lr: 1e-2, warmup: 3, evalEvery: 10 });

function experiment(over: Partial<Experiment> = {}): Experiment {
  return {
    title: 'test',
    variants: [{ label: 'tiny', model: tiny() }],
    recipe: COPY,
    seeds: [1],
    measures: [{ kind: 'accuracy' }, { kind: 'loss' }],
    ...over,
  };
}

describe('planRuns and applyPath', () => {
  it('expands variants × sweep values × seeds, seeds innermost, with labels and the sweep applied', () => {
    const exp = experiment({
      variants: [
        { label: 'A', model: tiny() },
        { label: 'B', model: 'post-ln', recipe: { lr: 5e-3 } },
      ],
      sweep: { path: 'recipe.steps', values: [10, 20] },
      seeds: [3, 4],
    });
    const plan = planRuns(exp);
    expect(plan.map((p) => [p.variant, p.sweep, p.seed])).toEqual([
      [0, 0, 3], [0, 0, 4], [0, 1, 3], [0, 1, 4],
      [1, 0, 3], [1, 0, 4], [1, 1, 3], [1, 1, 4],
    ]);
    expect(plan[2]!.label).toBe('A, steps = 20');
    expect(plan.map((p) => p.recipe.steps)).toEqual([10, 10, 20, 20, 10, 10, 20, 20]);
    expect(plan.map((p) => p.recipe.seed)).toEqual([3, 4, 3, 4, 3, 4, 3, 4]);
    expect(plan.every((p) => p.spec.seed === p.recipe.seed)).toBe(true);
    expect(plan[4]!.recipe.lr).toBe(5e-3);
    expect(plan[0]!.recipe.lr).toBe(COPY.lr);
    expect(plan[4]!.spec.layers.every((l) => l.placement === 'post')).toBe(true);
  });

  it("sets spec fields, every list element with '*', new block parameters, and recipe fields", () => {
    const spec = tiny();
    const a = applyPath(spec, COPY, 'dModel', 32);
    expect(a.spec.dModel).toBe(32);
    expect(spec.dModel).toBe(16); // the input is not changed
    const bare: Spec = { ...spec, layers: spec.layers.map((l) => ({ ...l, mixer: { ...l.mixer, params: {} } })) };
    const b = applyPath(bare, COPY, 'layers.*.mixer.params.kvHeads', 1); // a parameter left at its default is absent
    expect(b.spec.layers.map((l) => l.mixer.params)).toEqual([{ kvHeads: 1 }, { kvHeads: 1 }]);
    expect(bare.layers[0]!.mixer.params).toEqual({});
    const c = applyPath(spec, COPY, 'layers.1.placement', 'post');
    expect(c.spec.layers.map((l) => l.placement)).toEqual(['pre', 'post']);
    const d = applyPath(spec, COPY, 'recipe.taskParams.maxLen', 2);
    expect(d.recipe.taskParams).toEqual({ ...COPY.taskParams, maxLen: 2 });
    expect(d.spec).toBe(spec);
    expect(applyPath(spec, COPY, 'recipe.lr', 0.5).recipe.lr).toBe(0.5);
  });

  it.each([
    ['dModell', 32, /no field "dModell"/],
    ['layers.7.placement', 'post', /list of 2.*"7"/],
    ['dModel.x', 1, /number, which has no field "x"/],
    ['dModel', 'big', /holds a number, not a string/],
    ['recipe.seed', 2, /seeds/],
    ['recipe.lrr', 1, /no field "lrr"/],
    ['layers..mixer', 1, /single dots/],
    ['*.x', 1, /not a list/],
  ])('refuses the path %s with a sentence', (path, value, message) => {
    expect(() => applyPath(tiny(), COPY, path, value)).toThrow(ExperimentError);
    expect(() => applyPath(tiny(), COPY, path, value)).toThrow(message);
  });

  it('refuses unknown presets and tasks, invalid specs and measures the model cannot give, naming the variant', () => {
    expect(() => planRuns(experiment({ variants: [{ label: 'X', model: 'no-such' }] }))).toThrow(/variant "X": no preset "no-such"/);
    expect(() => planRuns(experiment({ recipe: { ...COPY, task: 'juggle' } }))).toThrow(/tiny: no task "juggle"/);
    expect(() => planRuns(experiment({ sweep: { path: 'nHeads', values: [3] } }))).toThrow(/tiny, nHeads = 3: the model is not valid: nHeads/);
    expect(() => planRuns(experiment({ measures: [{ kind: 'accuracyAt', T: 32 }] }))).toThrow(/accuracyAt T = 32 needs a model with maxLen ≥ 32; this one has 16/);
    expect(() => planRuns(experiment({ measures: [{ kind: 'head', stat: 'sink', layer: 2 }] }))).toThrow(/layer run 2 does not exist/);
    expect(() => planRuns(experiment({ seeds: [] }))).toThrow(ExperimentError);
  });
});

describe('runExperiment', () => {
  it("a run's losses and evaluations are train()'s; its tracked and final measures agree", async () => {
    const exp = experiment({ measures: [{ kind: 'accuracy' }, { kind: 'loss' }, { kind: 'trainLoss' }, { kind: 'stepsTo', accuracy: 0.2 }, { kind: 'diverged' }, { kind: 'lossSpike' }] });
    const progress: ExperimentProgress[] = [];
    const result = await runExperiment(ort, exp, { providers: ['cpu'], onProgress: (p) => progress.push(p) });
    const direct = await train(ort, { ...tiny(), seed: 1 }, { ...COPY, seed: 1 }, { trainer: CPU });
    await direct.trainer.release();
    const run = result.runs[0]!;
    expect(run.status).toBe('done');
    expect(run.losses).toEqual(direct.steps.map((s) => s.loss));
    expect(run.evaluations).toEqual(direct.evaluations);
    const last = direct.evaluations[direct.evaluations.length - 1]!;
    const losses = direct.steps.map((s) => s.loss);
    // Independent of trainLossOf / lossSpikeOf: the last 3 of 30 steps, and the rise above the running minimum after step 3.
    let spike = 0;
    for (let t = 3; t < losses.length; t++) spike = Math.max(spike, losses[t]! - Math.min(...losses.slice(0, t)));
    expect(run.values[0]).toBe(last.accuracy);
    expect(run.values[1]).toBe(last.loss);
    expect(run.values[2]).toBeCloseTo((losses[27]! + losses[28]! + losses[29]!) / 3, 12);
    expect(run.values[3]).toBe(direct.evaluations.find((e) => e.accuracy >= 0.2)?.step ?? null);
    expect(run.values[4]).toBe(0);
    expect(run.values[5]).toBeCloseTo(spike, 12);
    expect(run.track.map((t) => t.step)).toEqual([10, 20, 30]);
    expect(run.track.map((t) => t.values)).toEqual(direct.evaluations.map((e) => [e.accuracy, e.loss, null, null, null, null]));
    // Progress: at least every 10 steps, then the finished run.
    expect(progress.map((p) => p.step)).toEqual([10, 20, 30, 30]);
    expect(progress[progress.length - 1]).toMatchObject({ run: 1, runs: 1, fraction: 1, finished: [run] });
    expect(result.finished).toBeDefined();
  }, 60_000);

  it('accuracyAt is evaluateAt on the trained weights at the other length; head and residual measures are the inspect maps’ of workers/analyse.ts', async () => {
    const probe = [5, 6, 5, 6, 7, 5, 6, 7];
    const exp = experiment({
      measures: [
        { kind: 'accuracyAt', T: 12, taskParams: { minLen: 1, maxLen: 6, alphabet: 4 } },
        { kind: 'head', stat: 'previousToken', layer: 0, head: 1 },
        { kind: 'head', stat: 'induction', layer: 1 },
        { kind: 'head', stat: 'entropy', layer: 1 },
        { kind: 'residual', after: -1 },
        { kind: 'residual', after: 1 },
      ],
      probe,
    });
    const result = await runExperiment(ort, exp, CPU);
    const run = result.runs[0]!;
    expect(run.status).toBe('done');

    // The same model trained independently, scored and drawn by other code paths.
    const direct = await train(ort, { ...tiny(), seed: 1 }, { ...COPY, seed: 1 }, { trainer: CPU });
    const state = await direct.trainer.readState();
    const held = findTask('copy')!.heldOut({ minLen: 1, maxLen: 6, alphabet: 4 }, 12);
    const at = await evaluateAt(ort, { ...tiny(), seed: 1 }, state, { T: 12, batch: COPY.batch }, heldOutBatches(held, COPY.batch), ['cpu']);
    const trained = await direct.trainer.weights();
    const weights = seedWeights({ ...tiny(), seed: 1 }, probe.length, 'inspect').map((w) => ({ ...w, data: trained.get(w.name)! }));
    expect(weights.every((w) => w.data.length === w.dims.reduce((a, b) => a * b, 1))).toBe(true);
    await direct.trainer.release();
    expect(run.values[0]).toBe(at.accuracy);

    const { result: a, held: maps } = await analyse(await nodeSessions(), { id: 1, spec: { ...tiny(), seed: 1 }, tokens: probe }, undefined, undefined, { key: 'trained', weights });
    const T = probe.length;
    expect(run.values[1]).toBeCloseTo(headStats(maps.maps[0]!, probe, 2)[1]!.previousToken!, 4);
    expect(run.values[2]).toBeCloseTo(Math.max(...headStats(maps.maps[1]!, probe, 2).map((s) => s.induction!)), 4);
    expect(run.values[3]).toBeCloseTo(Math.min(...headEntropies(a.entropy[1]!, a.support[1]!, 2, T).map((e) => e.meanFraction)), 4);
    const rms = (row: number) => Array.from(a.residRms.subarray(row * T, row * T + T)).reduce((s, v) => s + v, 0) / T;
    expect(a.residRms.length).toBe(3 * T);
    expect(run.values[4]).toBeCloseTo(rms(2), 4);
    expect(run.values[5]).toBeCloseTo(rms(1), 4);
    // Tracked: the last evaluation's values are the final ones (same weights).
    expect(run.track[run.track.length - 1]!.values.slice(1)).toEqual(run.values.slice(1));
    expect(run.track[run.track.length - 1]!.values[0]).toBeNull();
  }, 60_000);

  it('with σReparam the probe is fed the trained σ vectors: its maps are those of the trained weights baked with their exact σ', async () => {
    const spec: Spec = { ...tiny(), sigmaReparam: { enabled: true, gamma: 1 } };
    const probe = [5, 6, 7, 5, 6, 7];
    const exp = experiment({ variants: [{ label: 'σ', model: spec }], measures: [{ kind: 'head', stat: 'distance', layer: 1, head: 0 }, { kind: 'head', stat: 'entropy', layer: 0, head: 1 }], probe });
    const run = (await runExperiment(ort, exp, CPU)).runs[0]!;
    expect(run.status).toBe('done');
    const direct = await train(ort, { ...spec, seed: 1 }, { ...COPY, seed: 1 }, { trainer: CPU });
    const trained = await direct.trainer.weights();
    await direct.trainer.release();
    const weights = [...trained].map(([name, data]) => ({ name, dims: [data.length], data }));
    // analyse bakes σReparam weights into a graph of their own, σ = ‖W‖₂ computed exactly from them;
    // the runner's probe uses the one power iteration the model trained with: close, not equal.
    const { result: a, held: maps } = await analyse(await nodeSessions(), { id: 1, spec: { ...spec, seed: 1 }, tokens: probe }, undefined, undefined, { key: 'trained', weights });
    expect(run.values[0]).toBeCloseTo(headStats(maps.maps[1]!, probe, 2)[0]!.distance!, 2);
    expect(run.values[1]).toBeCloseTo(headEntropies(a.entropy[0]!, a.support[0]!, 2, probe.length)[1]!.meanFraction, 2);
  }, 60_000);

  it('a diverging run keeps its losses, counts as diverged in the summary, and the experiment goes on', async () => {
    const exp = experiment({
      variants: [
        { label: 'huge lr', model: tiny(), recipe: { lr: 1e30, warmup: 0 } },
        { label: 'fine', model: tiny() },
      ],
      recipe: { ...COPY, steps: 12, evalEvery: 4 },
      measures: [{ kind: 'diverged' }, { kind: 'accuracy' }],
    });
    const result = await runExperiment(ort, exp, CPU);
    const [bad, good] = result.runs;
    expect(bad!.status).toBe('diverged');
    expect(bad!.message).toMatch(/diverged at step/);
    expect(bad!.steps).toBeLessThan(12);
    expect(bad!.losses.length).toBe(bad!.steps);
    expect(bad!.losses.every(Number.isFinite)).toBe(true);
    expect(bad!.values[0]).toBe(1);
    expect(good!.status).toBe('done');
    const rows = summarize(result);
    expect(rows.map((r) => [r.label, r.runs, r.diverged])).toEqual([['huge lr', 1, 1], ['fine', 1, 0]]);
    expect(rows[0]!.measures[0]).toEqual({ n: 1, mean: 1, min: 1, max: 1, sd: 0 });
  }, 60_000);

  it('stop ends the run under way as stopped and the experiment; done runs are carried over and not run again', async () => {
    const exp = experiment({ seeds: [1, 2, 3], recipe: { ...COPY, steps: 20 } });
    let steps = 0;
    const stopped = await runExperiment(ort, exp, { ...CPU, stop: () => ++steps > 25 });
    expect(stopped.runs.map((r) => r.status)).toEqual(['done', 'stopped']);
    expect(stopped.runs[1]!.steps).toBe(3); // stop is asked before each run and each step: the 26th answer is the 4th step's
    expect(stopped.finished).toBeUndefined();
    expect(summarize(stopped)[0]!.runs).toBe(1);

    const progress: ExperimentProgress[] = [];
    const resumed = await runExperiment(ort, exp, { ...CPU, done: stopped.runs, onProgress: (p) => progress.push(p) });
    expect(resumed.runs[0]).toBe(stopped.runs[0]); // carried, not run again
    expect(resumed.runs.map((r) => [r.seed, r.status, r.steps])).toEqual([[1, 'done', 20], [2, 'done', 20], [3, 'done', 20]]);
    expect(progress.filter((p) => p.finished.length).map((p) => p.finished[0]!.seed)).toEqual([2, 3]);
    // A report after a run names the run that comes next, at step 0; after the last, the last run, all its steps.
    expect(progress.filter((p) => p.finished.length).map((p) => [p.run, p.seed, p.step])).toEqual([[2, 3, 0], [3, 3, 20]]);
    expect(progress[0]!.fraction).toBeCloseTo((20 + 10) / 60, 12);
    expect(resumed.finished).toBeDefined();
  }, 60_000);

  it('between is awaited between steps, with the trainer', async () => {
    let calls = 0;
    const r = await runExperiment(ort, experiment({ recipe: { ...COPY, steps: 5 } }), { ...CPU, between: async () => void calls++ });
    expect(r.runs[0]!.status).toBe('done');
    expect(calls).toBe(4);
  }, 60_000);
});

describe('summarize and figures', () => {
  const run = (variant: number, sweep: number | null, seed: number, status: ExperimentRun['status'], values: (number | null)[]): ExperimentRun => ({
    variant, sweep, seed, label: '', status, steps: 1, losses: [], evaluations: [], track: [], values, seconds: 0,
  });
  const result: ExperimentResult = {
    experiment: experiment({ variants: [{ label: 'A', model: 'default' }, { label: 'B', model: 'default' }], sweep: { path: 'recipe.lr', values: [0.1, 0.2] }, seeds: [1, 2, 3] }),
    runs: [
      run(0, 0, 1, 'done', [0.5, 2]),
      run(0, 0, 2, 'done', [0.7, null]),
      run(0, 0, 3, 'diverged', [0.9, 4]),
      run(0, 1, 1, 'stopped', [1, 1]),
      run(1, 1, 1, 'failed', [null, null]),
      run(1, 1, 2, 'done', [0.25, Number.NaN]),
    ],
    provider: 'wasm',
    started: '2026-12-02T00:00:00Z',
  };

  it('gives mean, sample sd, min and max over the finished runs of each row, by hand', () => {
    const rows = summarize(result);
    expect(rows.map((r) => r.label)).toEqual(['A, lr = 0.1', 'A, lr = 0.2', 'B, lr = 0.1', 'B, lr = 0.2']);
    expect(rows.map((r) => [r.runs, r.diverged])).toEqual([[3, 1], [0, 0], [0, 0], [1, 0]]);
    const a = rows[0]!.measures[0]!;
    expect(a.n).toBe(3);
    expect(a.mean).toBeCloseTo(0.7, 12);
    expect(a.sd).toBeCloseTo(0.2, 12); // deviations ±0.2, 0: sqrt(0.08 / 2)
    expect([a.min, a.max]).toEqual([0.5, 0.9]);
    expect(rows[0]!.measures[1]).toEqual({ n: 2, mean: 3, min: 2, max: 4, sd: Math.SQRT2 });
    expect(rows[1]!.measures).toEqual([null, null]);
    expect(rows[3]!.measures).toEqual([{ n: 1, mean: 0.25, min: 0.25, max: 0.25, sd: 0 }, null]);
  });

  it('rowOf and measured read a row’s number; null while it has none', () => {
    const rows = summarize(result);
    expect(rowOf(rows, 'A, lr = 0.1')).toBe(rows[0]);
    const f = measured('A, lr = 0.1', 0, 'max', 'percent');
    expect(f.show).toBe('percent');
    expect(f.of(rows, result)).toBe(0.9);
    expect(measured('A, lr = 0.1', 0).of(rows, result)).toBeCloseTo(0.7, 12);
    expect(measured('A, lr = 0.2', 0).of(rows, result)).toBeNull();
    expect(measured('nothing', 0).of(rows, result)).toBeNull();
  });

  it('trainLoss and lossSpike follow their definitions', () => {
    expect(trainLossOf([])).toBeNull();
    expect(trainLossOf([9, 1, 2])).toBe(2);
    expect(trainLossOf(Array.from({ length: 20 }, (_, i) => i))).toBe(18.5);
    expect(lossSpikeOf([5, 4, 3, 6, 2, 2.5], 0)).toBe(3);
    expect(lossSpikeOf([5, 4, 3, 6, 2, 2.5], 4)).toBe(0.5);
    expect(lossSpikeOf([3, 2, 1], 1)).toBe(0);
    expect(lossSpikeOf([3], 0)).toBeNull();
  });
});
