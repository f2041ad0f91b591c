/**
 * Classroom mode and the lesson being followed, as the layout reads them: which parts of the page
 * are hidden, whether the lesson is locked, and which step (and panel) the lesson is on.
 */
import { useMemo } from 'react';
import { findLesson, HIDE_KEYS, type FocusKey, type HideKey, type Lesson, type LessonStep } from '../../presets/lessons';
import type { AppState } from '../../state/store';
import { useApp } from '../useApp';

/** Parts a locked classroom hides whatever the link says: the model and lesson come from the teacher. */
const HIDDEN_WHEN_LOCKED: readonly string[] = ['presets'];

const hides = (s: AppState, key: string) => s.classroom.hide.includes(key) || (s.classroom.locked && HIDDEN_WHEN_LOCKED.includes(key));

/** True when classroom mode hides the part `key` of the page (parts that are not hide keys never are). */
export function useHidden(key: HideKey | FocusKey): boolean {
  return useApp((s) => hides(s, key));
}

/** Every part classroom mode hides now. */
export function useHiddenParts(): ReadonlySet<HideKey> {
  const list = useApp((s) => HIDE_KEYS.filter((k) => hides(s, k)).join(','));
  return useMemo(() => new Set(list.split(',').filter(Boolean) as HideKey[]), [list]);
}

/** True when the lesson is locked: no exit, no pickers, and edits of the model are refused. */
export function useLocked(): boolean {
  return useApp((s) => s.classroom.locked);
}

/** The lesson being followed and its current step (clamped to the lesson), or null when none (or an unknown one). */
export interface CurrentStep {
  lesson: Lesson;
  index: number;
  step: LessonStep;
}

export function useCurrentStep(): CurrentStep | null {
  const id = useApp((s) => s.lesson?.id ?? null);
  const at = useApp((s) => s.lesson?.step ?? 0);
  const lesson = id === null ? undefined : findLesson(id);
  if (!lesson) return null;
  const index = Math.max(0, Math.min(lesson.steps.length - 1, Math.floor(at)));
  return { lesson, index, step: lesson.steps[index]! };
}

/** A key that changes whenever the lesson enters a step that points at `key`, else null. */
export function useFocusToken(key: FocusKey | HideKey): string | null {
  const current = useCurrentStep();
  return current && current.step.focus === key ? `${current.lesson.id}:${current.index}` : null;
}

/** The id of the element holding the current step's text (what a highlighted panel is described by). */
export const STEP_BODY_ID = 'lesson-step-body';
