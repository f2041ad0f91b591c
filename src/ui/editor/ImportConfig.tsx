/**
 * Import of a configuration file (.json): read, migrated and validated like any input, then loaded
 * as one undoable edit. A refused file leaves the model as it was and says why; a file over
 * MAX_IMPORT_BYTES is refused before it is read.
 */
import { useId, useState, type ChangeEvent } from 'react';
import { parseSpecJson } from '../../spec/schema';
import { useAppStore } from '../useApp';

/** Largest configuration file read (bytes), far above any valid configuration. */
export const MAX_IMPORT_BYTES = 1_000_000;

/** Validator reasons shown at most; the rest are counted. */
const SHOWN_REASONS = 3;

export function ImportConfig() {
  const store = useAppStore();
  const id = useId();
  const [message, setMessage] = useState<{ tone: 'done' | 'refused'; text: string } | null>(null);

  const load = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const file = input.files?.[0];
    input.value = ''; // the same file chosen again is read again
    if (!file) return;
    const refuse = (why: string) => setMessage({ tone: 'refused', text: `${file.name} was not imported: ${why}. The model is unchanged.` });
    if (file.size > MAX_IMPORT_BYTES) return refuse(`it is ${file.size} bytes, more than any configuration (at most ${MAX_IMPORT_BYTES})`);
    let text: string;
    try {
      text = await file.text();
    } catch (err) {
      return refuse(`it could not be read (${err instanceof Error ? err.message : String(err)})`);
    }
    const r = parseSpecJson(text);
    if (!r.ok) {
      const more = r.errors.length > SHOWN_REASONS ? `; and ${r.errors.length - SHOWN_REASONS} more` : '';
      return refuse(`${r.errors.slice(0, SHOWN_REASONS).join('; ')}${more}`);
    }
    const done = store.getState().edit({ type: 'replace', spec: r.spec, what: `Imported ${file.name}.` });
    setMessage(done.ok ? { tone: 'done', text: done.summary } : { tone: 'refused', text: `${file.name} was not imported: ${done.reason}` });
  };

  return (
    <>
      <label className="import-config" htmlFor={id} title="Load a configuration file saved with Config .json (or by hand)">
        Import .json
        <input id={id} type="file" accept=".json,application/json" onChange={(e) => void load(e)} data-testid="import-config" />
      </label>
      {message ? (
        <span className={message.tone === 'refused' ? 'field-error' : 'hint'} role={message.tone === 'refused' ? 'alert' : 'status'} data-testid="import-message" data-tone={message.tone}>
          {message.text}
        </span>
      ) : null}
    </>
  );
}
