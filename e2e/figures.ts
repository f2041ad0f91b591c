/**
 * A lesson step's figures computed outside the page: the step's model run in Node on
 * onnxruntime-web's WASM build (single-threaded, another process than the page's workers), then
 * the same figure functions the page uses. The page's text must quote what this run gives.
 */
import * as ort from 'onnxruntime-web';
import { fillFigures } from '../src/analysis/figures';
import type { ExperimentResult } from '../src/spec/experiment';
import { fillExperimentFigures } from '../src/ui/lessons/experimentFigures';
import type { Lesson } from '../src/presets/lessons';
import { resolveStep } from '../src/presets/lessons';
import { Runtime } from '../src/runtime/ort';
import { validateSpec } from '../src/spec/schema';
import { tokenize } from '../src/spec/vocab';
import { analyse } from '../workers/analyse';
import { Sessions } from '../workers/sessions';

let runtime: Promise<Runtime> | null = null;

/**
 * The text of step `i` as it should read once its model has run: figures of the analysis filled
 * from a Node run, figures of the step's experiment from `experiment` (its result as the page
 * holds it; none: the page's "not run yet" phrase).
 */
export async function expectedStepBody(lesson: Lesson, i: number, experiment: ExperimentResult | null = null): Promise<string> {
  const step = lesson.steps[i]!;
  if (!step.figures) return step.body;
  const fromAnalysis = Object.values(step.figures).some((f) => !('from' in f));
  if (!fromAnalysis) return fillExperimentFigures(step.body, step.figures, experiment, false);
  const r = resolveStep(lesson, i);
  const checked = validateSpec(r.spec);
  if (!checked.ok) throw new Error(checked.errors.join('; '));
  runtime ??= Runtime.start({ ort, numThreads: 1, preferWebGpu: false });
  const sessions = new Sessions(await runtime);
  const { result } = await analyse(sessions, { id: 1, spec: checked.spec, tokens: tokenize(r.text, checked.spec.maxLen).ids });
  sessions.releaseSlot('a');
  return fillExperimentFigures(fillFigures(step.body, step.figures, result), step.figures, experiment, false);
}
