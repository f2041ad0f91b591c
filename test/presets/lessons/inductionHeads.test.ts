// The claim of the lesson "Induction heads form", checked on its own experiments with fixed seeds
// (onnxruntime-node, the same steps as the page's WASM to 1e-4): the 2-layer attention-only model
// sits on a plateau, then its accuracy jumps as a previous-token head (layer 0) and an induction
// head (layer 1) form; the 1-layer model stays on the plateau. Directions with margins, never
// exact values; and every figure the step texts quote has a value.
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { ExperimentResult, ExperimentRun } from '../../../src/spec/experiment';
import { findLesson } from '../../../src/presets/lessons';
import { firstStepAbove, measured, meanOverRuns, valueBefore } from '../../../src/presets/lessons/experimentFigures';
import {
  ACCURACY,
  DEPTH_FIGURES,
  depthExperiment,
  FORMED,
  HEADS_FIGURES,
  headsExperiment,
  INDUCTION_L0,
  INDUCTION_L1,
  ONE,
  PREVIOUS_L0,
  PROBE_TEXT,
  STEPS_TO,
  TWO,
} from '../../../src/presets/lessons/inductionHeads';
import { readExperiment } from '../../../src/spec/experimentSchema';
import { tokenize } from '../../../src/spec/vocab';
import { summarize, runExperiment } from '../../../src/train/experiment';
import { ids } from '../../../src/train/tasks/define';
import type { OrtLike } from '../../../src/train/trainer';

const ort = ((ortNode as unknown as { default?: OrtLike }).default ?? ortNode) as unknown as OrtLike;

/** Every figure of `figures` on `result`. */
function figuresOf(figures: Record<string, { of: (rows: ReturnType<typeof summarize>, r: ExperimentResult) => number | null }>, result: ExperimentResult): Record<string, number | null> {
  const rows = summarize(result);
  return Object.fromEntries(Object.entries(figures).map(([k, f]) => [k, f.of(rows, result)]));
}

describe('the figures read from runs', () => {
  const run = (values: (number | null)[][]): Pick<ExperimentRun, 'track'> => ({ track: values.map((v, i) => ({ step: 50 * (i + 1), values: v })) });
  it('firstStepAbove and valueBefore read the course of a tracked measure', () => {
    // measure 0: accuracy, measure 1: an induction score that passes 0.5 at the third evaluation (step 150).
    const r = run([[0.3, 0.1], [0.4, 0.2], [0.95, 0.7], [0.99, 0.8]]);
    expect(firstStepAbove(r, 1, 0.5)).toBe(150);
    expect(valueBefore(r, 1, 0.5, 0)).toBe(0.4);
    expect(firstStepAbove(r, 1, 0.9)).toBeNull();
    expect(valueBefore(r, 1, 0.9, 0)).toBeNull();
    // Reached at the first evaluation: nothing before it to read.
    expect(valueBefore(run([[0.9, 0.6]]), 1, 0.5, 0)).toBeNull();
    // A null value never counts as reaching the threshold.
    expect(firstStepAbove(run([[0.1, null], [0.2, 0.6]]), 1, 0.5)).toBe(100);
  });

  it('meanOverRuns averages over the finished runs of one row; measured reads the summary', () => {
    const runs = [
      { label: 'a', status: 'done', track: run([[0, 0.6]]).track, values: [0.5] },
      { label: 'a', status: 'done', track: run([[0, 0.1], [0, 0.7]]).track, values: [0.7] },
      { label: 'a', status: 'stopped', track: run([[0, 0.9]]).track, values: [0.1] },
      { label: 'b', status: 'done', track: run([[0, 0.9]]).track, values: [0.2] },
    ] as unknown as ExperimentRun[];
    const result = { runs } as ExperimentResult;
    expect(meanOverRuns('a', (r) => firstStepAbove(r, 1, 0.5), 'count').of([], result)).toBe(75);
    expect(meanOverRuns('c', (r) => firstStepAbove(r, 1, 0.5), 'count').of([], result)).toBeNull();
    const rows = [{ variant: 0, sweep: null, label: 'a', runs: 2, diverged: 0, measures: [{ n: 2, mean: 0.6, min: 0.5, max: 0.7, sd: 0.14 }] }];
    expect(measured('a', 0, 'max').of(rows, result)).toBe(0.7);
    expect(measured('a', 0).of(rows, result)).toBe(0.6);
    expect(measured('b', 0).of(rows, result)).toBeNull();
  });
});

describe('lesson induction-heads: the claim holds', () => {
  it('its probe is the task vocabulary’s tokens, and its steps quote the experiments they set', () => {
    expect(headsExperiment().probe).toEqual(ids(PROBE_TEXT));
    expect(tokenize(PROBE_TEXT, 128).ids.length).toBe(24);
    const lesson = findLesson('induction-heads')!;
    const withExperiment = lesson.steps.filter((s) => s.experiment);
    expect(withExperiment.map((s) => s.figures)).toEqual([HEADS_FIGURES, DEPTH_FIGURES]);
    // The page takes a definition only when it reads back as itself (links and files carry it).
    for (const exp of [headsExperiment(), depthExperiment()]) expect(readExperiment(JSON.parse(JSON.stringify(exp)))).toEqual({ ok: true, experiment: exp });
  });

  it('2 layers: a plateau, then the jump together with a previous-token head in layer 0 and an induction head in layer 1', async () => {
    const result = await runExperiment(ort, headsExperiment(), { providers: ['cpu'] });
    expect(result.runs.map((r) => r.status)).toEqual(['done', 'done']);
    for (const run of result.runs) {
      const formed = firstStepAbove(run, INDUCTION_L1!, FORMED);
      const reached = run.values[STEPS_TO!];
      expect(formed, `seed ${run.seed}: an induction head forms`).not.toBeNull();
      expect(reached, `seed ${run.seed}: accuracy passes 90%`).not.toBeNull();
      // The plateau: before the induction head, accuracy is far below where it ends.
      const before = valueBefore(run, INDUCTION_L1!, FORMED, ACCURACY!)!;
      expect(before).toBeLessThan(0.8);
      expect(run.values[ACCURACY!]!).toBeGreaterThan(0.95);
      // The plateau lasts: the head forms well after the start (the warm-up is 80 steps).
      expect(formed!).toBeGreaterThanOrEqual(150);
      // The jump comes with the head: accuracy passes 90% within 200 steps of the head forming.
      expect(Math.abs(reached! - formed!)).toBeLessThanOrEqual(200);
      // The circuit at the end: each head in its own layer (attention spread evenly over a causal
      // row of 24 would give the previous token about 0.12 on average).
      expect(run.values[PREVIOUS_L0!]!).toBeGreaterThan(0.45);
      expect(run.values[INDUCTION_L1!]!).toBeGreaterThan(0.8);
      expect(run.values[INDUCTION_L0!]!).toBeLessThan(0.3);
      // The previous-token head grows with the jump: well above where it was just before.
      const previousBefore = valueBefore(run, INDUCTION_L1!, FORMED, PREVIOUS_L0!)!;
      expect(run.values[PREVIOUS_L0!]! - previousBefore).toBeGreaterThan(0.15);
    }
    const figures = figuresOf(HEADS_FIGURES, result);
    for (const [name, value] of Object.entries(figures)) expect(value, name).not.toBeNull();
  }, 900_000);

  it('1 layer never leaves the plateau the 2-layer model leaves', async () => {
    const result = await runExperiment(ort, { ...depthExperiment(), seeds: [1] }, { providers: ['cpu'] });
    const [two, one] = summarize(result);
    expect(two!.label).toBe(TWO);
    expect(one!.label).toBe(ONE);
    expect(two!.measures[0]!.mean).toBeGreaterThan(0.95);
    expect(one!.measures[0]!.mean).toBeLessThan(0.8);
    expect(two!.measures[0]!.mean - one!.measures[0]!.mean).toBeGreaterThan(0.2);
    expect(one!.measures[2]).toBeNull(); // never 90%
    const figures = figuresOf(DEPTH_FIGURES, result);
    for (const [name, value] of Object.entries(figures)) expect(value, name).not.toBeNull();
  }, 900_000);
});
