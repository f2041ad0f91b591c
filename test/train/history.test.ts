// The loss history files (src/train/history.ts): the CSV parsed back gives every step's figures and
// the evaluations on their steps; the JSON parsed back gives every report and evaluation exactly.
import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/defaults';
import { HISTORY_COLUMNS, historyCsv, historyJson, type RunHistory } from '../../src/train/history';
import { recipe } from '../../src/train/run';

const run: RunHistory = {
  spec: defaultSpec(),
  recipe: recipe({ task: 'copy', T: 14 }),
  status: 'stopped',
  step: 3,
  steps: 1000,
  reports: [1, 2, 3].map((step) => ({ step, loss: 4.6 / step + 1e-7 * Math.PI, accuracy: step / 7, gradNorm: Math.SQRT2 * step, layerGradNorms: [step, 2 * step], lr: 3e-3 * step })),
  evaluations: [{ step: 2, loss: 2.25, accuracy: 1 / 3 }],
};

describe('loss history files', () => {
  it('CSV: one row per step, every figure reading back to the same number, held-out on its step only', () => {
    const [header, ...rows] = historyCsv(run).trimEnd().split('\n');
    expect(header!.split(',')).toEqual([...HISTORY_COLUMNS]);
    expect(rows).toHaveLength(3);
    rows.forEach((line, i) => {
      const c = line.split(',');
      const r = run.reports[i]!;
      expect(c.slice(0, 5).map(Number)).toEqual([r.step, r.loss, r.accuracy, r.gradNorm, r.lr]);
      const e = run.evaluations.find((x) => x.step === r.step);
      expect(c.slice(5)).toEqual(e ? [String(e.loss), String(e.accuracy)] : ['', '']);
    });
  });

  it('CSV: an evaluation of a step without a report (a thinned history) still has its row', () => {
    const rows = historyCsv({ ...run, reports: run.reports.slice(0, 1) }).trimEnd().split('\n');
    expect(rows.at(-1)).toBe(`2,,,,,2.25,${1 / 3}`);
  });

  it('JSON: the spec, the recipe, every report and evaluation exactly', () => {
    const back = JSON.parse(historyJson(run)) as RunHistory;
    expect(back.reports).toEqual(run.reports);
    expect(back.evaluations).toEqual(run.evaluations);
    expect(back.recipe).toEqual(run.recipe);
    expect(back.spec).toEqual(run.spec);
  });
});
