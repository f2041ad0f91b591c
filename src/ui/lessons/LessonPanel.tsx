/**
 * The lesson being followed: the current step's title and text, "step n of m", Back, Next and
 * Exit (no Exit when the classroom locks the lesson), and "Show me", which takes the reader to
 * the panel the step points at. Entering a step applies it: the model (one undoable edit), the
 * text, the view and the experiment; a step that leaves one out keeps the latest set before it.
 * A step's training recipe goes to the Train panel. Figures quote the result on screen, or the
 * step's experiment's results (src/ui/lessons/experimentFigures.ts). A lesson restored
 * with the page (from a link or the saved work) keeps the model it was restored with.
 */
import { useEffect, useMemo, useRef } from 'react';
import { fillFigures } from '../../analysis/figures';
import { findLesson, FOCUS_PANELS, resolveStep, type Lesson } from '../../presets/lessons';
import { validateSpec } from '../../spec/schema';
import { tokenize } from '../../spec/vocab';
import type { AppStore } from '../../state/store';
import { experimentKey } from '../../state/experiments';
import { useApp, useAppStore } from '../useApp';
import { fillExperimentFigures, stepExperiment } from './experimentFigures';
import { STEP_BODY_ID, useCurrentStep, useLocked } from './classroom';
import './lessons.css';
import { revealPart } from './Part';

/** Sets the model, text and view of step `index`; the model only when it differs, so stepping through text-only steps adds no undo entries. */
function applyStep(store: AppStore, lesson: Lesson, index: number) {
  const r = resolveStep(lesson, index);
  const checked = validateSpec(r.spec);
  if (!checked.ok) return; // every step's model is validated by test/presets/lessons.test.ts
  const s = store.getState();
  if (JSON.stringify(checked.spec) !== JSON.stringify(s.spec)) {
    const done = s.edit({ type: 'replace', spec: checked.spec, what: `Lesson step ${index + 1}: ${lesson.steps[index]!.title}.` }, 'lesson');
    if (!done.ok) return;
  }
  store.setState({ presetId: r.presetId });
  if (s.text !== r.text) s.setText(r.text);
  store.getState().selectView(r.view.layer, r.view.head);
  // The step's recipe goes to the Train panel whole (not through setRecipe, whose task change
  // resets the task's parameters); the experiment, inherited like the model, to the Experiments panel.
  const recipe = lesson.steps[index]!.recipe;
  if (recipe) store.setState({ training: { ...store.getState().training, recipe } });
  const experiment = stepExperiment(lesson, index);
  if (experiment && experimentKey(experiment) !== experimentKey(store.getState().experiments.definition)) store.getState().experimentsActions.setDefinition(experiment);
}

/**
 * The step's text with its figures filled in from the result on screen, once that result is this
 * step's model on this step's text (until then, and after an edit, the figures read "…").
 */
function useStepBody(lesson: Lesson, index: number): string {
  const step = lesson.steps[index]!;
  const result = useApp((s) => s.result);
  const want = useMemo(() => {
    if (!step.figures) return null;
    const r = resolveStep(lesson, index);
    const checked = validateSpec(r.spec);
    return checked.ok ? { spec: JSON.stringify(checked.spec), ids: tokenize(r.text, checked.spec.maxLen).ids.join(',') } : null;
  }, [lesson, index, step.figures]);
  const summaries = useMemo(() => {
    if (!want || !result) return null;
    return JSON.stringify(result.spec) === want.spec && result.input.ids.join(',') === want.ids ? result.data : null;
  }, [want, result]);
  // Figures of the step's experiment: from its result in the store, once that is this experiment's.
  const experiments = useApp((s) => s.experiments);
  const wantKey = useMemo(() => {
    const e = step.figures ? stepExperiment(lesson, index) : null;
    return e ? experimentKey(e) : null;
  }, [lesson, index, step.figures]);
  const ours = wantKey !== null && experiments.result !== null && experimentKey(experiments.result.experiment) === wantKey;
  const running = ours && (experiments.status === 'running' || experiments.status === 'stopping');
  return fillExperimentFigures(fillFigures(step.body, step.figures, summaries), step.figures, ours ? experiments.result : null, running);
}

/** Clears a lesson the page does not know and keeps the step inside the lesson (links are hand-edited). */
function useValidLesson(store: AppStore) {
  const raw = useApp((s) => s.lesson);
  useEffect(() => {
    if (!raw) return;
    const lesson = findLesson(raw.id);
    if (!lesson) return store.getState().setLesson(null);
    const step = Number.isInteger(raw.step) ? Math.max(0, Math.min(lesson.steps.length - 1, raw.step)) : 0;
    if (step !== raw.step) store.getState().setLesson({ id: raw.id, step });
  }, [raw, store]);
}

export function LessonPanel() {
  const store = useAppStore();
  const current = useCurrentStep();
  const locked = useLocked();
  useValidLesson(store);
  const id = current?.lesson.id;
  const index = current?.index;
  // A lesson already in the store when the page starts came with its model (a link, or the saved
  // work of a reload, edits made during the step included): keep that model. Entering a step
  // afterwards (the menu, Back, Next, the query flags) applies the step.
  const applied = useRef(id === undefined ? null : `${id}:${index}`);
  useEffect(() => {
    const key = id === undefined ? null : `${id}:${index}`;
    if (key === applied.current) return;
    applied.current = key;
    const lesson = id === undefined ? undefined : findLesson(id);
    if (lesson && index !== undefined) applyStep(store, lesson, index);
  }, [id, index, store]);

  if (!current) return null;
  return <LessonStepPanel lesson={current.lesson} index={current.index} locked={locked} />;
}

/** One step of a lesson: its title, its text with the figures filled in, and Show me, Back, Next and Exit. */
function LessonStepPanel({ lesson, index, locked }: { lesson: Lesson; index: number; locked: boolean }) {
  const store = useAppStore();
  const step = lesson.steps[index]!;
  const body = useStepBody(lesson, index);
  const count = lesson.steps.length;
  const first = index === 0;
  const last = index === count - 1;
  const go = (to: number) => {
    if (to >= 0 && to < count) store.getState().setLesson({ id: lesson.id, step: to });
  };
  return (
    <section className="lesson-panel" aria-labelledby="lesson-title" data-testid="lesson-panel" data-lesson={lesson.id} data-step={index} data-locked={locked}>
      <p className="lesson-kicker">
        <span id="lesson-title">Lesson: {lesson.title}</span>
        <span data-testid="lesson-progress">
          Step {index + 1} of {count}
        </span>
        {locked ? (
          <span className="badge" title="Opened from a classroom link: the model follows the lesson and cannot be edited">
            locked
          </span>
        ) : null}
      </p>
      <div className="lesson-step" aria-live="polite">
        <h2 className="lesson-step-title" data-testid="lesson-step-title">
          {step.title}
        </h2>
        <p id={STEP_BODY_ID} data-testid="lesson-step-body">
          {body}
        </p>
      </div>
      <div className="lesson-nav" role="group" aria-label="Lesson steps">
        <button type="button" className="lesson-show" onClick={() => revealPart(step.focus)} data-testid="lesson-show">
          Show me: {FOCUS_PANELS[step.focus]}
        </button>
        {/* aria-disabled rather than disabled: the button keeps keyboard focus at either end. */}
        <button type="button" aria-disabled={first} onClick={() => go(index - 1)} data-testid="lesson-back">
          ← Back
        </button>
        <button type="button" aria-disabled={last} onClick={() => go(index + 1)} data-testid="lesson-next">
          Next →
        </button>
        {locked ? null : (
          <button type="button" onClick={() => store.getState().setLesson(null)} data-testid="lesson-exit">
            Exit lesson
          </button>
        )}
      </div>
    </section>
  );
}
