/**
 * Token pruning and merging for encoders (docs/decoding.md, "Token pruning and merging"): pick a
 * method (Zero-TPrune's Weighted PageRank pruning, or ToMe's bipartite merging, both X′ = R·X), the
 * layer run after which the tokens are reduced and how many stay; the worker runs the full and the
 * reduced model on the text (workers/prune.ts). Shown: each token on a strip, kept, pruned (struck
 * through) or coloured by the merged group it joined, and what the reduction changed: KL of the
 * next-token distributions per reduced token and the cosine of the pooled final states. Models
 * that cannot be reduced (causal mixers, index-dependent mixers after the cut) get the sentence why.
 */
import { useMemo, useRef, useState } from 'react';
import { interpolateRainbow } from 'd3-scale-chromatic';
import { REDUCE_METHODS, type ReduceMethod } from '../../analysis/prune/reduction';
import { reduceProblems } from '../../spec/reduce';
import { errorParts, ERROR } from '../../spec/errors';
import { layerSchedule } from '../../spec/schedule';
import type { PruneResult } from '../../state/store';
import { useApp, useAppStore } from '../useApp';
import { WaitingHint } from './Waiting';
import './prune.css';

type Shown = { phase: 'idle' } | { phase: 'running'; forId: number } | { phase: 'done'; forId: number; res: PruneResult } | { phase: 'failed'; forId: number; message: string };

/** A colour per merged group (groups of one stay uncoloured). */
const groupColour = (k: number, n: number) => interpolateRainbow((k + 0.5) / Math.max(1, n));

function Strip({ pieces, res }: { pieces: string[]; res: PruneResult }) {
  const groupOf = new Map<number, number>();
  res.groups.forEach((g, k) => g.forEach((j) => groupOf.set(j, k)));
  const merged = res.groups.map((g, k) => (g.length > 1 ? k : -1)).filter((k) => k >= 0);
  return (
    <div className="prune-strip" data-testid="prune-strip">
      {pieces.map((p, j) => {
        const g = groupOf.get(j);
        const size = g === undefined ? 0 : res.groups[g]!.length;
        const colour = size > 1 ? groupColour(merged.indexOf(g!), merged.length) : undefined;
        const what = g === undefined ? 'pruned' : size > 1 ? `merged into reduced token ${g} with ${res.groups[g]!.filter((i) => i !== j).join(', ')}` : `kept as reduced token ${g}`;
        const importance = res.importance ? `, importance ${res.importance[j]!.toFixed(4)}` : '';
        return (
          <span
            key={j}
            className={`prune-token ${g === undefined ? 'pruned' : size > 1 ? 'merged' : 'kept'}`}
            data-testid="prune-token"
            data-index={j}
            data-group={g ?? ''}
            style={colour ? { background: colour } : undefined}
            title={`token ${j} “${p}”: ${what}${importance}`}
          >
            {p === ' ' ? '␣' : p}
          </span>
        );
      })}
    </div>
  );
}

function Change({ res }: { res: PruneResult }) {
  const c = res.change;
  return (
    <div className="prune-change">
      <p data-testid="prune-kl" data-kl={c.klMean} data-kl-max={c.klMax} data-cosine={c.pooledCosine}>
        {res.T} tokens → {res.keep} after layer run {res.afterRun}. KL(full ‖ reduced) of the next-token distributions:{' '}
        <strong>{c.klMean.toFixed(5)} nats</strong> on average over the {res.keep} reduced tokens (largest {c.klMax.toFixed(5)}); cosine of the pooled final
        states: <strong>{c.pooledCosine.toFixed(5)}</strong>. Weights: {res.weights}.
      </p>
      <p className="hint">
        A reduced token’s reference is the mixture of the full model’s distributions of the tokens it stands for (its row of R): the token itself when
        pruning, its group’s average when merging. The pooled state is the mean over all tokens of the full model’s final state against the reduced model’s
        mean weighted by how many tokens each row stands for.
      </p>
    </div>
  );
}

export function PruneView() {
  const result = useApp((s) => s.result);
  const [method, setMethod] = useState<ReduceMethod>('zero_tprune');
  const [afterRun, setAfterRun] = useState(0);
  const [keepText, setKeepText] = useState('');
  const [shown, setShown] = useState<Shown>({ phase: 'idle' });
  const run = useRef(0);
  const store = useAppStore();

  const T = result?.input.ids.length ?? 0;
  const runs = result ? layerSchedule(result.spec).length : 0;
  const keep = keepText === '' ? Math.max(1, Math.ceil(T / 2)) : Number(keepText);
  const cut = Math.min(afterRun, Math.max(0, runs - 1));
  const problems = useMemo(() => (result && T ? reduceProblems(result.spec, T, { afterRun: cut, keep }) : []), [result, T, cut, keep]);
  const id = result?.data.id ?? -1;
  const current = shown.phase !== 'idle' && shown.forId === id ? shown : null;

  const start = () => {
    if (!result || problems.length) return;
    const mine = ++run.current;
    setShown({ phase: 'running', forId: id });
    store
      .getState()
      .reduceTokens(result, { method, afterRun: cut, keep })
      .then(
        (res) => run.current === mine && setShown({ phase: 'done', forId: id, res }),
        (e: unknown) => {
          if (run.current !== mine) return;
          const { name, message } = errorParts(e);
          setShown(name === ERROR.Superseded ? { phase: 'idle' } : { phase: 'failed', forId: id, message });
        },
      );
  };

  return (
    <section className="panel" aria-label="Token pruning and merging">
      <div className="panel-head">
        <h2>Prune or merge tokens (encoders)</h2>
      </div>
      {!result ? <WaitingHint /> : null}
      {result ? (
        <>
          <div className="prune-controls">
            <label>
              Method{' '}
              <select data-testid="prune-method" value={method} onChange={(e) => setMethod(e.target.value as ReduceMethod)}>
                {(Object.keys(REDUCE_METHODS) as ReduceMethod[]).map((m) => (
                  <option key={m} value={m}>
                    {REDUCE_METHODS[m].title}
                  </option>
                ))}
              </select>
            </label>
            <label>
              after layer run{' '}
              <select data-testid="prune-layer" value={cut} onChange={(e) => setAfterRun(Number(e.target.value))}>
                {Array.from({ length: runs }, (_, r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </label>
            <label>
              tokens kept{' '}
              <input data-testid="prune-keep" type="number" min={1} max={T} step={1} value={keepText === '' ? keep : keepText} onChange={(e) => setKeepText(e.target.value)} /> of {T}
            </label>
            <button type="button" data-testid="prune-run" disabled={problems.length > 0 || current?.phase === 'running'} onClick={start}>
              Reduce and measure
            </button>
          </div>
          <p className="hint">{REDUCE_METHODS[method].note}</p>
          {problems.length ? (
            <div className="hint" role="note" data-testid="prune-refused">
              {problems.map((p) => (
                <p key={p}>{p}</p>
              ))}
            </div>
          ) : null}
          {current?.phase === 'running' ? <p className="hint">Running the full and the reduced model…</p> : null}
          {current?.phase === 'failed' ? (
            <p className="hint" role="alert" data-testid="prune-failed">
              {current.message}
            </p>
          ) : null}
          {current?.phase === 'done' ? (
            <>
              <Strip pieces={result.input.pieces} res={current.res} />
              <Change res={current.res} />
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
