/**
 * Entropy per head against step: at each snapshot, each head's entropy in the selected layer run
 * (the views' layer) on the probe example, averaged over query positions (nats). Heads that learn
 * to look at one key fall towards 0: entropy collapse, the moment a head commits. The dashed line
 * is uniform attention over every earlier key (a causal row's maximum, averaged the same way).
 * Model A's run; the selected head is drawn thickest; the timeline's step is a cursor.
 */
import { scaleLinear } from 'd3-scale';
import { useEffect, useRef } from 'react';
import { timelineSnapshot, type TrainingRun } from '../../state/training';
import { inner, joinRows, plotFrame } from '../views/chart';
import { ChartSvg } from '../views/ChartSvg';
import { drawnDataWanted } from '../views/drawnData';
import { ExportButtons } from '../views/ExportButtons';
import { useApp } from '../useApp';
import { causalUniformMean, headEntropySeries } from './curves';
import { drawCursor, drawHeadSeries, drawLegend, headEntries, legendRows, trainChartDocument, trainFrame } from './trainChart';


function drawEntropy(svg: SVGSVGElement, run: TrainingRun, layer: number, selected: number, cursor: number | null) {
  const { steps, heads } = headEntropySeries(run.snapshots, layer);
  const T = run.snapshots[0]?.T ?? 1;
  const uniform = causalUniformMean(T);
  const entries = headEntries(heads.length, true);
  const frame = trainFrame(legendRows(entries.length));
  const { w, h } = inner(frame);
  let top = Math.max(uniform, 0.1);
  for (const row of heads) for (const v of row) if (Number.isFinite(v)) top = Math.max(top, v);
  const x = scaleLinear().domain([0, Math.max(1, steps.at(-1) ?? 1, cursor ?? 0)]).range([0, w]);
  const y = scaleLinear().domain([0, top * 1.08]).range([h, 0]);
  const g = plotFrame(svg, frame, x, y, { xTitle: 'step', yTitle: `mean entropy, layer ${layer} (nats)`, xFormat: (v) => String(v), yTicks: 5 });
  g.select('text.axis-title').attr('y', h + 30);
  drawHeadSeries(g, x, y, steps, heads, selected, uniform);
  drawCursor(g, x, h, cursor);
  drawLegend(g, frame, entries);
  for (const key of Object.keys(svg.dataset)) if (key !== 'testid') delete svg.dataset[key];
  Object.assign(svg.dataset, {
    points: String(steps.length),
    layer: String(layer),
    heads: String(heads.length),
    uniform: String(uniform),
    cursor: cursor === null ? '' : String(cursor),
    ...(drawnDataWanted() ? { steps: steps.join(','), values: joinRows(heads) } : {}),
  });
}

export function HeadEntropyChart() {
  const run = useApp((s) => s.training.runs.a);
  const view = useApp((s) => s.view);
  const cursor = useApp((s) => timelineSnapshot(s)?.step ?? null);
  const svgRef = useRef<SVGSVGElement>(null);
  const nLayers = run?.snapshots[0]?.nLayers ?? 1;
  const layer = Math.min(view.layer, nLayers - 1);
  const shown = !!run && run.snapshots.length > 0;
  useEffect(() => {
    if (svgRef.current && run && run.snapshots.length > 0) drawEntropy(svgRef.current, run, layer, view.head, cursor);
  }, [run, layer, view.head, cursor]);
  const heads = run?.snapshots[0]?.nHeads ?? run?.spec.nHeads ?? 1;
  return (
    <figure className="chart train-chart">
      <figcaption className="chart-head">
        <span>Entropy per head, layer {layer}</span>
        <ExportButtons name="head-entropy-training" svg={() => trainChartDocument(svgRef.current)} />
      </figcaption>
      <ChartSvg svgRef={svgRef} frame={trainFrame(legendRows(heads + 1))} testId="train-entropy-chart" label={`Mean attention entropy of each head of layer ${layer} on the probe example, against step`} shown={shown} />
      {shown ? (
        <p className="hint">
          On the probe example (the task's first held-out example), at each snapshot; the layer is the one the views show. A head falling towards 0 has learnt to put its weight on one key (entropy collapse).
        </p>
      ) : null}
    </figure>
  );
}
