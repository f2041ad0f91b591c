/**
 * What to do first, and whether the views follow the edit. The hint shows until the first edit of
 * this page; the checkbox is a preference of this browser (saved like the backend menu, never in links).
 */
import { useState } from 'react';
import { useApp } from '../useApp';

/** "Drag a block onto a layer", until the person has edited the model once. */
export function FirstHint() {
  const edited = useApp((s) => s.lastEdit !== '');
  const [done, setDone] = useState(edited);
  if (edited && !done) setDone(true); // stays hidden after an undo back to the start
  if (done) return null;
  return (
    <p className="first-hint" data-testid="first-hint">
      <strong>Start here:</strong> drag a block from the palette onto a layer’s slot, or between two layers to add a layer. The views move to the layer you edit.
    </p>
  );
}

/** The checkbox "views follow the layer I edit". */
export function FollowEdits() {
  const on = useApp((s) => s.followEdits);
  const set = useApp((s) => s.setFollowEdits);
  return (
    <label className="follow-edits" title="After an edit of one layer, the attention map and the other views show that layer (its first run inside a loop). Remembered in this browser.">
      <input type="checkbox" checked={on} onChange={(e) => set(e.target.checked)} data-testid="follow-edits" /> views follow the layer I edit
    </label>
  );
}
