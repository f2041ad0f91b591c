// The norm-placement training lesson's claim, on its own experiment with one of its seeds (the
// lesson's steps): without warm-up at a high learning rate, Post-LN does not learn beyond
// character frequencies while Pre-LN and Peri-LN do; Pre-LN's residual stream grows far larger than
// Peri-LN's.
import { expect, it } from 'vitest';
import normTraining, { NORM_MEASURES as M, normExperiment, normLabel } from '../../../src/presets/lessons/normTraining';
import { expectFiguresDefined, expectFiguresNameTheExperiment, run, value } from './claims';

it('every figure the lesson quotes names a row and a measure of its experiment', () => {
  expectFiguresNameTheExperiment(normTraining, normExperiment());
});

it('Post-LN stalls without warm-up; Pre-LN learns with a growing stream; Peri-LN learns and keeps it small', async () => {
  const { result, rows } = await run({ ...normExperiment(), seeds: [1] });
  const [post, pre, peri] = (['post', 'pre', 'peri'] as const).map((p) => (m: number) => value(rows, normLabel(p), m));

  // Learning: Pre-LN and Peri-LN well ahead of Post-LN in held-out loss and accuracy.
  for (const learnt of [pre!, peri!]) {
    expect(learnt(M.loss)).toBeLessThan(post!(M.loss) - 0.4);
    expect(learnt(M.accuracy)).toBeGreaterThan(post!(M.accuracy) + 0.05);
  }
  // Residual growth: Pre-LN's stream after the last layer at least twice Peri-LN's; Post-LN's ends in a norm.
  expect(pre!(M.residual)).toBeGreaterThan(2 * peri!(M.residual));
  expect(peri!(M.residual)).toBeGreaterThan(post!(M.residual));
  expectFiguresDefined(normTraining, rows, result, rows.map((r) => r.label));
}, 900_000);
