/**
 * Layer dropping by similarity ("What Matters in Transformers? Not All Attention is Needed", He
 * et al. 2024): every sub-block's similarity, mean over tokens of cos(input hidden state, output
 * hidden state), ranked from the most similar (the paper's first to drop) down, each with a switch
 * that drops it; and for the current dropping, what it costs against the full model on the same
 * text: KL(full ‖ dropped) of the next-token distributions and the fast graphs' latencies. The full
 * model runs as compare mode's model B (src/state/latency.ts times A and B in alternate rounds), so
 * its maps are beside the dropped model's too.
 */
import { useEffect, useMemo } from 'react';
import { klDivergence, rankModules, type RankedModule, type RunSimilarity } from '../../analysis/drop';
import { fullModel, hasDrops } from '../../spec/drop';
import { layerSchedule } from '../../spec/schedule';
import { ratioInterval } from '../../analysis/spread';
import type { Spec } from '../../spec/types';
import type { ShownResult } from '../../state/store';
import { useApp } from '../useApp';
import { formatMs } from './LatencyLabels';
import { WaitingHint } from './Waiting';

/** Compare mode's label for model B when it is the full model of A. */
export const FULL_MODEL_LABEL = 'the full model (nothing dropped)';

const PART_NAME = { mixer: 'token mixer', ffn: 'feed-forward' } as const;

const sameSpec = (a: Spec, b: Spec) => JSON.stringify(a) === JSON.stringify(b);

/** Whether `b` is the full model of `a`, run on the same tokens. */
const isFullOf = (a: ShownResult, b: ShownResult | null | undefined): b is ShownResult =>
  !!b && sameSpec(b.spec, fullModel(a.spec)) && b.input.ids.length === a.input.ids.length && b.input.ids.every((t, i) => t === a.input.ids[i]);

function Ranking({ ranked, spec }: { ranked: RankedModule[]; spec: Spec }) {
  const edit = useApp((s) => s.edit);
  return (
    <table className="drop-table" data-testid="drop-ranking">
      <thead>
        <tr>
          <th scope="col">rank</th>
          <th scope="col">layer</th>
          <th scope="col">sub-block</th>
          <th scope="col" title="Mean over tokens of cos(input hidden state, output hidden state)">similarity</th>
          <th scope="col" title="1 − similarity (He et al. 2024)">importance</th>
          <th scope="col">drop</th>
        </tr>
      </thead>
      <tbody>
        {ranked.map((m, k) => {
          const dropped = !!spec.layers[m.layer]?.drop?.[m.part];
          return (
            <tr key={`${m.layer} ${m.part}`} data-testid="drop-row" data-layer={m.layer} data-part={m.part} data-similarity={m.similarity} className={dropped ? 'dropped' : undefined}>
              <td>{k + 1}</td>
              <td>{m.layer}</td>
              <td>{PART_NAME[m.part]}</td>
              <td>{m.similarity.toFixed(4)}</td>
              <td>{m.importance.toFixed(4)}</td>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Drop layer ${m.layer}'s ${PART_NAME[m.part]}`}
                  checked={dropped}
                  onChange={(e) => edit({ type: 'setDrop', layer: m.layer, part: m.part, on: e.target.checked })}
                />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** KL(full ‖ dropped) and the latencies, once the full model's result is there. */
function Cost({ dropped, full }: { dropped: ShownResult; full: ShownResult }) {
  const fastA = useApp((s) => s.latency.fast);
  const fastB = useApp((s) => s.latency.fastB);
  const kl = useMemo(() => klDivergence(full.data.logits, dropped.data.logits, dropped.data.T, dropped.data.vocabSize), [full, dropped]);
  const figDropped = fastA && fastA.id === dropped.data.id ? fastA : null;
  const figFull = fastB && fastB.id === full.data.id ? fastB : null;
  const ratio = figDropped && figFull ? ratioInterval(figFull.samplesMs, figDropped.samplesMs) : null;
  const sameWeights = (dropped.data.weights ?? '') === (full.data.weights ?? '');
  return (
    <div className="drop-cost">
      <p data-testid="drop-kl" data-kl={kl.mean} data-kl-max={kl.max}>
        KL(full ‖ dropped) of the next-token distributions: <strong>{kl.mean.toFixed(5)} nats</strong> on average over the {dropped.data.T} tokens (largest{' '}
        {kl.max.toFixed(5)}).
      </p>
      <p data-testid="drop-latency" data-ratio={ratio?.ratio ?? ''}>
        Latency (fast path, median of runs timed in alternate rounds): full {figFull ? formatMs(figFull.medianMs) : '… ms'} → dropped{' '}
        {figDropped ? formatMs(figDropped.medianMs) : '… ms'}
        {ratio ? (
          <>
            {' '}
            · <strong>dropped / full = {ratio.ratio.toFixed(2)}</strong> (interval {ratio.lo.toFixed(2)}–{ratio.hi.toFixed(2)}
            {ratio.withinNoise ? ', within noise' : ''})
          </>
        ) : null}
      </p>
      {!sameWeights ? (
        <p className="hint" role="note">
          The two ran on different weights ({dropped.data.weights} and {full.data.weights}), so the KL mixes the drop with the change of weights.
        </p>
      ) : null}
    </div>
  );
}

export function DropView() {
  const result = useApp((s) => s.result);
  const spec = useApp((s) => s.spec);
  const compare = useApp((s) => s.compare);
  const setCompareModel = useApp((s) => s.setCompareModel);
  const measuring = compare?.label === FULL_MODEL_LABEL;
  const full = result && isFullOf(result, compare?.resultB) ? compare!.resultB! : null;

  // While B is the full model, it follows A: every edit of A gives B its full model again.
  useEffect(() => {
    if (measuring && !sameSpec(compare!.specB, fullModel(spec))) setCompareModel(fullModel(spec), FULL_MODEL_LABEL);
  }, [measuring, compare, spec, setCompareModel]);

  // The ranking is the full model's: a dropped sub-block has no similarity of its own.
  const source = result && hasDrops(result.spec) && full ? full : result;
  const ranked = useMemo(() => (source?.data.similarity ? rankModules(layerSchedule(source.spec).map((r) => r.layer), source.data.similarity as RunSimilarity[]) : []), [source]);
  const droppedNow = result ? result.spec.layers.flatMap((l, i) => (['mixer', 'ffn'] as const).filter((p) => l.drop?.[p]).map((p) => `layer ${i}'s ${PART_NAME[p]}`)) : [];

  return (
    <section className="panel" aria-label="Layer dropping">
      <div className="panel-head">
        <h2>Drop sub-blocks by similarity</h2>
      </div>
      {!result ? <WaitingHint /> : null}
      {result ? (
        <>
          <p className="hint">
            Similarity: the mean over tokens of cos(X, Y), X the hidden state a sub-block receives and Y the one it hands on (Y = X + F(norm(X)) with
            pre-norm). He et al. (2024) drop the most similar sub-blocks first: they change the stream least. Importance = 1 − similarity.
            {source !== result ? ' Ranked on the full model.' : hasDrops(result.spec) ? ' Dropped sub-blocks are not ranked until the full model has run.' : ''}
          </p>
          <Ranking ranked={ranked} spec={spec} />
          <p data-testid="drop-current">
            {droppedNow.length ? `Dropped: ${droppedNow.join(', ')}.` : 'Nothing is dropped. Tick a box above, or Drop on a layer card.'}
          </p>
          {droppedNow.length && !measuring ? (
            <button type="button" data-testid="drop-measure" onClick={() => setCompareModel(fullModel(spec), FULL_MODEL_LABEL)}>
              Measure against the full model
            </button>
          ) : null}
          {droppedNow.length && measuring && !full ? <p className="hint">Running the full model on the same text…</p> : null}
          {droppedNow.length && full ? <Cost dropped={result} full={full} /> : null}
          {measuring ? (
            <p className="hint">The full model runs as model B of Compare (above), which follows your edits while this lasts; stop Compare to end it.</p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
