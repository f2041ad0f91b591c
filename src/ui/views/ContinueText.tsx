/**
 * The model's continuation of the text: a number of characters, chosen greedily (the argmax at
 * each step) or sampled from softmax(logits / temperature), optionally among the top k, with a
 * seed, run in the worker (workers/generate.ts) and shown one by one as they come, after the end
 * of the text. It runs on the model's decode graph (one token per step, with its cache or state),
 * and each step's wall time is drawn as it comes (TokenLatencyChart); a model that cannot decode
 * runs the forward pass at each length instead, and the page says why in one sentence. An edit of
 * the text or the model stops it (the worker answers Superseded) and clears it. It runs on the
 * weights the views show (a training job's when the model has one), so the note that the weights
 * are random shows only while the result on screen ran on the initial ones.
 */
import { useRef, useState } from 'react';
import { CHAR_VOCAB, VOCAB_SIZE } from '../../spec/vocab';
import type { ContinueResult, TokenStep } from '../../state/store';
import { TokenLatencyChart } from './TokenLatencyChart';
import { errorParts, ERROR } from '../../spec/errors';
import { CONTINUE_MAX, type ContinueChoice, type ShownResult } from '../../state/store';
import { useAppStore } from '../useApp';

/** How much of the text is shown before the continuation. */
const TAIL = 60;

type Shown =
  | { phase: 'idle' }
  | { phase: 'running'; forId: number; choice: ContinueChoice; ids: number[]; steps: TokenStep[]; promptLength: number }
  | { phase: 'done'; forId: number; choice: ContinueChoice; ids: number[]; steps: TokenStep[]; promptLength: number; result: ContinueResult }
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
  const [topK, setTopK] = useState(NaN); // empty: sample among all tokens
  const [latest, setShown] = useState<Shown>({ phase: 'idle' });
  const run = useRef(0); // a newer press makes older answers land nowhere

  // An edit gives a new result: what was continued belonged to the old text, so it is not shown.
  const id = result.data.id;
  const shown: Shown = latest.phase !== 'idle' && latest.forId !== id ? { phase: 'idle' } : latest;

  const problem =
    wholeProblem(count, 1, CONTINUE_MAX, 'The number of characters') ??
    (mode === 'sample' ? (wholeProblem(seed, 0, 2 ** 32 - 1, 'The seed') ?? (Number.isNaN(topK) ? null : wholeProblem(topK, 1, VOCAB_SIZE, 'Top-k'))) : null);
  const running = shown.phase === 'running';

  const start = () => {
    if (problem) return;
    const mine = ++run.current;
    const choice: ContinueChoice = { count, mode, temperature, seed, ...(mode === 'sample' && !Number.isNaN(topK) ? { topK } : {}) };
    const promptLength = result.input.ids.length;
    setShown({ phase: 'running', forId: id, choice, ids: [], steps: [], promptLength });
    // Progress comes through a port of its own and may land after the answer: never after it.
    let finished = false;
    const onProgress = (p: { tokens: number[]; msPerToken: TokenStep[] }) => {
      if (run.current === mine && !finished) setShown({ phase: 'running', forId: id, choice, ids: p.tokens, steps: p.msPerToken, promptLength });
    };
    store
      .getState()
      .continueText(result, choice, onProgress)
      .then(
        (r) => {
          finished = true;
          if (run.current === mine) setShown({ phase: 'done', forId: id, choice, ids: r.tokens, steps: r.msPerToken, promptLength, result: r });
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
  const describe = (c: ContinueChoice) => (c.mode === 'greedy' ? 'greedy' : `sampled at temperature ${c.temperature.toFixed(2)}${c.topK ? ` among the top ${c.topK}` : ''}, seed ${c.seed}`);
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
        <label className="position-pick" title="Sample among the k most likely characters only; empty: among all">
          top-k{' '}
          <input
            type="number"
            min={1}
            max={VOCAB_SIZE}
            step={1}
            placeholder="all"
            value={Number.isNaN(topK) ? '' : topK}
            disabled={mode !== 'sample'}
            data-testid="continue-topk"
            onChange={(e) => setTopK(e.target.valueAsNumber)}
          />
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
            {running ? `Continuing (${describe(shown.choice)}): ${ids.length} of ${shown.choice.count} characters.` : `The highlighted ${ids.length} characters are the model's continuation (${describe(shown.choice)}${shown.phase === 'done' ? onWeights(shown.result.weights) : ''}).`}
          </p>
          <TokenLatencyChart steps={shown.steps} lastPosition={shown.promptLength + shown.choice.count - 2} />
          {shown.phase === 'done' ? <PathNote result={shown.result} maxLen={result.spec.maxLen} /> : null}
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

/** How the continuation was computed: the decode graph and its capacity, or why the forward pass ran, and what happened past maxLen. */
function PathNote({ result, maxLen }: { result: ContinueResult; maxLen: number }) {
  return (
    <p className="hint" data-testid="continue-path" data-capacity={result.capacity ?? ''} data-window-from={result.windowFrom ?? ''} data-fallback={result.fallback ? 'true' : 'false'}>
      {result.fallback ?? `Decoded with the decode graph: one graph and one session with a cache of ${result.capacity} tokens; the text was read one token per step, then each chosen character was fed back.`}
      {result.windowFrom !== null
        ? ` From position ${result.windowFrom} on the text is longer than maxLen (${maxLen}): the cache is full, so each further token runs the forward pass over the last ${maxLen} tokens (a sliding window, positions counted from its start).`
        : ''}
    </p>
  );
}
