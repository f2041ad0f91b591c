// The worker's training job (workers/jobs.ts), run as the worker runs it, on onnxruntime-web WASM in
// Node: its losses against src/train/run.ts's train() with the same recipe (a second, independent
// loop over the same trainer), pause/resume/stop/reset, an analysis interleaved with the steps and
// the snapshots against the float64 reference forward pass on the weights of their step.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/defaults';
import { ERROR } from '../../src/spec/errors';
import { tokenize, VOCAB_SIZE } from '../../src/spec/vocab';
import { recipe as trainRecipe, train } from '../../src/train/run';
import type { OrtLike } from '../../src/train/trainer';
import { analyse } from '../../workers/analyse';
import type { AnalysisRequest, ModelSlot, TrainedWeights, TrainProgress, TrainRequest } from '../../workers/api';
import { Jobs } from '../../workers/jobs';
import { Sessions } from '../../workers/sessions';
import { referenceForward } from '../reference/forward64';
import { expectClose, nodeRuntime } from '../helpers';

const ORT = ort as unknown as OrtLike;
const spec = defaultSpec();
const recipe = (steps: number, more: Partial<Parameters<typeof trainRecipe>[0]> = {}) =>
  trainRecipe({ task: 'copy', taskParams: { maxLen: 4 }, T: 8, batch: 4, steps, lr: 3e-3, warmup: 2, evalEvery: 4, seed: 3, ...more });
const TEXT = 'abcd|abcd';

async function setup() {
  const rt = await nodeRuntime();
  return { jobs: new Jobs(rt, ORT), sessions: new Sessions(rt) };
}

/** An analysis as the worker runs it (workers/serve.ts): on the slot's job's weights when it has a job of this architecture. */
const analyseAs = async (jobs: Jobs, sessions: Sessions, req: AnalysisRequest) => analyse(sessions, req, () => false, () => undefined, (await jobs.weightsFor(req.slot ?? 'a', req.spec)) ?? undefined);

/** The float64 reference on a job's weights. */
const reference = (w: TrainedWeights, tokens: number[]) => {
  const byName = new Map(w.weights.map((x) => [x.name, x.data]));
  return referenceForward(spec, (name) => Float64Array.from(byName.get(name)!), tokens, VOCAB_SIZE);
};

/** Runs a job to its end, recording its progress and the weights at each report. */
async function record(jobs: Jobs, req: TrainRequest, during: (p: TrainProgress) => void = () => undefined) {
  const progress: TrainProgress[] = [];
  const weights = new Map<number, TrainedWeights>();
  const reads: Promise<unknown>[] = [];
  const result = await jobs.train(req, (p) => {
    progress.push(p);
    reads.push(jobs.trainedWeights(req.slot ?? 'a').then((w) => weights.set(p.step, w!))); // asked now: the weights of this step
    during(p);
  });
  await Promise.all(reads);
  return { result, progress, weights };
}

describe('a training job in the worker', () => {
  it('takes the steps of train() with the same recipe: identical losses, accuracies, norms and held-out evaluations', async () => {
    const { jobs } = await setup();
    const r = recipe(10);
    const { result, progress } = await record(jobs, { spec, recipe: r, reportEvery: 3 });
    const ref = await train(ORT, spec, r);
    await ref.trainer.release();
    const state = jobs.state('a')!;
    expect(result).toMatchObject({ status: 'done', step: 10 });
    expect(state.reports.map((s) => s.loss)).toEqual(ref.steps.map((s) => s.loss));
    expect(state.reports).toEqual(ref.steps);
    expect(state.evaluations).toEqual(ref.evaluations);
    expect(result.evaluation).toEqual(ref.evaluations.at(-1));
    // Reports every 3 steps and at the end, carrying every step once, with its evaluations.
    expect(progress.map((p) => p.step)).toEqual([3, 6, 9, 10]);
    expect(progress.flatMap((p) => p.reports)).toEqual(ref.steps);
    expect(progress.flatMap((p) => p.evaluations)).toEqual(ref.evaluations);
    expect(progress.at(-1)!.status).toBe('done');
    for (const p of progress) expect(p.stepsPerSecond).toBeGreaterThan(0);
    // The first step's loss is about ln V for an untrained model (a sanity check on the setup).
    expect(Math.abs(ref.steps[0]!.loss - Math.log(VOCAB_SIZE))).toBeLessThan(1.5);
    await jobs.reset('a');
  });

  it('pause then resume continues the loss sequence of an uninterrupted run; stop ends it with its weights kept', async () => {
    const { jobs } = await setup();
    const r = recipe(8);
    const whole = await train(ORT, spec, r);
    await whole.trainer.release();

    let paused = 0;
    const run = record(jobs, { spec, recipe: r, reportEvery: 1 }, (p) => {
      if (p.step === 3 && p.reports.length) jobs.pause('a');
      if (p.status === 'paused') {
        paused++;
        expect(jobs.state('a')).toMatchObject({ status: 'paused', step: 3 });
        setTimeout(() => jobs.resume('a'), 0);
      }
    });
    const { result, progress } = await run;
    expect(paused).toBe(1);
    expect(result.status).toBe('done');
    expect(progress.map((p) => p.status)).toEqual(['running', 'running', 'running', 'paused', 'running', 'running', 'running', 'running', 'running', 'done']);
    expect(jobs.state('a')!.reports.map((s) => s.loss)).toEqual(whole.steps.map((s) => s.loss));

    // Stop: the job ends after the step in progress, and its weights stay.
    const stopped = await record(jobs, { spec, recipe: r, reportEvery: 1 }, (p) => {
      if (p.step === 2) void jobs.stop('a');
    });
    expect(stopped.result).toMatchObject({ status: 'stopped', step: 2 });
    expect(jobs.state('a')!.reports.map((s) => s.loss)).toEqual(whole.steps.slice(0, 2).map((s) => s.loss));
    expect((await jobs.trainedWeights('a'))!.step).toBe(2);
    await jobs.reset('a');
    expect(jobs.state('a')).toBeNull();
  });

  it('answers an analysis while the job runs, on the weights of the step it arrived after (float64 reference)', async () => {
    const { jobs, sessions } = await setup();
    const tokens = tokenize(TEXT, spec.maxLen).ids;
    let asked: ReturnType<typeof analyseAs> | null = null;
    let answeredAt: { status: string; step: number } | null = null;
    const { result, weights } = await record(jobs, { spec, recipe: recipe(30), reportEvery: 1 }, (p) => {
      // Asked in a task of its own, as a message from the page arrives: the job must give it a turn.
      if (p.step === 2)
        setTimeout(() => {
          asked = analyseAs(jobs, sessions, { id: 1, spec, tokens });
          void asked.then(() => {
            const s = jobs.state('a')!;
            answeredAt = { status: s.status, step: s.step };
          });
        }, 0);
    });
    expect(result.status).toBe('done');
    const { result: a } = await asked!;
    // Answered before the job ended, within a step of being asked.
    expect(answeredAt).toMatchObject({ status: 'running' });
    expect(answeredAt!.step).toBeLessThanOrEqual(3);
    const m = /^trained (\d+) step (\d+)$/.exec(a.weights!)!;
    expect(m).not.toBeNull();
    const step = Number(m[2]);
    expect(step).toBe(2);
    const ref = reference(weights.get(step)!, tokens);
    expectClose(a.logits, ref.logits, 1e-4, 'logits on the weights of step 2 vs float64 reference');
    sessions.releaseAll();
    await jobs.reset('a');
  });

  it('reset brings the untrained weights back: an analysis equals the untrained model’s', async () => {
    const { jobs, sessions } = await setup();
    const tokens = tokenize(TEXT, spec.maxLen).ids;
    const seeded = { ...spec, seed: 3 }; // the recipe's seed draws the initial weights
    const before = await analyseAs(jobs, sessions, { id: 1, spec: seeded, tokens });
    expect(before.result.weights).toBe('seed 3');
    await jobs.train({ spec, recipe: recipe(6) });
    const trained = await analyseAs(jobs, sessions, { id: 2, spec: seeded, tokens });
    expect(trained.result.weights).toMatch(/^trained \d+ step 6$/);
    expectClose(trained.result.logits, reference((await jobs.trainedWeights('a'))!, tokens).logits, 1e-4, 'trained logits vs float64 reference');
    expect(Array.from(trained.result.logits)).not.toEqual(Array.from(before.result.logits));
    // Another architecture in the same slot is not the job's: it runs on its seed's weights.
    const other = await analyseAs(jobs, sessions, { id: 3, spec: { ...seeded, nHeads: 2 }, tokens });
    expect(other.result.weights).toBe('seed 3');
    await jobs.reset('a');
    expect(await jobs.trainedWeights('a')).toBeNull();
    const after = await analyseAs(jobs, sessions, { id: 4, spec: seeded, tokens });
    expect(after.result.weights).toBe('seed 3');
    expect(Array.from(after.result.logits)).toEqual(Array.from(before.result.logits));
    after.held.maps.forEach((m, i) => expect(Array.from(m)).toEqual(Array.from(before.held.maps[i]!)));
    sessions.releaseAll();
  });

  it('takes snapshots of the probe at the chosen steps, equal to an inspect run on the weights of that step', async () => {
    const { jobs } = await setup();
    const probe = tokenize('abc|abc_', spec.maxLen).ids;
    const { progress, weights } = await record(jobs, { spec, recipe: recipe(7), reportEvery: 1, snapshotEvery: 3, probe, view: { layer: 1, head: 2 } });
    const snaps = progress.flatMap((p) => p.snapshots);
    expect(snaps.map((s) => s.step)).toEqual([3, 6]);
    for (const s of snaps) {
      const ref = reference(weights.get(s.step)!, probe);
      expect([s.T, s.nLayers, s.nHeads, s.thumbSide]).toEqual([probe.length, spec.layers.length, spec.nHeads, probe.length]);
      s.thumbs.forEach((t, i) => expectClose(t, ref.probs[i]!, 1e-4, `step ${s.step} attn_probs.${i}`));
      s.entropy.forEach((e, i) => expectClose(e, ref.entropy[i]!, 1e-4, `step ${s.step} attn_entropy.${i}`));
      const T = probe.length;
      expect([s.map.layer, s.map.head, s.map.side]).toEqual([1, 2, T]);
      expectClose(s.map.values, ref.probs[1]!.subarray(2 * T * T, 3 * T * T), 1e-4, `step ${s.step} view map`);
    }
    // The snapshots differ between steps: the maps move as the model learns.
    expect(Array.from(snaps[0]!.thumbs[0]!)).not.toEqual(Array.from(snaps[1]!.thumbs[0]!));
    await jobs.reset('a');
  });

  it('refuses a step over the training budget and bad task parameters before compiling, keeping the job there was', async () => {
    const { jobs } = await setup();
    await jobs.train({ spec, recipe: recipe(2) });
    const kept = (await jobs.trainedWeights('a'))!;
    await expect(jobs.train({ spec, recipe: recipe(2, { T: 128, batch: 4096, taskParams: {} }) })).rejects.toMatchObject({ name: ERROR.TrainingBudgetError, message: expect.stringMatching(/budget/) });
    await expect(jobs.train({ spec, recipe: recipe(2, { taskParams: { minLen: 5, maxLen: 4 } }) })).rejects.toMatchObject({ name: ERROR.TaskError, message: expect.stringMatching(/minLen \(5\)/) });
    await expect(jobs.train({ spec, recipe: recipe(2, { task: 'nope' }) })).rejects.toMatchObject({ name: ERROR.TaskError, message: expect.stringMatching(/no task "nope"/) });
    await expect(jobs.train({ spec, recipe: recipe(0) })).rejects.toMatchObject({ name: ERROR.TaskError, message: expect.stringMatching(/steps must be/) });
    await expect(jobs.train({ spec, recipe: recipe(2), probe: [1, VOCAB_SIZE] })).rejects.toMatchObject({ name: ERROR.TaskError, message: expect.stringMatching(/probe's tokens/) });
    expect(await jobs.trainedWeights('a')).toEqual(kept);
    await jobs.reset('a');
  });

  it('ends a diverged job with status diverged and the weights of the step before', async () => {
    const { jobs } = await setup();
    const slot: ModelSlot = 'b';
    const { result, weights } = await record(jobs, { slot, spec, recipe: recipe(20, { lr: 1e30, warmup: 0 }), reportEvery: 1 });
    expect(result.status).toBe('diverged');
    expect(result.message).toMatch(/diverged at step \d+/);
    const at = Number(/step (\d+)/.exec(result.message!)![1]);
    expect(result.step).toBe(at - 1);
    expect(await jobs.trainedWeights(slot)).toEqual(weights.get(at - 1));
    await jobs.reset(slot);
  });

  it('a stop while the step graph compiles cancels the job before its first step', async () => {
    const { jobs } = await setup();
    const running = jobs.train({ spec, recipe: recipe(50), reportEvery: 1 }); // past its checks: compiling
    await jobs.stop('a');
    const result = await running;
    expect(result).toMatchObject({ status: 'stopped', step: 0 });
    expect(result.message).toMatch(/before its first step/);
    expect(jobs.state('a')).toBeNull();
    // The slot trains again afterwards.
    expect((await jobs.train({ spec, recipe: recipe(2) })).status).toBe('done');
    await jobs.reset('a');
  });
});
