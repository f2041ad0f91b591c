/**
 * The results as charts. For a measure chosen in the select: each row's mean as a dot, a whisker
 * from its lowest to its highest seed, and every seed's value as a small dot beside it; with a
 * numeric sweep the swept value is the x axis and each variant is one line through its means.
 * Under it, "over training": the chosen measure's course (tracked measures, the mean over seeds at
 * each held-out evaluation) and the training loss (mean over seeds at each step), one line per row.
 * Drawn with D3 like the training charts (trainChart.ts), exported as PNG or SVG; the numbers drawn
 * go into data attributes only when the tests ask (drawnData.ts).
 */
import { extent } from 'd3-array';
import { scaleLinear, scaleLog, type ScaleContinuousNumeric } from 'd3-scale';
import { select } from 'd3-selection';
import { line } from 'd3-shape';
import { useEffect, useId, useRef, useState } from 'react';
import type { ExperimentResult, SummaryRow } from '../../spec/experiment';
import { headColour, headDash, inner, joinRows, joinValues, plotFrame } from '../views/chart';
import { ChartSvg } from '../views/ChartSvg';
import { drawnDataWanted } from '../views/drawnData';
import { ExportButtons } from '../views/ExportButtons';
import { logExtent } from '../train/curves';
import { drawCurve, LEGEND_ROW, trainChartDocument, trainFrame, type Group, type LegendEntry } from '../train/trainChart';
import { formatValue, isTracked, lossCourses, measureName, rowPoints, showOf, sweepLines, trackedCourses, type Course, type RowPoint, type Show } from './results';

type Scale = ScaleContinuousNumeric<number, number>;

/** The y scale for values read as `show`: shares 0 to 100%, else from 0 (or the lowest value below it) to the highest, rounded. */
function valueScale(values: number[], show: Show, h: number): Scale {
  if (show === 'percent') return scaleLinear().domain([0, 1]).range([h, 0]);
  const [lo = 0, hi = 1] = extent(values.filter(Number.isFinite));
  const top = hi > Math.min(0, lo) ? hi : Math.min(0, lo) + 1;
  return scaleLinear().domain([Math.min(0, lo), top]).nice().range([h, 0]);
}

const yFormat = (show: Show) => (v: number) => (show === 'percent' ? `${Math.round(v * 100)}%` : formatValue(v, show));

/** A mean dot, its min–max whisker and the seeds' dots at x = `at`. */
function drawPoint(g: Group, y: Scale, p: RowPoint, at: number, colour: string) {
  const pg = g.append('g').attr('class', 'row-point').attr('data-label', p.label);
  if (p.min !== null && p.max !== null)
    pg.append('line').attr('x1', at).attr('x2', at).attr('y1', y(p.min)).attr('y2', y(p.max)).attr('stroke', colour).attr('stroke-width', 1.5);
  p.seeds.forEach((v, i) => {
    pg.append('circle').attr('class', 'seed').attr('cx', at + 6 + (i % 3) * 3).attr('cy', y(v)).attr('r', 1.8).attr('fill', colour).attr('fill-opacity', 0.6);
  });
  if (p.mean !== null) pg.append('circle').attr('class', 'mean').attr('cx', at).attr('cy', y(p.mean)).attr('r', 4).attr('fill', colour).attr('stroke', 'currentColor').attr('stroke-width', 0.6);
}

/** The summary chart of measure `k`; returns nothing, writes its data attributes. */
function drawSummary(svg: SVGSVGElement, result: ExperimentResult, rows: readonly SummaryRow[], k: number) {
  const e = result.experiment;
  const m = e.measures[k]!;
  const show = showOf(m);
  const points = rowPoints(result, rows, k);
  const lines = sweepLines(e, points);
  const entries: LegendEntry[] = lines ? lines.map((l, i) => ({ label: l.label, colour: headColour(i), dash: headDash(i), dots: true })) : [];
  const frame = summaryFrame(lines ? lines.length : 0);
  const { w, h } = inner(frame);
  const all = points.flatMap((p) => [p.mean, p.min, p.max, ...p.seeds].filter((v): v is number => v !== null));
  const y = valueScale(all, show, h);
  if (lines) {
    const xs = e.sweep!.values as number[];
    const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
    const log = lo > 0 && hi / lo >= 20;
    const x: Scale = log ? scaleLog().domain([lo, hi]).range([0, w]) : scaleLinear().domain(lo === hi ? [lo - 1, hi + 1] : [lo, hi]).range([0, w]);
    if (!log) x.nice();
    const g = plotFrame(svg, frame, x, y, { xTitle: e.sweep!.path + (log ? ' (log)' : ''), yTitle: measureName(m), xFormat: (v) => String(Number(Number(v).toPrecision(3))), yFormat: yFormat(show), yTicks: 5 });
    g.select('text.axis-title').attr('y', h + 30);
    lines.forEach((l, i) => {
      const withMean = l.points.filter((p) => p.mean !== null);
      g.append('path')
        .attr('fill', 'none')
        .attr('stroke', headColour(i))
        .attr('stroke-dasharray', headDash(i))
        .attr('stroke-width', 1.5)
        .attr('data-series', l.label)
        .attr('d', line<RowPoint>().x((p) => x(p.sweepValue as number)).y((p) => y(p.mean!))(withMean));
      for (const p of l.points) drawPoint(g, y, p, x(p.sweepValue as number), headColour(i));
    });
    drawRowLegend(g, frame, entries);
  } else {
    const x = scaleLinear().domain([-0.5, points.length - 0.5]).range([0, w]);
    const g = plotFrame(svg, frame, x, y, {
      xTitle: 'variant',
      yTitle: measureName(m),
      xFormat: (v) => short(points[Number(v)]?.label ?? ''),
      yFormat: yFormat(show),
      yTicks: 5,
    });
    g.select('text.axis-title').attr('y', h + 30); // under its axis, as in the sweep chart
    g.select('.x-axis').call((a) => a.selectAll('.tick').filter((d) => !Number.isInteger(d)).remove());
    if (points.length > 4) g.selectAll('.x-axis .tick text').attr('transform', 'rotate(-20)').attr('text-anchor', 'end');
    points.forEach((p, i) => drawPoint(g, y, p, x(i), headColour(i)));
  }
  for (const key of Object.keys(svg.dataset)) if (key !== 'testid') delete svg.dataset[key];
  const data: Record<string, string> = { points: String(points.filter((p) => p.mean !== null).length), measure: String(k) };
  if (drawnDataWanted())
    Object.assign(data, {
      labels: points.map((p) => p.label).join('|'),
      x: points.map((p) => String(p.sweepValue ?? '')).join(','),
      means: joinValues(points.map((p) => p.mean ?? NaN)),
      mins: joinValues(points.map((p) => p.min ?? NaN)),
      maxs: joinValues(points.map((p) => p.max ?? NaN)),
      seeds: joinRows(points.map((p) => p.seeds)),
    });
  Object.assign(svg.dataset, data);
  select(svg).attr('aria-label', `${measureName(m)} per row: ${points.map((p) => `${p.label} ${formatValue(p.mean, show)}`).join('; ')}`);
}

/** One course over training per row: `log` for the loss. */
function drawCourses(svg: SVGSVGElement, courses: Course[], yTitle: string, show: Show | 'log') {
  const entries: LegendEntry[] = courses.map((c, i) => ({ label: c.label, colour: headColour(i), dash: headDash(i) }));
  const frame = frameFor(entries.length);
  const { w, h } = inner(frame);
  const last = Math.max(1, ...courses.map((c) => c.steps.at(-1) ?? 0));
  const x = scaleLinear().domain([0, last]).range([0, w]);
  const values = courses.flatMap((c) => c.means);
  const y: Scale = show === 'log' ? scaleLog().domain(logExtent(values)).range([h, 0]) : valueScale(values, show, h);
  const g = plotFrame(svg, frame, x, y, { xTitle: 'step', yTitle, xFormat: (v) => String(v), yFormat: show === 'log' ? y.tickFormat(5, '~g') : yFormat(show), yTicks: 5 });
  g.select('text.axis-title').attr('y', h + 30);
  const few = courses.every((c) => c.steps.length <= 60);
  courses.forEach((c, i) => drawCurve(g, x, y, { name: c.label, xs: c.steps, ys: c.means, colour: headColour(i), dash: headDash(i), dots: few && show !== 'log', width: 1.4 }));
  drawRowLegend(g, frame, entries);
  for (const key of Object.keys(svg.dataset)) if (key !== 'testid') delete svg.dataset[key];
  Object.assign(svg.dataset, { points: String(courses.reduce((n, c) => n + c.steps.length, 0)) });
  if (drawnDataWanted()) Object.assign(svg.dataset, { labels: courses.map((c) => c.label).join('|'), steps: courses.map((c) => c.steps.join(',')).join(';'), means: joinRows(courses.map((c) => c.means)) });
}

const short = (s: string, n = 18) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
/** A chart's frame with one legend row per entry (rows' labels are long: one a row, so none overlaps). */
const frameFor = (entries: number) => trainFrame(Math.max(1, entries), 14);
const summaryFrame = frameFor;

/** The legend under the x axis, one entry a row, part of the chart so an export carries it. */
function drawRowLegend(g: Group, f: ReturnType<typeof trainFrame>, entries: LegendEntry[]) {
  const plotHeight = f.height - f.margin.top - f.margin.bottom;
  const legend = g.append('g').attr('class', 'legend').attr('transform', `translate(${8 - f.margin.left},${plotHeight + 42})`);
  entries.forEach((e, i) => {
    const row = legend.append('g').attr('transform', `translate(0,${i * LEGEND_ROW})`);
    row.append('line').attr('x1', 0).attr('x2', 18).attr('y1', 5).attr('y2', 5).attr('stroke', e.colour).attr('stroke-width', 2).attr('stroke-dasharray', e.dash);
    if (e.dots) row.append('circle').attr('cx', 9).attr('cy', 5).attr('r', 2.5).attr('fill', e.colour);
    row.append('text').attr('x', 22).attr('y', 5).attr('dy', '0.35em').attr('fill', 'currentColor').text(short(e.label, 64));
  });
}

/** One chart: its title, exports and SVG (hidden until drawn). */
function Figure(props: { title: string; name: string; testId: string; frame: ReturnType<typeof trainFrame>; draw: (svg: SVGSVGElement) => void; deps: unknown[]; shown: boolean; label: string }) {
  const ref = useRef<SVGSVGElement>(null);
  const { draw, shown } = props;
  useEffect(() => {
    if (ref.current && shown) draw(ref.current);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- redrawn when the data it draws changes
  }, [shown, ...props.deps]);
  return (
    <figure className="chart train-chart">
      <figcaption className="chart-head">
        <span>{props.title}</span>
        <ExportButtons name={props.name} svg={() => trainChartDocument(ref.current)} />
      </figcaption>
      <ChartSvg svgRef={ref} frame={props.frame} testId={props.testId} label={props.label} shown={shown} />
    </figure>
  );
}

export function ResultsChart({ result, rows }: { result: ExperimentResult; rows: readonly SummaryRow[] }) {
  const { measures } = result.experiment;
  const id = useId();
  const [chosen, setChosen] = useState(0);
  const k = Math.min(chosen, Math.max(0, measures.length - 1));
  const m = measures[k];
  if (!m) return null;
  const lines = sweepLines(result.experiment, rowPoints(result, rows, k));
  const tracked = isTracked(m) ? trackedCourses(result, rows, k) : [];
  const losses = lossCourses(result, rows);
  const anyValue = rows.some((r) => r.measures[k]);
  return (
    <div className="experiment-charts" data-testid="experiment-charts">
      <label htmlFor={id}>
        Measure{' '}
        <select id={id} value={k} onChange={(ev) => setChosen(Number(ev.target.value))} data-testid="experiment-chart-measure">
          {measures.map((x, i) => (
            <option key={i} value={i}>
              {measureName(x)}
            </option>
          ))}
        </select>
      </label>
      <div className="train-charts">
        <Figure
          title={`${measureName(m)}: mean, lowest–highest and each seed`}
          name="experiment-results"
          testId="experiment-chart"
          frame={summaryFrame(lines ? lines.length : 0)}
          draw={(svg) => drawSummary(svg, result, rows, k)}
          deps={[result, rows, k]}
          shown={anyValue}
          label={`${measureName(m)} per row`}
        />
        {tracked.length ? (
          <Figure
            title={`${measureName(m)} over training (mean over seeds)`}
            name="experiment-course"
            testId="experiment-course-chart"
            frame={frameFor(tracked.length)}
            draw={(svg) => drawCourses(svg, tracked, measureName(m), showOf(m))}
            deps={[result, rows, k]}
            shown
            label={`${measureName(m)} against step, mean over seeds, one line per row`}
          />
        ) : null}
        {losses.length ? (
          <Figure
            title="Training loss (mean over seeds)"
            name="experiment-loss"
            testId="experiment-loss-chart"
            frame={frameFor(losses.length)}
            draw={(svg) => drawCourses(svg, losses, 'training loss (log)', 'log')}
            deps={[result, rows]}
            shown
            label="Training loss (log scale) against step, mean over seeds, one line per row"
          />
        ) : null}
      </div>
      {anyValue ? null : <p className="hint">The chart appears once a run has finished with a value of this measure.</p>}
    </div>
  );
}
