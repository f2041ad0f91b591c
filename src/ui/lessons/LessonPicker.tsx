/** The lessons menu of the top bar, beside the presets: start a guided tour at its first step. Hidden when the classroom locks the lesson. */
import { findLesson, LESSONS } from '../../presets/lessons';
import { useApp } from '../useApp';
import { useLocked } from './classroom';

export function LessonPicker() {
  const locked = useLocked();
  const id = useApp((s) => s.lesson?.id ?? '');
  const setLesson = useApp((s) => s.setLesson);
  if (locked) return null;
  return (
    <label className="preset-picker lesson-picker">
      lesson{' '}
      <select aria-label="Lesson" data-testid="lesson-select" value={findLesson(id) ? id : ''} onChange={(e) => setLesson(e.target.value ? { id: e.target.value, step: 0 } : null)}>
        <option value="">none</option>
        {LESSONS.map((l) => (
          <option key={l.id} value={l.id} title={l.summary}>
            {l.title}
          </option>
        ))}
      </select>
    </label>
  );
}
