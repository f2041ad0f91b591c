// The head statistics the worker sends (workers/analyse.ts AnalysisResult.headStats and
// workers/jobs.ts TrainSnapshot.headStats) against headStats() of the float64 reference forward
// pass's maps (test/reference/forward64.ts: written from the papers' math, nothing shared with the
// compiler), on the seed's weights and on a training job's weights at the snapshot's step. A text
// longer than a thumbnail checks that the statistics come from the full maps, not block means.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { headStats, type HeadStats } from '../../src/analysis/headStats';
import { compile } from '../../src/compiler/compile';
import { defaultSpec } from '../../src/spec/defaults';
import { layerSchedule } from '../../src/spec/schedule';
import { tokenize, VOCAB_SIZE } from '../../src/spec/vocab';
import { recipe as trainRecipe } from '../../src/train/run';
import type { OrtLike } from '../../src/train/trainer';
import { analyse } from '../../workers/analyse';
import type { TrainedWeights, TrainProgress } from '../../workers/api';
import { Jobs } from '../../workers/jobs';
import { referenceForward } from '../reference/forward64';
import { nodeRuntime, nodeSessions, weightsOf } from '../helpers';

const STATS = ['previousToken', 'induction', 'sink', 'distance'] as const;

/** Every statistic of every head within `tol` of the reference's (null exactly where it is null). */
function expectStatsClose(got: HeadStats[][], want: HeadStats[][], tol: number, what: string) {
  expect(got.length, `${what}: layer runs`).toBe(want.length);
  got.forEach((row, r) => {
    expect(row.map((s) => s.head), `${what}: heads of run ${r}`).toEqual(want[r]!.map((s) => s.head));
    row.forEach((s, h) => {
      for (const k of STATS) {
        const w = want[r]![h]![k];
        if (w === null) expect(s[k], `${what}: run ${r} head ${h} ${k}`).toBeNull();
        else expect(Math.abs(s[k]! - w), `${what}: run ${r} head ${h} ${k}: ${s[k]} vs ${w}`).toBeLessThanOrEqual(tol);
      }
    });
  });
}

describe('head statistics from the worker', () => {
  it('an analysis sends headStats() of each layer run, equal to the float64 reference maps\' statistics', async () => {
    const spec = defaultSpec();
    // A repeated segment (induction scores defined) longer than a 24-cell thumbnail.
    const tokens = tokenize('the cat sat on the mat; the cat sat on the mat!', spec.maxLen).ids;
    const T = tokens.length;
    expect(T).toBeGreaterThan(24);
    const { result } = await analyse(await nodeSessions(), { id: 1, spec, tokens });
    const ref = referenceForward(spec, weightsOf(compile(spec, { T, mode: 'inspect' })), tokens, VOCAB_SIZE);
    const want = ref.probs.map((p) => headStats(p, tokens, spec.nHeads));
    expect(result.headStats).toHaveLength(layerSchedule(spec).length);
    expect(want.flat().every((s) => s.induction !== null)).toBe(true);
    expectStatsClose(result.headStats, want, 1e-4, 'analysis');
  });

  it('a training snapshot sends headStats() of the probe\'s maps with the weights of its step', async () => {
    const spec = defaultSpec();
    const rt = await nodeRuntime();
    const jobs = new Jobs(rt, ort as unknown as OrtLike);
    const probe = tokenize('abcab|abcab', spec.maxLen).ids;
    const weights = new Map<number, TrainedWeights>();
    const reads: Promise<unknown>[] = [];
    const progress: TrainProgress[] = [];
    const recipe = trainRecipe({ task: 'copy', taskParams: { maxLen: 4 }, T: 8, batch: 4, steps: 4, lr: 3e-3, warmup: 1, evalEvery: 4, seed: 5 });
    await jobs.train({ spec, recipe, reportEvery: 1, snapshotEvery: 2, probe }, (p) => {
      progress.push(p);
      reads.push(jobs.trainedWeights('a').then((w) => weights.set(p.step, w!))); // asked now: the weights of this step
    });
    await Promise.all(reads);
    const snaps = progress.flatMap((p) => p.snapshots);
    expect(snaps.map((s) => s.step)).toEqual([2, 4]);
    for (const s of snaps) {
      const byName = new Map(weights.get(s.step)!.weights.map((x) => [x.name, x.data]));
      const ref = referenceForward({ ...spec, seed: recipe.seed }, (name) => Float64Array.from(byName.get(name)!), probe, VOCAB_SIZE);
      expectStatsClose(s.headStats!, ref.probs.map((p) => headStats(p, probe, spec.nHeads)), 1e-4, `step ${s.step}`);
    }
    await jobs.reset('a');
  });
});
