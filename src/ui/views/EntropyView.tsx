/**
 * Entropy of the selected layer run: each head's mean over queries (in nats and as a fraction of
 * uniform), each query's entropy as one line per head against the uniform maximum, and the
 * layer × head overview (EntropyHeatmap). The lines are drawn with D3 after each render; the
 * values drawn are written to the SVG's data attributes.
 */
import { line } from 'd3-shape';
import { scaleLinear } from 'd3-scale';
import { useEffect, useMemo, useRef, useState } from 'react';
import { headEntropies, rowFractions } from '../../analysis/entropy';
import { blockInfo } from '../../spec/catalog';
import { layerSchedule } from '../../spec/schedule';
import type { AppState } from '../../state/store';
import { useTimelineResult } from '../train/timelineView';
import { useApp } from '../useApp';
import { chartDocument, everyKth, headColour, headDash, inner, joinRows, plotFrame, type Frame } from './chart';
import { ChartSvg } from './ChartSvg';
import { EntropyHeatmap } from './EntropyHeatmap';
import { ExportButtons } from './ExportButtons';
import { WaitingHint } from './Waiting';

type Result = NonNullable<AppState['result']>;
/** Fraction: entropy / log(keys), uniform at 100%. Nats: entropy itself, uniform on the log(keys) curve. */
type Unit = 'fraction' | 'nats';

const FRAME: Frame = { width: 400, height: 190, margin: { top: 10, right: 14, bottom: 34, left: 46 } };

/** Draws one line per head of layer run `layer` (the selected head on top), and the uniform maximum dashed. */
function drawPositions(svg: SVGSVGElement, result: Result, layer: number, selected: number, unit: Unit) {
  const { T, nHeads: H } = result.data;
  const nats = result.data.entropy[layer]!;
  const support = result.data.support[layer]!;
  const fractions = rowFractions(nats, support);
  const rows = (a: Float32Array) => Array.from({ length: H }, (_, h) => a.subarray(h * T, (h + 1) * T));
  const series = rows(unit === 'fraction' ? fractions : nats);
  // The most a row could have: log(keys with weight), read from the selected head's row.
  const uniform = Float32Array.from({ length: T }, (_, i) => (unit === 'fraction' ? 1 : Math.log(Math.max(1, support[selected * T + i]!))));

  let top = 1;
  if (unit === 'nats') for (const a of [nats, uniform]) for (const v of a) top = Math.max(top, v);
  const { w, h } = inner(FRAME);
  const x = scaleLinear().domain([0, Math.max(1, T - 1)]).range([0, w]);
  const y = scaleLinear().domain([0, unit === 'fraction' ? 1.05 : top * 1.05]).range([h, 0]);
  const g = plotFrame(svg, FRAME, x, y, {
    xTitle: 'query position',
    yTitle: unit === 'fraction' ? 'entropy / uniform' : 'entropy (nats)',
    xTicks: everyKth(T, 10),
    xFormat: String,
    yFormat: unit === 'fraction' ? (v) => `${Math.round(Number(v) * 100)}%` : undefined,
  });
  const path = line<number>()
    .defined((v) => Number.isFinite(v))
    .x((_, i) => x(i))
    .y((v) => y(v));
  g.append('path').attr('class', 'reference').attr('fill', 'none').attr('stroke', 'currentColor').attr('stroke-opacity', 0.7).attr('stroke-dasharray', '4 3').attr('d', path(Array.from(uniform)));
  const order = [...series.keys()].filter((k) => k !== selected).concat(selected < H ? [selected] : []);
  for (const k of order) {
    g.append('path')
      .attr('class', k === selected ? 'series selected' : 'series')
      .attr('fill', 'none')
      .attr('stroke', headColour(k))
      .attr('stroke-width', k === selected ? 2.6 : 1.3)
      .attr('stroke-opacity', k === selected ? 1 : 0.75)
      .attr('stroke-dasharray', headDash(k))
      .attr('d', path(Array.from(series[k]!)));
  }
  g.append('text').attr('class', 'reference-label').attr('fill', 'currentColor').attr('x', w).attr('y', y(uniform[T - 1] ?? 1) - 4).attr('text-anchor', 'end').text(unit === 'fraction' ? 'uniform (100%)' : 'uniform: log(keys)');

  Object.assign(svg.dataset, {
    layer: String(layer),
    unit,
    heads: String(H),
    t: String(T),
    values: joinRows(series),
    nats: joinRows(rows(nats)),
    uniform: joinRows([uniform]),
  });
}

function EntropyByPosition({ result, layer, head }: { result: Result; layer: number; head: number }) {
  const [unit, setUnit] = useState<Unit>('fraction');
  const svgRef = useRef<SVGSVGElement>(null);
  useEffect(() => drawPositions(svgRef.current!, result, layer, head, unit), [result, layer, head, unit]);
  return (
    <figure className="chart">
      <figcaption className="chart-head">
        <span>Per query position</span>
        <span className="toggle" role="group" aria-label="Entropy unit">
          <button type="button" aria-pressed={unit === 'fraction'} onClick={() => setUnit('fraction')}>% of uniform</button>
          <button type="button" aria-pressed={unit === 'nats'} onClick={() => setUnit('nats')}>nats</button>
        </span>
        <ExportButtons name="entropy-positions" svg={() => chartDocument(svgRef.current)} />
      </figcaption>
      <ChartSvg
        svgRef={svgRef}
        frame={FRAME}
        testId="entropy-positions"
        shown
        label={`Entropy of each query's attention row in layer run ${layer}, one line per head (head ${head} drawn thickest), against the uniform maximum`}
      />
      <p className="hint">
        {unit === 'fraction'
          ? 'Each row\'s entropy divided by the most it could have, log(keys the query can see): 100% (dashed) is weight spread evenly over those keys, 0% all weight on one. The first query sees one key and has no line.'
          : 'Each row\'s entropy in nats. The dashed curve is the uniform maximum log(keys the query can see), which grows along the text (log(i + 1) for a causal map), so late queries can reach higher values than early ones.'}
      </p>
    </figure>
  );
}

export function EntropyView() {
  const { result, step } = useTimelineResult();
  const view = useApp((s) => s.view);
  const selectHead = useApp((s) => s.selectHead);
  const layer = result ? Math.min(view.layer, result.data.nLayers - 1) : 0;
  const head = result ? Math.min(view.head, result.data.nHeads - 1) : 0;
  // Implicit and attribution maps are signed: their entropy is of each row's |A| rescaled to sum 1.
  const signedKind = useApp((s) => {
    if (!s.result || s.result.opened) return null; // an opened model's maps are Softmax outputs
    const run = layerSchedule(s.result.spec)[Math.min(s.view.layer, s.result.data.nLayers - 1)];
    const kind = run ? blockInfo('mixer', s.result.spec.layers[run.layer]!.mixer.kind)?.map : undefined;
    return kind === 'implicit' || kind === 'attribution' ? kind : null;
  });
  const rows = useMemo(() => {
    if (!result) return [];
    const { T, nHeads, entropy, support } = result.data;
    return headEntropies(entropy[layer]!, support[layer]!, nHeads, T);
  }, [result, layer]);

  return (
    <section className="panel" aria-label="Entropy">
      <h2>
        Entropy <span className="unit">layer {layer}</span>
        {step !== null ? (
          <>
            {' '}
            <span className="badge timeline-badge" data-testid="entropy-timeline-step" title="The timeline shows the model as it was at this step of training, on the training probe example">
              at step {step}
            </span>
          </>
        ) : null}
      </h2>
      {rows.length === 0 ? <WaitingHint /> : null}
      <ul className="entropy-list" data-testid="entropy" data-step={step ?? ''}>
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
                <span className="swatch" aria-hidden="true" style={{ borderColor: headColour(r.head), borderStyle: headDash(r.head) ? 'dashed' : 'solid' }} />
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
        {signedKind ? ` For this ${signedKind === 'implicit' ? 'implicit' : 'attribution'} map, each row's absolute weights are rescaled to sum to 1 first.` : ''}
      </p>
      {result ? <EntropyByPosition result={result} layer={layer} head={head} /> : null}
      {result ? <EntropyHeatmap result={result} layer={layer} head={head} /> : null}
    </section>
  );
}
