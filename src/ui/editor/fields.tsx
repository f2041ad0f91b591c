/**
 * Form controls for the editor. Each one proposes an edit as the person types; a refused value
 * stays in the field, marked invalid, with the reason under it, and the model is left as it was.
 */
import { useId, useState, type ReactNode } from 'react';
import { describeAllowed, type ParamInfo } from '../../spec/catalog';
import type { EditResult } from '../../spec/edits';

/** Proposes a value; returns the edit's result (its reason is shown when refused). Other forms (the Train panel's recipe) answer the same way. */
export type Commit = (value: unknown) => EditResult | { ok: true } | { ok: false; reason: string };

function Field({ id, label, error, hint, children }: { id: string; label: string; error: string | null; hint?: ReactNode; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      <FieldNote id={id} error={error} hint={hint} />
    </div>
  );
}

/** Under a field: the reason its value was refused (`${id}-error`), else its hint (`${id}-hint`). */
export function FieldNote({ id, error, hint, testId }: { id: string; error: string | null; hint?: ReactNode; testId?: string | undefined }) {
  if (error)
    return (
      <span className="field-error" id={`${id}-error`} role="alert" data-testid={testId ? `${testId}-error` : undefined}>
        {error}
      </span>
    );
  return hint ? (
    <span className="hint" id={`${id}-hint`}>
      {hint}
    </span>
  ) : null;
}

/** A number (whole or not) within a range. */
export function NumberField({ label, value, min, max, step, hint, commit, testId }: { label: string; value: number; min?: number; max?: number; step?: number | 'any'; hint?: ReactNode; commit: Commit; testId?: string }) {
  const id = useId();
  const [text, setText] = useState(String(value));
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    // The model changed from elsewhere (undo, a preset): show its value.
    setShown(value);
    setText(String(value));
    setError(null);
  }
  const propose = (raw: string) => {
    setText(raw);
    if (raw.trim() === '') return setError(`${label}: enter a number${min !== undefined && max !== undefined ? ` from ${min} to ${max}` : ''}`);
    const v = Number(raw);
    if (!Number.isFinite(v)) return setError(`${label}: "${raw}" is not a number`);
    const r = commit(v);
    setError(r.ok ? null : r.reason);
  };
  return (
    <Field id={id} label={label} error={error} hint={hint}>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        min={min}
        max={max}
        step={step ?? 1}
        value={text}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
        data-testid={testId}
        onChange={(e) => propose(e.target.value)}
      />
    </Field>
  );
}

/** One of a fixed set of options. */
export function SelectField({ label, value, options, commit, hint, testId }: { label: string; value: string; options: readonly { value: string; label: string }[]; commit: Commit; hint?: ReactNode; testId?: string }) {
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  return (
    <Field id={id} label={label} error={error} hint={hint}>
      <select
        id={id}
        value={value}
        data-testid={testId}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
        onChange={(e) => {
          const r = commit(e.target.value);
          setError(r.ok ? null : r.reason);
        }}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** On or off. */
export function CheckField({ label, value, commit, testId }: { label: string; value: boolean; commit: Commit; testId?: string }) {
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="field check">
      <input
        id={id}
        type="checkbox"
        checked={value}
        data-testid={testId}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => {
          const r = commit(e.target.checked);
          setError(r.ok ? null : r.reason);
        }}
      />
      <label htmlFor={id}>{label}</label>
      {error ? (
        <span className="field-error" id={`${id}-error`} role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

/** Free text (the model's name). */
export function TextField({ label, value, commit, testId }: { label: string; value: string; commit: Commit; testId?: string }) {
  const id = useId();
  const [text, setText] = useState(value);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    setText(value);
    setError(null);
  }
  return (
    <Field id={id} label={label} error={error}>
      <input
        id={id}
        type="text"
        value={text}
        data-testid={testId}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => {
          setText(e.target.value);
          const r = commit(e.target.value);
          setError(r.ok ? null : r.reason);
        }}
      />
    </Field>
  );
}

/** The control for one block parameter, generated from its schema. */
export function ParamControl({ name, info, value, commit, testId = `param-${name}` }: { name: string; info: ParamInfo; value: unknown; commit: Commit; testId?: string }) {
  const hint = `${describeAllowed(info)}; default ${JSON.stringify(info.default)}`;
  if (info.type === 'boolean') return <CheckField label={name} value={Boolean(value)} commit={commit} testId={testId} />;
  if (info.type === 'enum') return <SelectField label={name} value={String(value)} options={info.options.map((o) => ({ value: o, label: o }))} commit={commit} hint={hint} testId={testId} />;
  const step = info.type === 'int' ? 1 : stepFor(info.min, info.max);
  return <NumberField label={name} value={Number(value)} min={info.min} max={info.max} step={step} hint={hint} commit={commit} testId={testId} />;
}

/** A step of about a hundredth of the range, rounded to a power of ten. */
function stepFor(min: number, max: number): number {
  return 10 ** Math.floor(Math.log10(Math.max(1e-6, (max - min) / 100)));
}
