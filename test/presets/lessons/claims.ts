// What the training lessons' claim tests share: onnxruntime-node, running a lesson's experiment
// (or a part of it) with fixed seeds, and checking that every figure a lesson quotes from its
// experiment names a row and a measure the experiment has.
import * as ortNode from 'onnxruntime-node';
import { expect } from 'vitest';
import type { ExperimentFigure, Lesson } from '../../../src/presets/lessons';
import type { Experiment, ExperimentResult, MeasureSummary, SummaryRow } from '../../../src/spec/experiment';
import { planRuns, runExperiment, rowOf, summarize } from '../../../src/train/experiment';
import type { OrtLike } from '../../../src/train/trainer';

export const ort = ((ortNode as unknown as { default?: OrtLike }).default ?? ortNode) as unknown as OrtLike;

/** Runs `exp` on onnxruntime-node's CPU backend; every run must finish (done or diverged). */
export async function run(exp: Experiment): Promise<{ result: ExperimentResult; rows: SummaryRow[] }> {
  const result = await runExperiment(ort, exp, { providers: ['cpu'] });
  for (const r of result.runs) expect(r.status, `${r.label} seed ${r.seed}: ${r.message ?? ''}`).not.toBe('failed');
  return { result, rows: summarize(result) };
}

/** Measure `measure` of the row `label`, as mean / min / max over its seeds. */
export function value(rows: readonly SummaryRow[], label: string, measure: number, stat: keyof Pick<MeasureSummary, 'mean' | 'min' | 'max'> = 'mean'): number {
  const row = rowOf(rows, label);
  expect(row, `a row labelled "${label}"`).toBeDefined();
  const m = row!.measures[measure];
  expect(m, `measure ${measure} of "${label}"`).not.toBeNull();
  return m![stat];
}

/** Every ExperimentFigure the lesson's steps quote, with where. */
export function experimentFigures(lesson: Lesson): { where: string; figure: ExperimentFigure }[] {
  return lesson.steps.flatMap((s, i) =>
    Object.entries(s.figures ?? {})
      .filter((e): e is [string, ExperimentFigure] => 'from' in e[1])
      .map(([name, figure]) => ({ where: `step ${i} {${name}}`, figure })),
  );
}

/**
 * Every experiment figure of `lesson` gives a number on summary rows that have every label the
 * experiment plans and a value for every measure (so a figure naming a row or a measure the
 * experiment lacks fails here), and every {name} in a body is a figure of its step.
 */
export function expectFiguresNameTheExperiment(lesson: Lesson, exp: Experiment): void {
  const labels = [...new Set(planRuns(exp).map((p) => p.label))];
  const rows: SummaryRow[] = labels.map((label, i) => ({
    variant: i,
    sweep: null,
    label,
    runs: 1,
    diverged: 0,
    measures: exp.measures.map((_, m) => ({ n: 1, mean: m + 1, min: m + 1, max: m + 1, sd: 0 })),
  }));
  const result: ExperimentResult = { experiment: exp, runs: [], provider: 'cpu', started: new Date(0).toISOString() };
  const figures = experimentFigures(lesson);
  expect(figures.length).toBeGreaterThan(0);
  for (const { where, figure } of figures) expect(figure.of(rows, result), where).not.toBeNull();
  lesson.steps.forEach((s, i) => {
    for (const [, name] of s.body.matchAll(/\{(\w+)\}/g)) expect(s.figures?.[name!], `step ${i} quotes {${name}}`).toBeDefined();
  });
}

/** Every experiment figure of `lesson` that reads rows of `rows` gives a finite number there. */
export function expectFiguresDefined(lesson: Lesson, rows: readonly SummaryRow[], result: ExperimentResult, labels: readonly string[]): void {
  for (const { where, figure } of experimentFigures(lesson)) {
    const v = figure.of(rows, result);
    if (v === null && !rows.some((r) => labels.includes(r.label))) continue;
    expect(v === null || Number.isFinite(v), where).toBe(true);
  }
}
