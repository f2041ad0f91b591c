/** Entropy of each head of the selected layer: mean over queries, in nats and as a fraction of uniform. */
import { useMemo } from 'react';
import { headEntropies } from '../../analysis/entropy';
import { blockInfo } from '../../spec/catalog';
import { layerSchedule } from '../../spec/schedule';
import { useApp } from '../useApp';

export function EntropyView() {
  const result = useApp((s) => s.result);
  const view = useApp((s) => s.view);
  const selectHead = useApp((s) => s.selectHead);
  const layer = result ? Math.min(view.layer, result.data.nLayers - 1) : 0;
  const implicit = useApp((s) => {
    if (!s.result) return false;
    const run = layerSchedule(s.result.spec)[Math.min(s.view.layer, s.result.data.nLayers - 1)];
    return run ? blockInfo('mixer', s.result.spec.layers[run.layer]!.mixer.kind)?.map === 'implicit' : false;
  });
  const rows = useMemo(() => {
    if (!result) return [];
    const { T, nHeads, entropy, support } = result.data;
    return headEntropies(entropy[layer]!, support[layer]!, nHeads, T);
  }, [result, layer]);

  return (
    <section className="panel" aria-label="Entropy">
      <h2>Entropy <span className="unit">layer {layer}</span></h2>
      {rows.length === 0 ? <p className="hint">Waiting for a result.</p> : null}
      <ul className="entropy-list" data-testid="entropy">
        {rows.map((r) => {
          const frac = Number.isNaN(r.meanFraction) ? 0 : r.meanFraction;
          return (
            <li key={r.head} data-head={r.head} data-entropy-nats={r.meanNats} data-entropy-fraction={r.meanFraction}>
              <button
                type="button"
                className={view.head === r.head ? 'head-button selected' : 'head-button'}
                aria-pressed={view.head === r.head}
                onClick={() => selectHead(r.head)}
              >
                head {r.head}
              </button>
              <span className="bar" aria-hidden="true"><span style={{ width: `${(frac * 100).toFixed(1)}%` }} /></span>
              <span className="value">
                {r.meanNats.toFixed(3)} nats · {Number.isNaN(r.meanFraction) ? '—' : `${(r.meanFraction * 100).toFixed(0)}%`}
              </span>
            </li>
          );
        })}
      </ul>
      <p className="hint">
        Mean over queries. 100% is weight spread evenly over every key the row uses; 0% is all weight on one key.
        {implicit ? ' For this implicit map, each row\'s absolute weights are rescaled to sum to 1 first.' : ''}
      </p>
    </section>
  );
}
