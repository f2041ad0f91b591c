/**
 * "Copy link": a link to the whole work (model, text, view) on the clipboard. Where the clipboard
 * is unavailable or refuses, the link is shown selected in a field, to copy by hand.
 */
import { useEffect, useRef, useState } from 'react';
import { pageLink, workHash } from '../state/share';
import { useAppStore } from './useApp';

type Shown = { kind: 'idle' } | { kind: 'copied' } | { kind: 'manual'; link: string } | { kind: 'refused'; reason: string };

/** How long "Link copied" stays (ms). */
const CONFIRM_MS = 2500;

export function ShareBar() {
  const store = useAppStore();
  const [shown, setShown] = useState<Shown>({ kind: 'idle' });
  const field = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (shown.kind === 'manual') field.current?.select();
    if (shown.kind !== 'copied') return;
    const t = setTimeout(() => setShown({ kind: 'idle' }), CONFIRM_MS);
    return () => clearTimeout(t);
  }, [shown]);

  const copy = async () => {
    const w = workHash(store.getState());
    if (!w.ok) return setShown({ kind: 'refused', reason: `No link: ${w.reason}.` });
    const link = pageLink(w.hash);
    try {
      if (!navigator.clipboard?.writeText) throw new Error('no clipboard');
      await navigator.clipboard.writeText(link);
      setShown({ kind: 'copied' });
    } catch {
      setShown({ kind: 'manual', link });
    }
  };

  return (
    <div className="share-bar" role="group" aria-label="Share">
      <button type="button" onClick={() => void copy()} data-testid="copy-link" title="Copy a link to this model, its text and the view on screen">
        Copy link
      </button>
      <span role="status" className="share-status" data-testid="share-status">
        {shown.kind === 'copied' ? 'Link copied' : shown.kind === 'manual' ? 'Copy this link (Ctrl+C or ⌘C):' : shown.kind === 'refused' ? shown.reason : ''}
      </span>
      {shown.kind === 'manual' ? (
        <input ref={field} className="share-link" readOnly value={shown.link} aria-label="Share link" data-testid="share-link" onFocus={(e) => e.currentTarget.select()} />
      ) : null}
    </div>
  );
}
