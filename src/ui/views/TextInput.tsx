/**
 * The text the model reads, its token strip, and what had to change for the model to take it.
 * A long text's strip is collapsed to its first tokens (a few hundred chips already fill a screen),
 * with a button to show them all in a scrolling box of bounded height.
 */
import { useState } from 'react';
import { selectInput } from '../../state/store';
import { useApp } from '../useApp';
import { showPiece as show } from './pieces';

/** Past this many tokens the strip is collapsed… */
export const STRIP_COLLAPSE_AT = 300;
/** …to this many chips. */
export const STRIP_SHOWN = 200;

export function TextInput() {
  const [expanded, setExpanded] = useState(false);
  const text = useApp((s) => s.text);
  const setText = useApp((s) => s.setText);
  const maxLen = useApp((s) => s.spec.maxLen);
  const input = useApp(selectInput);
  const collapsible = input.pieces.length > STRIP_COLLAPSE_AT;
  const collapsed = collapsible && !expanded;

  return (
    <section className="panel text-panel" aria-label="Text">
      <label htmlFor="text-input">Text</label>
      <textarea id="text-input" rows={2} value={text} spellCheck={false} onChange={(e) => setText(e.target.value)} />
      <div className="token-meta">
        <span data-testid="token-count">{input.ids.length} / {maxLen} tokens</span>
      </div>
      {input.truncatedFrom !== null ? (
        <p className="notice" role="alert" data-testid="notice-truncated">
          The text is {input.truncatedFrom} characters long and the model takes at most {maxLen}: the first {maxLen} are used.
        </p>
      ) : null}
      {input.unknown.length > 0 ? (
        <p className="notice" role="alert" data-testid="notice-unknown">
          Not in the vocabulary, so read as ⟨unk⟩: {input.unknown.map((c) => JSON.stringify(c)).join(', ')}.
        </p>
      ) : null}
      {input.ids.length === 0 ? (
        <p className="notice" data-testid="notice-empty">Type some text to see how the model attends over it.</p>
      ) : null}
      <ol className={`token-strip${collapsible && expanded ? ' expanded' : ''}`} aria-label="Tokens" data-testid="token-strip" data-collapsed={collapsed}>
        {(collapsed ? input.pieces.slice(0, STRIP_SHOWN) : input.pieces).map((p, i) => (
          <li key={i} className={input.ids[i] === 0 ? 'token unk' : 'token'} title={`token ${i}: id ${input.ids[i]}`}>
            {show(p)}
          </li>
        ))}
      </ol>
      {collapsible ? (
        <button type="button" className="small-button strip-toggle" aria-expanded={expanded} onClick={() => setExpanded(!expanded)} data-testid="token-strip-toggle">
          {expanded ? 'Show fewer tokens' : `Show all ${input.pieces.length} tokens (${input.pieces.length - STRIP_SHOWN} more)`}
        </button>
      ) : null}
    </section>
  );
}
