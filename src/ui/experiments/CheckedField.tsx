/**
 * A text field for one value of an experiment's definition (a comma list of seeds, sweep values, a
 * path, a number): what is typed is parsed and checked at every keystroke; a good value is
 * committed, a bad one stays in the field, marked, with the sentence that says why, and the
 * definition keeps its last good value. The text is replaced only when the definition changes from
 * elsewhere (another value than the one typed), so "1,2" is not rewritten to "1, 2" under the cursor.
 */
import { useId, useState, type ReactNode } from 'react';
import { FieldNote } from '../editor/fields';
import type { Parsed } from './definition';

export type Check = { ok: true } | { ok: false; reason: string };

export function CheckedField<T>(props: {
  label: string;
  value: T;
  format: (v: T) => string;
  parse: (text: string) => Parsed<T>;
  commit: (v: T) => Check;
  testId?: string;
  hint?: ReactNode;
  wide?: boolean;
}) {
  const { label, value, format, parse, commit, testId, hint, wide } = props;
  const id = useId();
  const [text, setText] = useState(() => format(value));
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState(() => JSON.stringify(value));
  const now = JSON.stringify(value);
  if (shown !== now) {
    // The definition changed: show its value, unless it is what the field already says.
    setShown(now);
    const typed = parse(text);
    if (!(typed.ok && JSON.stringify(typed.value) === now)) {
      setText(format(value));
      setError(null);
    }
  }
  const propose = (raw: string) => {
    setText(raw);
    const p = parse(raw);
    if (!p.ok) return setError(p.reason);
    const r = commit(p.value);
    setError(r.ok ? null : r.reason);
  };
  return (
    <div className={`field${wide ? ' wide' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        value={text}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
        data-testid={testId}
        onChange={(e) => propose(e.target.value)}
      />
      <FieldNote id={id} error={error} hint={hint} testId={testId} />
    </div>
  );
}
