/**
 * Classroom flags a teacher can add by hand to any link of the page, in the query string:
 *
 *   ?classroom=palette,settings   hide these parts of the page (HIDE_KEYS)
 *   &lock=1                       lock: no exit from the lesson, no pickers, no edits of the model
 *   &lesson=positions&step=3      open this lesson at step 3 (numbered from 1, as the panel shows)
 *
 * They are separate from the share document after `#s=`, which may carry the same settings; both
 * fill the same store fields (the hidden parts are merged, a lock from either holds, and the
 * query's lesson wins). Anything not understood is ignored and named in the banner.
 */
import { useEffect } from 'react';
import { findLesson, HIDE_KEYS, type HideKey } from '../../presets/lessons';
import type { AppStore } from '../../state/store';
import { useApp, useAppStore } from '../useApp';

export interface QueryFlags {
  hide: HideKey[];
  locked: boolean;
  /** The lesson and its step (0-based, as the store keeps it). */
  lesson: { id: string; step: number } | null;
  /** Flags or values that were not understood, as written. */
  ignored: string[];
}

const YES = new Set(['', '1', 'true', 'yes', 'on']);
const NO = new Set(['0', 'false', 'no', 'off']);

/** The classroom flags of a query string (`location.search`). */
export function readQueryFlags(search: string): QueryFlags {
  const q = new URLSearchParams(search);
  const ignored: string[] = [];
  const hide: HideKey[] = [];
  for (const part of q.getAll('classroom').flatMap((v) => v.split(','))) {
    const key = part.trim();
    if (!key) continue;
    if ((HIDE_KEYS as readonly string[]).includes(key)) {
      if (!hide.includes(key as HideKey)) hide.push(key as HideKey);
    } else ignored.push(`classroom=${key}`);
  }
  const lock = q.get('lock');
  let locked = false;
  if (lock !== null) {
    const v = lock.trim().toLowerCase();
    if (YES.has(v)) locked = true;
    else if (!NO.has(v)) ignored.push(`lock=${lock}`);
  }
  let lesson: QueryFlags['lesson'] = null;
  const id = q.get('lesson');
  const step = q.get('step');
  if (id !== null) {
    const found = findLesson(id.trim());
    if (!found) ignored.push(`lesson=${id}`);
    else {
      const n = step === null ? 1 : Number(step);
      if (step !== null && !(Number.isInteger(n) && n >= 1 && n <= found.steps.length)) ignored.push(`step=${step}`);
      lesson = { id: found.id, step: Number.isInteger(n) ? Math.max(1, Math.min(found.steps.length, n)) - 1 : 0 };
    }
  } else if (step !== null) ignored.push(`step=${step} (no lesson)`);
  return { hide, locked, lesson, ignored };
}

/** Puts the flags of `search` into the store, merged with what a share link may have set. */
export function applyQueryFlags(store: AppStore, search: string): void {
  const flags = readQueryFlags(search);
  const s = store.getState();
  const hide = [...new Set([...s.classroom.hide, ...flags.hide])];
  if (flags.hide.length || flags.locked) store.setState({ classroom: { hide, locked: s.classroom.locked || flags.locked } });
  if (flags.lesson) s.setLesson(flags.lesson);
  if (flags.ignored.length && !store.getState().banner) store.setState({ banner: { tone: 'info', text: `Some classroom flags of this link were not understood and are ignored: ${flags.ignored.join(', ')}.` } });
}

/**
 * Classroom mode for the app shell: reads the query flags once, on mount, and mirrors the hidden
 * parts on the root element, for the few marks hidden by style (the charts' export buttons).
 */
export function useClassroom(): void {
  const store = useAppStore();
  useEffect(() => applyQueryFlags(store, window.location.search), [store]);
  const hide = useApp((s) => s.classroom.hide.join(' '));
  const locked = useApp((s) => s.classroom.locked);
  useEffect(() => {
    const root = document.documentElement;
    root.dataset['classroomHide'] = hide;
    root.dataset['classroomLocked'] = String(locked);
  }, [hide, locked]);
}
