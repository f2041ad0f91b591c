/**
 * Loss against step: each step's training loss (log axis), the held-out loss and, on its own linear
 * axis from 0 to 1 on the right, the held-out accuracy. In compare mode model B's curves are drawn
 * dashed over A's (the same batches, so the gap is the architecture's). The timeline's step is a
 * cursor. Long runs are thinned for drawing (curves.ts thinIndices); the exact values are on the
 * SVG's data attributes when the tests ask (drawnData.ts).
 */
import { axisRight } from 'd3-axis';
import { scaleLinear, scaleLog } from 'd3-scale';
import { select } from 'd3-selection';
import { useEffect, useRef } from 'react';
import { timelineSnapshot, type TrainingRun } from '../../state/training';
import { headColour, inner, joinValues, plotFrame } from '../views/chart';
import { ChartSvg } from '../views/ChartSvg';
import { drawnDataWanted } from '../views/drawnData';
import { ExportButtons } from '../views/ExportButtons';
import { useApp } from '../useApp';
import { logExtent } from './curves';
import { drawCurve, drawCursor, drawLegend, legendRows, trainChartDocument, trainFrame, type LegendEntry } from './trainChart';

const LOSS = headColour(0);
const HELD_LOSS = headColour(5);
const ACCURACY = headColour(2);
/** Model B's curves: dashed, over A's solid ones. */
const DASH_B = '5 3';

function drawLoss(svg: SVGSVGElement, runs: { name: 'a' | 'b'; run: TrainingRun }[], cursor: number | null) {
  const compare = runs.length > 1;
  const entries: LegendEntry[] = [
    { label: 'training loss', colour: LOSS, dash: null },
    { label: 'held-out loss', colour: HELD_LOSS, dash: null, dots: true },
    { label: 'held-out accuracy →', colour: ACCURACY, dash: null, dots: true },
    ...(compare
      ? [
          { label: 'model A: solid', colour: 'currentColor', dash: null },
          { label: 'model B: dashed', colour: 'currentColor', dash: DASH_B },
        ]
      : []),
  ];
  const frame = trainFrame(legendRows(entries.length), 40);
  const { w, h } = inner(frame);
  const last = Math.max(1, ...runs.map(({ run }) => run.reports.at(-1)?.step ?? 0), cursor ?? 0);
  const x = scaleLinear().domain([0, last]).range([0, w]);
  const losses = runs.flatMap(({ run }) => [...run.reports.map((r) => r.loss), ...run.evaluations.map((e) => e.loss)]);
  const y = scaleLog().domain(logExtent(losses)).range([h, 0]);
  const yAcc = scaleLinear().domain([0, 1]).range([h, 0]);
  const g = plotFrame(svg, frame, x, y, { xTitle: 'step', yTitle: 'loss (log)', xFormat: (v) => String(v), yFormat: y.tickFormat(5, '~g'), yTicks: 5 });
  g.select('text.axis-title').attr('y', h + 30); // the x title stays under its axis, above the legend
  g.append('g').attr('class', 'axis y-axis-right').attr('transform', `translate(${w},0)`).call(axisRight(yAcc).ticks(5).tickFormat((v) => `${Math.round(Number(v) * 100)}%`).tickSizeOuter(0));
  g.append('text')
    .attr('class', 'axis-title')
    .attr('fill', 'currentColor')
    .attr('transform', `translate(${w + frame.margin.right - 6},${h / 2}) rotate(90)`)
    .attr('text-anchor', 'middle')
    .text('held-out accuracy');

  const wanted = drawnDataWanted();
  const data: Record<string, string> = {};
  for (const { name, run } of runs) {
    const dash = name === 'b' ? DASH_B : null;
    const opacity = name === 'b' ? 0.85 : 1;
    const suffix = name === 'a' ? '' : 'B'; // data-points-b etc.
    const steps = run.reports.map((r) => r.step);
    const loss = run.reports.map((r) => r.loss);
    const kept = drawCurve(g, x, y, { name: `loss-${name}`, xs: steps, ys: loss, colour: LOSS, dash, width: 1.4, opacity });
    const held = run.evaluations;
    drawCurve(g, x, y, { name: `held-loss-${name}`, xs: held.map((e) => e.step), ys: held.map((e) => e.loss), colour: HELD_LOSS, dash, dots: true, opacity });
    drawCurve(g, x, yAcc, { name: `accuracy-${name}`, xs: held.map((e) => e.step), ys: held.map((e) => e.accuracy), colour: ACCURACY, dash, dots: true, opacity });
    data[`points${suffix}`] = String(steps.length);
    if (wanted)
      Object.assign(data, {
        [`steps${suffix}`]: steps.join(','),
        [`loss${suffix}`]: joinValues(loss),
        [`drawnSteps${suffix}`]: kept.map((i) => steps[i]).join(','),
        [`drawnLoss${suffix}`]: joinValues(kept.map((i) => loss[i]!)),
        [`evalSteps${suffix}`]: held.map((e) => e.step).join(','),
        [`evalLoss${suffix}`]: joinValues(held.map((e) => e.loss)),
        [`evalAccuracy${suffix}`]: joinValues(held.map((e) => e.accuracy)),
      });
  }
  drawCursor(g, x, h, cursor);
  drawLegend(g, frame, entries);
  for (const key of Object.keys(svg.dataset)) if (key !== 'testid') delete svg.dataset[key]; // a run dropped leaves nothing behind
  Object.assign(svg.dataset, data, { runs: runs.map((r) => r.name).join(','), cursor: cursor === null ? '' : String(cursor) });
  select(svg).attr('aria-label', lossLabel(runs, cursor));
}

function lossLabel(runs: { name: 'a' | 'b'; run: TrainingRun }[], cursor: number | null): string {
  const parts = runs.map(({ name, run }) => {
    const r = run.reports.at(-1);
    const e = run.evaluations.at(-1);
    const who = runs.length > 1 ? `model ${name.toUpperCase()}` : 'the model';
    return `${who}: ${r ? `training loss ${r.loss.toFixed(3)} at step ${r.step}` : 'no step yet'}${e ? `, held-out accuracy ${(e.accuracy * 100).toFixed(0)}% at step ${e.step}` : ''}`;
  });
  return `Loss (log scale) and held-out accuracy against step; ${parts.join('; ')}${cursor === null ? '' : `; the timeline is at step ${cursor}`}`;
}

export function LossChart() {
  const a = useApp((s) => s.training.runs.a);
  const b = useApp((s) => s.training.runs.b);
  const cursor = useApp((s) => timelineSnapshot(s)?.step ?? null);
  const svgRef = useRef<SVGSVGElement>(null);
  const runs = [...(a ? [{ name: 'a' as const, run: a }] : []), ...(b ? [{ name: 'b' as const, run: b }] : [])];
  const shown = runs.some(({ run }) => run.reports.length > 0);
  useEffect(() => {
    const list = [...(a ? [{ name: 'a' as const, run: a }] : []), ...(b ? [{ name: 'b' as const, run: b }] : [])];
    if (svgRef.current && list.some(({ run }) => run.reports.length > 0)) drawLoss(svgRef.current, list, cursor);
  }, [a, b, cursor]);
  return (
    <figure className="chart train-chart">
      <figcaption className="chart-head">
        <span>Loss and held-out accuracy{b ? ': A and B' : ''}</span>
        <ExportButtons name="training-loss" svg={() => trainChartDocument(svgRef.current)} />
      </figcaption>
      <ChartSvg svgRef={svgRef} frame={trainFrame(legendRows(b ? 5 : 3), 40)} testId="train-loss-chart" label="Loss (log scale) and held-out accuracy against step" shown={shown} />
      {shown ? null : <p className="hint">The loss appears here once training has taken its first steps.</p>}
    </figure>
  );
}
