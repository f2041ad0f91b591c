/**
 * A lesson step's experiment and the figures its text quotes from the experiment's results
 * (ExperimentFigure, src/presets/lessons/types.ts). Pure functions: the lesson panel calls them
 * with the result in the store, and test/ui/lessonExperimentFigures.test.ts checks them.
 *
 * A figure is read from summarize(result) of the step's own experiment only (the kept result, or
 * the runs so far of one under way); until its runs give the number, the text says so in its
 * place. A number is never made up.
 */
import type { ExperimentFigure, Lesson } from '../../presets/lessons';
import type { Figure } from '../../analysis/figures';
import type { Experiment, ExperimentResult } from '../../spec/experiment';
import { summarize } from '../../train/experiment';

/** What a figure reads until the experiment has run. */
export const NOT_RUN = '(run the experiment)';
/** What a figure reads while the experiment runs and its runs do not give the number yet. */
export const RUNNING = '(running…)';

/** The experiment of step `index`: the latest one set up to that step (inherited like the model), or null. */
export function stepExperiment(lesson: Lesson, index: number): Experiment | null {
  const upTo = lesson.steps.slice(0, Math.max(0, Math.min(index, lesson.steps.length - 1)) + 1);
  const make = [...upTo].reverse().find((s) => s.experiment !== undefined)?.experiment;
  return make ? make() : null;
}

/** A number as a step's text shows it: a percent, a count, or a decimal (two places below 1, one below 10, none from 10). */
export function formatExperimentValue(v: number, show: ExperimentFigure['show']): string {
  if (show === 'percent') return `${Math.round(v * 100)}%`;
  if (show === 'count') return String(Math.round(v));
  const a = Math.abs(v);
  return a >= 10 ? v.toFixed(0) : a >= 1 ? v.toFixed(1) : v.toFixed(2);
}

const isExperimentFigure = (f: Figure | ExperimentFigure | undefined): f is ExperimentFigure => !!f && 'from' in f && f.from === 'experiment';

/**
 * `{name}` in `text` replaced by experiment figure `name`, from `result` (the step's experiment's,
 * or null when it has none yet); `running` says whether it is being run. Other figures are left
 * for their own filler (src/analysis/figures.ts fillFigures).
 */
export function fillExperimentFigures(text: string, figures: Readonly<Record<string, Figure | ExperimentFigure>> | undefined, result: ExperimentResult | null, running: boolean): string {
  if (!figures || !Object.values(figures).some(isExperimentFigure)) return text;
  const rows = result ? summarize(result) : null;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const f = figures[name];
    if (!isExperimentFigure(f)) return whole;
    let v: number | null;
    try {
      v = rows && result ? f.of(rows, result) : null;
    } catch {
      v = null; // a figure whose rows are not there yet
    }
    if (v !== null && Number.isFinite(v)) return formatExperimentValue(v, f.show);
    return running ? RUNNING : NOT_RUN;
  });
}
