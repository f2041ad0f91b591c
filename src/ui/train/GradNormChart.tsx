/**
 * Gradient norm per layer against step (log axis): the embedding's, each layer's and the final
 * norm's (StepReport.layerGradNorms, in src/train/step.ts gradGroups' order), before clipping.
 * A layer whose gradient vanishes or explodes shows as a line falling or rising away from the
 * others. Model A's run; thinned for drawing, exact on the data attributes when the tests ask.
 */
import { scaleLinear, scaleLog } from 'd3-scale';
import { useEffect, useRef } from 'react';
import { timelineSnapshot, type TrainingRun } from '../../state/training';
import { gradGroups } from '../../train/step';
import { headColour, headDash, inner, joinRows, plotFrame } from '../views/chart';
import { ChartSvg } from '../views/ChartSvg';
import { drawnDataWanted } from '../views/drawnData';
import { ExportButtons } from '../views/ExportButtons';
import { useApp } from '../useApp';
import { gradSeries, logExtent } from './curves';
import { drawCurve, drawCursor, drawLegend, legendRows, trainChartDocument, trainFrame } from './trainChart';

function drawGrads(svg: SVGSVGElement, run: TrainingRun, cursor: number | null) {
  const labels = gradGroups(run.spec);
  const series = gradSeries(run.reports, labels.length);
  const entries = labels.map((label, i) => ({ label, colour: headColour(i), dash: headDash(i) }));
  const frame = trainFrame(legendRows(entries.length));
  const { w, h } = inner(frame);
  const steps = run.reports.map((r) => r.step);
  const x = scaleLinear().domain([0, Math.max(1, steps.at(-1) ?? 1, cursor ?? 0)]).range([0, w]);
  const y = scaleLog().domain(logExtent(series.flat())).range([h, 0]);
  const g = plotFrame(svg, frame, x, y, { xTitle: 'step', yTitle: 'gradient norm (log)', xFormat: (v) => String(v), yFormat: y.tickFormat(5, '~g'), yTicks: 5 });
  g.select('text.axis-title').attr('y', h + 30);
  const drawn = series.map((ys, i) => drawCurve(g, x, y, { name: labels[i]!, xs: steps, ys, colour: headColour(i), dash: headDash(i), width: 1.4 }));
  drawCursor(g, x, h, cursor);
  drawLegend(g, frame, entries);
  for (const key of Object.keys(svg.dataset)) if (key !== 'testid') delete svg.dataset[key];
  Object.assign(svg.dataset, {
    points: String(steps.length),
    groups: labels.join('|'),
    cursor: cursor === null ? '' : String(cursor),
    ...(drawnDataWanted() ? { steps: steps.join(','), values: joinRows(series), drawn: drawn.map((k) => k.length).join(',') } : {}),
  });
}

export function GradNormChart() {
  const run = useApp((s) => s.training.runs.a);
  const cursor = useApp((s) => timelineSnapshot(s)?.step ?? null);
  const svgRef = useRef<SVGSVGElement>(null);
  const shown = !!run && run.reports.length > 0;
  useEffect(() => {
    if (svgRef.current && run && run.reports.length > 0) drawGrads(svgRef.current, run, cursor);
  }, [run, cursor]);
  const groups = run ? gradGroups(run.spec).length : 3;
  return (
    <figure className="chart train-chart">
      <figcaption className="chart-head">
        <span>Gradient norm per layer</span>
        <ExportButtons name="gradient-norms" svg={() => trainChartDocument(svgRef.current)} />
      </figcaption>
      <ChartSvg svgRef={svgRef} frame={trainFrame(legendRows(groups))} testId="train-grad-chart" label="Gradient norm of the embedding, each layer and the final norm against step, log scale" shown={shown} />
      {shown ? <p className="hint">Before clipping; model A{run.spec.layers.length ? ` (${run.spec.layers.length} layer${run.spec.layers.length === 1 ? '' : 's'})` : ''}. A group the model lacks (no final norm) has no line.</p> : null}
    </figure>
  );
}
