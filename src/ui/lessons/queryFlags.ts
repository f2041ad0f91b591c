/**
 * Classroom mode for the app shell. The flags a teacher adds to a link by hand (`?classroom=…`,
 * `&lock=1`, `&lesson=…&step=…`) are read, with the rest of the page's URL, by src/state/share.ts.
 */
import { useEffect } from 'react';
import { applyQueryFlags } from '../../state/share';
import { useApp, useAppStore } from '../useApp';

/**
 * Classroom mode for the app shell: reads the query flags once, on mount, and mirrors the hidden
 * parts on the root element, for the few marks hidden by style (the charts' export buttons).
 */
export function useClassroom(): void {
  const store = useAppStore();
  useEffect(() => applyQueryFlags(store), [store]);
  const hide = useApp((s) => s.classroom.hide.join(' '));
  const locked = useApp((s) => s.classroom.locked);
  useEffect(() => {
    const root = document.documentElement;
    root.dataset['classroomHide'] = hide;
    root.dataset['classroomLocked'] = String(locked);
  }, [hide, locked]);
}
