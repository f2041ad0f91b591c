/**
 * The text the model reads, its token strip, and what had to change for the model to take it.
 * With an opened model on screen the strip is its tokens (its tokenizer's, from its newest result),
 * or, for a model that takes no text (an image model), a line saying so.
 * A long text's strip is collapsed to its first tokens (a few hundred chips already fill a screen),
 * with a button to show them all in a scrolling box of bounded height.
 */
import { useState } from 'react';
import { selectInput } from '../../state/store';
import { useApp } from '../useApp';
import { needsText } from '../../opened/inputs';
import { TOKENIZERS } from '../opened/describe';
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
  const playgroundInput = useApp(selectInput);
  const opened = useApp((s) => s.opened.a);
  const openedInput = useApp((s) => (s.opened.a && s.result?.opened?.key === s.opened.a.key ? s.result.input : null));
  const takesText = opened ? needsText(opened.info) : true;
  const input = opened ? (openedInput && takesText ? openedInput : { ids: [], pieces: [], unknown: [], truncatedFrom: null }) : playgroundInput;
  const collapsible = input.pieces.length > STRIP_COLLAPSE_AT;
  const collapsed = collapsible && !expanded;

  return (
    <section className="panel text-panel" aria-label="Text">
      <label htmlFor="text-input">Text</label>
      <textarea id="text-input" rows={2} value={text} spellCheck={false} onChange={(e) => setText(e.target.value)} />
      <div className="token-meta">
        <span data-testid="token-count">{opened ? (takesText ? `${input.ids.length} tokens (${TOKENIZERS[opened.tokenizer]}, ${opened.info.fileName})` : `no text (${opened.info.fileName})`) : `${input.ids.length} / ${maxLen} tokens`}</span>
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
      {opened && !takesText ? (
        <p className="notice" data-testid="notice-no-text">
          {opened.info.fileName} takes no text (it has no token-ids input): it runs on its other inputs, and the maps' positions are its own sequence positions, numbered from 0.
        </p>
      ) : playgroundInput.ids.length === 0 ? (
        <p className="notice" data-testid="notice-empty">Type some text to see how the model attends over it.</p>
      ) : null}
      <ol className={`token-strip${collapsible && expanded ? ' expanded' : ''}`} aria-label="Tokens" data-testid="token-strip" data-collapsed={collapsed}>
        {(collapsed ? input.pieces.slice(0, STRIP_SHOWN) : input.pieces).map((p, i) => (
          <li key={i} className={!opened && input.ids[i] === 0 ? 'token unk' : 'token'} title={`token ${i}: id ${input.ids[i]}`}>
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
