/**
 * The model's continuation of the text: a number of characters, chosen greedily (the argmax at
 * each step) or sampled from softmax(logits / temperature) with a seed, run in the worker
 * (workers/generate.ts) and shown one by one as they come, after the end of the text. An edit of
 * the text or the model stops it (the worker answers Superseded) and clears it. It runs on the
 * weights the views show (a training job's when the model has one), so the note that the weights
 * are random shows only while the result on screen ran on the initial ones.
 */
import { useRef, useState } from 'react';
import { CHAR_VOCAB } from '../../spec/vocab';
import { errorParts, ERROR } from '../../spec/errors';
import { CONTINUE_MAX, type ContinueChoice, type ShownResult } from '../../state/store';
import { useAppStore } from '../useApp';

/** How much of the text is shown before the continuation. */
const TAIL = 60;

type Shown =
  | { phase: 'idle' }
  | { phase: 'running' | 'done'; forId: number; choice: ContinueChoice; ids: number[]; weights?: string }
  | { phase: 'failed'; forId: number; message: string };

/** A token id as its character (unknown ids as #id). */
const charOf = (id: number) => CHAR_VOCAB[id] ?? `#${id}`;

/** Why a number typed in a field cannot be used, or null. */
function wholeProblem(v: number, lo: number, hi: number, what: string): string | null {
  return Number.isInteger(v) && v >= lo && v <= hi ? null : `${what} must be a whole number from ${lo} to ${hi}.`;
}

export function ContinueText({ result }: { result: ShownResult }) {
  const store = useAppStore();
  const [count, setCount] = useState(40);
  const [mode, setMode] = useState<'greedy' | 'sample'>('greedy');
  const [temperature, setTemperature] = useState(1);
  const [seed, setSeed] = useState(1);
  const [latest, setShown] = useState<Shown>({ phase: 'idle' });
  const run = useRef(0); // a newer press makes older answers land nowhere

  // An edit gives a new result: what was continued belonged to the old text, so it is not shown.
  const id = result.data.id;
  const shown: Shown = latest.phase !== 'idle' && latest.forId !== id ? { phase: 'idle' } : latest;

  const problem = wholeProblem(count, 1, CONTINUE_MAX, 'The number of characters') ?? (mode === 'sample' ? wholeProblem(seed, 0, 2 ** 32 - 1, 'The seed') : null);
  const running = shown.phase === 'running';

  const start = () => {
    if (problem) return;
    const mine = ++run.current;
    const choice: ContinueChoice = { count, mode, temperature, seed };
    setShown({ phase: 'running', forId: id, choice, ids: [] });
    // Progress comes through a port of its own and may land after the answer: never after it.
    let finished = false;
    const onProgress = (p: { tokens: number[] }) => {
      if (run.current === mine && !finished) setShown({ phase: 'running', forId: id, choice, ids: p.tokens });
    };
    store
      .getState()
      .continueText(result, choice, onProgress)
      .then(
        (r) => {
          finished = true;
          if (run.current === mine) setShown({ phase: 'done', forId: id, choice, ids: r.tokens, ...(r.weights ? { weights: r.weights } : {}) });
        },
        (e: unknown) => {
          finished = true;
          if (run.current !== mine) return;
          const { name, message } = errorParts(e);
          setShown(name === ERROR.Superseded ? { phase: 'idle' } : { phase: 'failed', forId: id, message });
        },
      );
  };

  const pieces = result.input.pieces;
  const before = pieces.slice(Math.max(0, pieces.length - TAIL)).join('');
  const ids = shown.phase === 'running' || shown.phase === 'done' ? shown.ids : [];
  const made = ids.map(charOf).join('');
  const describe = (c: ContinueChoice) => (c.mode === 'greedy' ? 'greedy' : `sampled at temperature ${c.temperature.toFixed(2)}, seed ${c.seed}`);
  /** "seed 3" or "trained 2 step 40" (workers/api.ts) as the hint says it. */
  const onWeights = (w: string | undefined) => {
    const step = w && /^trained \d+ step (\d+)$/.exec(w)?.[1];
    return step ? `, on the weights after ${Number(step).toLocaleString('en')} training steps` : w ? `, on the initial weights (${w})` : '';
  };
  // The result on screen ran on trained weights: the continuation does too.
  const untrained = !result.data.weights?.startsWith('trained ');

  return (
    <div className="continue" data-testid="continue">
      <h3 className="continue-title">Continue the text</h3>
      <div className="continue-controls">
        <label className="position-pick">
          characters{' '}
          <input type="number" min={1} max={CONTINUE_MAX} value={Number.isNaN(count) ? '' : count} data-testid="continue-count" onChange={(e) => setCount(e.target.valueAsNumber)} />
        </label>
        <div role="radiogroup" aria-label="How each character is chosen" className="continue-mode">
          <label>
            <input type="radio" name="continue-mode" value="greedy" checked={mode === 'greedy'} data-testid="continue-greedy" onChange={() => setMode('greedy')} /> greedy
          </label>
          <label>
            <input type="radio" name="continue-mode" value="sample" checked={mode === 'sample'} data-testid="continue-sample" onChange={() => setMode('sample')} /> sampled
          </label>
        </div>
        <label className="position-pick">
          temperature{' '}
          <input
            type="range"
            min={0.1}
            max={2}
            step={0.05}
            value={temperature}
            disabled={mode !== 'sample'}
            aria-valuetext={temperature.toFixed(2)}
            data-testid="continue-temperature"
            onChange={(e) => setTemperature(e.target.valueAsNumber)}
          />{' '}
          <output className="mono">{temperature.toFixed(2)}</output>
        </label>
        <label className="position-pick">
          seed{' '}
          <input type="number" min={0} step={1} value={Number.isNaN(seed) ? '' : seed} disabled={mode !== 'sample'} data-testid="continue-seed" onChange={(e) => setSeed(e.target.valueAsNumber)} />
        </label>
        <button type="button" className="small-button" data-testid="continue-button" disabled={problem !== null || running} onClick={start}>
          {running ? 'Continuing…' : 'Continue'}
        </button>
      </div>
      {problem ? (
        <p className="hint continue-problem" role="alert">
          {problem}
        </p>
      ) : null}
      {shown.phase === 'failed' ? (
        <p className="hint continue-problem" role="alert" data-testid="continue-failed">
          The continuation failed: {shown.message}
        </p>
      ) : null}
      {shown.phase === 'running' || shown.phase === 'done' ? (
        <>
          <p className="continue-output mono" data-testid="continue-output" data-ids={ids.join(',')} data-phase={shown.phase} aria-busy={running}>
            {pieces.length > TAIL ? '…' : ''}
            {before}
            <mark className="continuation" data-testid="continuation">
              {made}
            </mark>
          </p>
          <p className="hint" aria-live="polite">
            {running ? `Continuing (${describe(shown.choice)}): ${ids.length} of ${shown.choice.count} characters.` : `The highlighted ${ids.length} characters are the model's continuation (${describe(shown.choice)}${shown.phase === 'done' ? onWeights(shown.weights) : ''}).`}
          </p>
        </>
      ) : null}
      {untrained ? (
        <p className="hint" data-testid="continue-untrained">
          The weights are random: train the model to get text that means something. Until then the continuation is noise shaped by the architecture.
        </p>
      ) : null}
    </div>
  );
}
