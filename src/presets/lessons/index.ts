/**
 * Lessons: guided tours as data, one file each in this folder, listed here. Each step sets the
 * model (a preset or a spec), the text and the view, points at one panel of the page, and explains
 * what to look for there. The claims in the step texts were checked on the models they set; the
 * page runs the same graphs, so a student sees what the text says.
 */
import { DEFAULT_TEXT } from '../../spec/defaults';
import type { Spec } from '../../spec/types';
import { findPreset } from '../index';
import type { Lesson, LessonStep, ResolvedStep } from './types';
import positions from './positions';
import latency from './latency';
import entropyCollapse from './entropyCollapse';
import normPlacement from './normPlacement';
import implicitAttention from './implicitAttention';
import inductionHeads from './inductionHeads';
import recallGap from './recallGap';
import lengthGeneralisation from './lengthGeneralisation';
import entropyTraining from './entropyTraining';
import normTraining from './normTraining';

export * from './types';

export const LESSONS: readonly Lesson[] = [
  positions,
  latency,
  entropyCollapse,
  normPlacement,
  implicitAttention,
  // Training lessons: each reproduces a paper's finding with an experiment (docs/lessons.md).
  inductionHeads,
  recallGap,
  lengthGeneralisation,
  entropyTraining,
  normTraining,
];

/** The lesson with `id`, or undefined. */
export function findLesson(id: string): Lesson | undefined {
  return LESSONS.find((l) => l.id === id);
}

/** A step's model as a spec, with the preset id when it names one. */
function stepModel(spec: NonNullable<LessonStep['spec']>): { spec: Spec; presetId: string | null } {
  if (typeof spec === 'function') return { spec: spec(), presetId: null };
  const preset = findPreset(spec);
  if (!preset) throw new Error(`lesson step names the unknown preset "${spec}"`);
  return { spec: preset.spec(), presetId: preset.id };
}

/**
 * What entering step `index` of `lesson` sets. A step that leaves out the model, text or view
 * keeps the latest one set before it, so a step reached directly (from a link) looks the same as
 * one reached by pressing Next.
 */
export function resolveStep(lesson: Lesson, index: number): ResolvedStep {
  const upTo = lesson.steps.slice(0, Math.max(0, Math.min(index, lesson.steps.length - 1)) + 1);
  const latest = <K extends 'spec' | 'text' | 'view'>(key: K): LessonStep[K] => [...upTo].reverse().find((s) => s[key] !== undefined)?.[key];
  const model = stepModel(latest('spec') ?? 'default');
  return { ...model, text: latest('text') ?? DEFAULT_TEXT, view: latest('view') ?? { layer: 0, head: 0 } };
}
