/** The text the model reads, its token strip, and what had to change for the model to take it. */
import { selectInput } from '../../state/store';
import { useApp } from '../useApp';
import { showPiece as show } from './pieces';

export function TextInput() {
  const text = useApp((s) => s.text);
  const setText = useApp((s) => s.setText);
  const maxLen = useApp((s) => s.spec.maxLen);
  const input = useApp(selectInput);

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
      <ol className="token-strip" aria-label="Tokens" data-testid="token-strip">
        {input.pieces.map((p, i) => (
          <li key={i} className={input.ids[i] === 0 ? 'token unk' : 'token'} title={`token ${i}: id ${input.ids[i]}`}>
            {show(p)}
          </li>
        ))}
      </ol>
    </section>
  );
}
