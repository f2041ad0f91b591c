/**
 * What each head does against step: at each snapshot, one head statistic (chosen in the chart's
 * menu: previous-token, induction, sink, distance or entropy; src/ui/views/headStatsInfo.ts) of
 * every head of the layer run the views show, on the probe example. A previous-token head in one
 * layer and an induction head in the next rising together is the induction circuit forming. The
 * dashed line is uniform causal attention's score (none for induction). Model A's run; the
 * selected head is drawn thickest; the timeline's step is a cursor.
 */
import { scaleLinear } from 'd3-scale';
import { useEffect, useRef, useState } from 'react';
import { timelineSnapshot, type TrainingRun } from '../../state/training';
import { inner, joinRows, plotFrame } from '../views/chart';
import { ChartSvg } from '../views/ChartSvg';
import { drawnDataWanted } from '../views/drawnData';
import { ExportButtons } from '../views/ExportButtons';
import { HEAD_STAT_INFO, HEAD_STATS, type HeadStat } from '../views/headStatsInfo';
import { useApp } from '../useApp';
import { headStatSeries, uniformCausal } from './headStatsSeries';
import { drawCursor, drawHeadSeries, drawLegend, headEntries, legendRows, trainChartDocument, trainFrame } from './trainChart';


function drawStats(svg: SVGSVGElement, run: TrainingRun, layer: number, stat: HeadStat, selected: number, cursor: number | null) {
  const info = HEAD_STAT_INFO[stat];
  const { steps, heads } = headStatSeries(run.snapshots, layer, stat);
  const uniform = uniformCausal(stat, run.snapshots[0]?.T ?? 0);
  const entries = headEntries(heads.length, uniform !== null);
  const frame = trainFrame(legendRows(entries.length));
  const { w, h } = inner(frame);
  let top = 1;
  if (info.unit === 'positions') {
    top = Math.max(1, uniform ?? 0);
    for (const row of heads) for (const v of row) if (Number.isFinite(v)) top = Math.max(top, v);
    top *= 1.08;
  }
  const x = scaleLinear().domain([0, Math.max(1, steps.at(-1) ?? 1, cursor ?? 0)]).range([0, w]);
  const y = scaleLinear().domain([0, top]).range([h, 0]);
  const yTitle = `${info.name}, layer ${layer}${info.unit === 'positions' ? ' (positions)' : ''}`;
  const yFormat = stat === 'entropy' ? (v: number) => `${Math.round(v * 100)}%` : undefined;
  const g = plotFrame(svg, frame, x, y, { xTitle: 'step', yTitle, xFormat: (v) => String(v), yTicks: 5, ...(yFormat ? { yFormat } : {}) });
  g.select('text.axis-title').attr('y', h + 30);
  drawHeadSeries(g, x, y, steps, heads, selected, uniform);
  drawCursor(g, x, h, cursor);
  drawLegend(g, frame, entries);
  for (const key of Object.keys(svg.dataset)) if (key !== 'testid') delete svg.dataset[key];
  Object.assign(svg.dataset, {
    points: String(steps.length),
    layer: String(layer),
    stat,
    heads: String(heads.length),
    uniform: uniform === null ? '' : String(uniform),
    cursor: cursor === null ? '' : String(cursor),
    ...(drawnDataWanted() ? { steps: steps.join(','), values: joinRows(heads) } : {}),
  });
}

export function HeadStatsChart() {
  const run = useApp((s) => s.training.runs.a);
  const view = useApp((s) => s.view);
  const cursor = useApp((s) => timelineSnapshot(s)?.step ?? null);
  const [stat, setStat] = useState<HeadStat>('previousToken');
  const svgRef = useRef<SVGSVGElement>(null);
  const nLayers = run?.snapshots[0]?.nLayers ?? 1;
  const layer = Math.min(view.layer, nLayers - 1);
  const shown = !!run && run.snapshots.length > 0;
  useEffect(() => {
    if (svgRef.current && run && run.snapshots.length > 0) drawStats(svgRef.current, run, layer, stat, view.head, cursor);
  }, [run, layer, stat, view.head, cursor]);
  const heads = run?.snapshots[0]?.nHeads ?? run?.spec.nHeads ?? 1;
  const info = HEAD_STAT_INFO[stat];
  return (
    <figure className="chart train-chart">
      <figcaption className="chart-head">
        <select value={stat} onChange={(e) => setStat(e.target.value as HeadStat)} data-testid="train-head-stats-stat" aria-label="Head statistic drawn against step">
          {HEAD_STATS.map((s) => (
            <option key={s} value={s}>
              {HEAD_STAT_INFO[s].name}
            </option>
          ))}
        </select>
        <span>per head, layer {layer}</span>
        <ExportButtons name="head-stats-training" svg={() => trainChartDocument(svgRef.current)} />
      </figcaption>
      <ChartSvg svgRef={svgRef} frame={trainFrame(legendRows(heads + 1))} testId="train-head-stats-chart" label={`The ${info.name} of each head of layer ${layer} on the probe example, against step`} shown={shown} />
      {shown ? (
        <p className="hint" title={info.meaning}>
          {info.meaning} On the probe example, at each snapshot; the layer is the one the views show.
        </p>
      ) : null}
    </figure>
  );
}
