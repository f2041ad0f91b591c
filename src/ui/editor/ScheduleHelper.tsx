/** Fills the layers' mixers from a repeating pattern, e.g. A,M,M,M for an attention/Mamba hybrid. */
import { useId, useState } from 'react';
import { blockInfo } from '../../spec/catalog';
import { SCHEDULE_LETTERS } from '../../spec/edits';
import { LIMITS } from '../../spec/schema';
import { useApp } from '../useApp';

export function ScheduleHelper() {
  const layers = useApp((s) => s.spec.layers.length);
  const edit = useApp((s) => s.edit);
  const [pattern, setPattern] = useState('A,M,M,M');
  const [count, setCount] = useState(String(layers));
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const legend = Object.entries(SCHEDULE_LETTERS).map(([letter, kind]) => `${letter} ${blockInfo('mixer', kind)?.title ?? kind}`).join(' · ');
  return (
    <form
      className="schedule"
      aria-label="Schedule helper"
      onSubmit={(e) => {
        e.preventDefault();
        const r = edit({ type: 'schedule', pattern, count: Number(count) });
        setError(r.ok ? null : r.reason);
      }}
    >
      <h3>Fill layers from a pattern</h3>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-pattern`}>Pattern</label>
          <input id={`${id}-pattern`} value={pattern} onChange={(e) => setPattern(e.target.value)} aria-describedby={`${id}-legend`} aria-invalid={error ? true : undefined} data-testid="schedule-pattern" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-count`}>Layers to fill</label>
          <input id={`${id}-count`} type="number" min={LIMITS.layers.min} max={LIMITS.layers.max} value={count} onChange={(e) => setCount(e.target.value)} data-testid="schedule-count" />
        </div>
        <button type="submit" data-testid="schedule-apply">Fill</button>
      </div>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : null}
      <span className="hint" id={`${id}-legend`}>
        Mixers separated by commas, repeated to fill the layers; other slots keep what each layer has. {legend}
      </span>
    </form>
  );
}
