// The figures a lesson step quotes from its experiment's results (src/ui/lessons/experimentFigures.ts):
// the step's experiment is inherited like its model; a figure reads the summary of the result's
// finished runs (means computed here by hand from the runs' values), and says the experiment has not
// run (or is running) instead of a number until its runs give one.
import { describe, expect, it } from 'vitest';
import type { ExperimentFigure, Lesson } from '../../../src/presets/lessons';
import type { Experiment, ExperimentResult, ExperimentRun } from '../../../src/spec/experiment';
import { recipe } from '../../../src/train/run';
import { fillExperimentFigures, formatExperimentValue, NOT_RUN, RUNNING, stepExperiment } from '../../../src/ui/lessons/experimentFigures';

const exp = (title: string): Experiment => ({
  title,
  variants: [
    { label: 'A', model: 'default' },
    { label: 'B', model: 'alibi' },
  ],
  recipe: recipe({ task: 'copy', taskParams: { maxLen: 4 }, T: 10, steps: 20 }),
  seeds: [1, 2],
  measures: [{ kind: 'accuracy' }, { kind: 'loss' }],
});

const lesson: Lesson = {
  id: 'test',
  title: 'test',
  summary: 'test',
  steps: [
    { title: 'one', body: '', focus: 'stack' },
    { title: 'two', body: '', focus: 'experiments', experiment: () => exp('first') },
    { title: 'three', body: '', focus: 'experiments' },
    { title: 'four', body: '', focus: 'experiments', experiment: () => exp('second') },
  ],
};

const run = (variant: number, seed: number, acc: number, loss: number, status: ExperimentRun['status'] = 'done'): ExperimentRun => ({
  variant,
  sweep: null,
  seed,
  label: variant === 0 ? 'A' : 'B',
  status,
  steps: 20,
  losses: [],
  evaluations: [],
  track: [],
  values: [acc, loss],
  seconds: 1,
});

/** The mean of measure `m` of the runs of `label`: what summarize's row gives, read by the figure. */
const meanOf = (label: string, m: number): ExperimentFigure => ({
  from: 'experiment',
  of: (rows) => rows.find((r) => r.label === label)?.measures[m]?.mean ?? null,
  show: m === 0 ? 'percent' : 'decimal',
});

describe('experiment figures in lesson steps', () => {
  it('a step without its own experiment inherits the latest one before it', () => {
    expect(stepExperiment(lesson, 0)).toBeNull();
    expect(stepExperiment(lesson, 1)?.title).toBe('first');
    expect(stepExperiment(lesson, 2)?.title).toBe('first');
    expect(stepExperiment(lesson, 3)?.title).toBe('second');
  });

  it('fills figures from the finished runs, and says the experiment has not run where they do not give a number', () => {
    const figures = { a: meanOf('A', 0), aLoss: meanOf('A', 1), b: meanOf('B', 0), other: { of: () => 1, show: 'count' as const } };
    const body = 'A reaches {a} (loss {aLoss}), B {b}; {other} stays.';
    expect(fillExperimentFigures(body, figures, null, false)).toBe(`A reaches ${NOT_RUN} (loss ${NOT_RUN}), B ${NOT_RUN}; {other} stays.`);
    // A's two seeds finished; B's only stopped: B has no finished run yet.
    const result: ExperimentResult = { experiment: exp('first'), runs: [run(0, 1, 0.5, 0.75), run(0, 2, 0.7, 0.25), run(1, 1, 0.9, 0.1, 'stopped')], provider: 'wasm', started: 'now' };
    const accA = Math.round(((0.5 + 0.7) / 2) * 100);
    const lossA = ((0.75 + 0.25) / 2).toFixed(2);
    expect(fillExperimentFigures(body, figures, result, true)).toBe(`A reaches ${accA}% (loss ${lossA}), B ${RUNNING}; {other} stays.`);
    expect(fillExperimentFigures(body, figures, result, false)).toBe(`A reaches ${accA}% (loss ${lossA}), B ${NOT_RUN}; {other} stays.`);
  });

  it('a figure whose function throws reads as not run, never as a number', () => {
    const figures = { bad: { from: 'experiment' as const, of: () => { throw new Error('no row'); }, show: 'percent' as const } };
    const result: ExperimentResult = { experiment: exp('first'), runs: [run(0, 1, 0.5, 0.5)], provider: 'wasm', started: 'now' };
    expect(fillExperimentFigures('{bad}', figures, result, false)).toBe(NOT_RUN);
  });

  it('writes a percent, a count, and decimals with two places below 1, one below 10, none from 10', () => {
    expect(formatExperimentValue(0.456, 'percent')).toBe('46%');
    expect(formatExperimentValue(12.4, 'count')).toBe('12');
    expect(formatExperimentValue(0.0345, 'decimal')).toBe('0.03');
    expect(formatExperimentValue(2.345, 'decimal')).toBe('2.3');
    expect(formatExperimentValue(123.4, 'decimal')).toBe('123');
  });
});
